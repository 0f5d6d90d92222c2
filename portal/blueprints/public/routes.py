"""Public pages: home, submit a request, track it. No login: citizens use tracking number + query code."""
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from portal.blueprints.cases.forms import EvaluateForm
from portal.blueprints.public.forms import CaseForm, TrackForm
from portal.domain import idempotency, intake, photos, statistics, workflow
from portal.extensions import db, limiter
from portal.models import Case, CasePhoto, Category
from portal.web import redirect_after_post, render_page, render_too_many, submit_once
from portal.web.guard import parse_int, safe_redirect_target

bp = Blueprint("public", __name__)

TRACKED_KEY = "tracked_cases"  # case ids this browser proved it may see (number + code)


@bp.get("/")
def home():
    """The same content for every visitor in a language (published cases, this year's figures): rendered once
    per HOME_CACHE_SECONDS in the shared cache; the page around it (session, CSRF header) per request."""
    def content() -> str:
        cases = intake.recent_published(current_app.config["RECENT_PUBLISHED_ON_HOME"])
        return render_template("public/_home_content.html", cases=cases)

    key = f"home:{statistics.CACHE_VERSION}:{get_locale()}"
    html = statistics.cached(key, content, timeout=current_app.config["HOME_CACHE_SECONDS"])
    return render_page("public/home.html", content=Markup(html))  # nosec B704 - our own rendered template


@bp.get("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_redirect_target(request.args.get("next"), url_for("public.home")))


def _counts_as_submission(response) -> bool:
    return not request.form.get("refresh")  # "update choices" with JavaScript off is not a submission


def _signed_in_staff() -> bool:
    from flask_login import current_user

    return current_user.is_authenticated


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"], methods=["POST"],
               deduct_when=_counts_as_submission, exempt_when=_signed_in_staff)
def submit():
    form = CaseForm()
    form.load_choices()
    if form.is_refresh():  # JavaScript off: "update choices" re-renders the form with the next level filled
        return render_page("public/submit.html", "form_body", form=form)
    submission = form.valid_submission()
    if submission is not None:
        once = submit_once.claim("submit")
        if once.repeated:  # the same submission again (double click, retry): the first one's receipt
            return _receipt_again(once)
        case, code = intake.receive(submission)
        from portal.blueprints.knowledge.public import note_submission

        note_submission()  # the common questions the citizen opened did not answer this one
        token = submit_once.posted_token()
        db.session.flush()  # ids for the record of what was created
        once.done(case_id=case.id, tracking_no=case.tracking_no,
                  sealed_code=idempotency.seal(code, token) if token else None)
        db.session.commit()
        session["receipt"] = {"tracking_no": case.tracking_no, "code": code, "once": once.key}
        session[TRACKED_KEY] = (session.get(TRACKED_KEY, []) + [case.id])[-20:]
        return redirect_after_post(url_for("public.receipt"))
    status = 422 if request.method == "POST" else 200
    return render_page("public/submit.html", "form_body", status=status, form=form)


def _receipt_again(once: idempotency.Claim):
    """The receipt of a submission already received. The query code is stored only sealed with the form's
    one-time token: it comes back only to whoever holds that token (the browser that sent it), and only while the
    first receipt has not been shown (receipt() forgets the sealed copy): a code is shown once."""
    previous = once.previous
    if not previous.get("tracking_no"):
        return redirect_after_post(url_for("public.receipt"))
    token = submit_once.posted_token()
    sealed = previous.get("sealed_code")
    code = idempotency.unseal(sealed, token) if token and sealed and not previous.get("shown") else None
    session["receipt"] = {"tracking_no": previous["tracking_no"], "code": code, "again": True, "once": once.key}
    session[TRACKED_KEY] = (session.get(TRACKED_KEY, []) + [previous["case_id"]])[-20:]
    return redirect_after_post(url_for("public.receipt"))


@bp.get("/submit/options")
def submit_options():
    """htmx: re-render the cascading selects from the current choices (no CSRF: read-only)."""
    form = CaseForm(formdata=request.args, meta={"csrf": False})
    form.load_choices()
    picker = "region_picker" if request.args.get("picker") == "region" else "category_picker"
    response = make_response(get_template_attribute("case_form.html", picker)(form))
    response.vary.add("HX-Request")
    return response


@bp.post("/submit/validate")
@limiter.limit(lambda: current_app.config["TYPING_HELP_RATE_LIMIT"], exempt_when=_signed_in_staff)
def validate_field():
    """htmx inline validation: run the form's validators and answer with the errors of one field."""
    from flask_login import current_user

    from portal.blueprints.cases.forms import OperatorIntakeForm

    # the operator's form speaks about the caller: its messages come from its own fields
    staff = request.args.get("form") == "intake" and current_user.is_authenticated
    form = (OperatorIntakeForm if staff else CaseForm)(formdata=MultiDict(request.form), meta={"csrf": False})
    form.load_choices()
    name = request.headers.get("HX-Trigger-Name", "")
    field = form._fields.get(name)
    if field is None or name == "photos":
        return ""
    form.validate()
    return get_template_attribute("macros.html", "field_errors")(field)


@bp.post("/submit/similar")
@limiter.limit(lambda: current_app.config["TYPING_HELP_RATE_LIMIT"], exempt_when=_signed_in_staff)
def similar_cases():
    """htmx: open cases like the one being typed (same category and county, similar words).

    Citizens see only cases whose citizens allowed publication; staff who take calls see all of them."""
    from flask_login import current_user

    from portal.domain import duplicates
    from portal.models import Role

    staff = current_user.is_authenticated and current_user.role in (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)
    matches = duplicates.similar_open_cases(
        parse_int(request.form.get("category_id")), parse_int(request.form.get("county_id")),
        f"{request.form.get('title', '')} {request.form.get('description', '')}"[:5000], published_only=not staff,
        viewer=current_user if staff else None)
    return get_template_attribute("case_form.html", "similar_list")(matches, staff)


@bp.get("/submit/receipt")
def receipt():
    data = session.pop("receipt", None)
    if data and data.get("code") and data.get("once"):  # shown once, whichever post or session brings it back
        if not idempotency.show_once(data["once"]):
            data["code"] = None
        db.session.commit()
    return render_page("public/receipt.html", receipt=data)


def _wrong_code(response) -> bool:
    return response.status_code in (422, 429)


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"], methods=["POST"], deduct_when=_wrong_code)
def track():
    """Wrong codes are limited per address and per tracking number (whatever the address), so guessing one case's
    code from many addresses fails as surely as from one; the message says when to try again."""
    from portal import rate_limits

    form = TrackForm()
    if form.validate_on_submit():
        number, limits = form.tracking_no.data, current_app.config["TRACK_CASE_RATE_LIMIT"]
        wait = rate_limits.blocked("track-case", number, limits)
        if wait is not None:
            form.query_code.errors = [_("Too many wrong query codes for this tracking number. Try again in "
                                        "%(minutes)d minutes.", minutes=rate_limits.retry_minutes(wait))]
            return render_too_many("public/track.html", "track_form", wait, form=form)
        case = intake.find_tracked_case(number, form.query_code.data)
        if case is not None:
            session[TRACKED_KEY] = (session.get(TRACKED_KEY, []) + [case.id])[-20:]
            return redirect_after_post(url_for("public.tracked_case", tracking_no=case.tracking_no))
        rate_limits.count_failure("track-case", number, limits)
        form.query_code.errors = [_("No case matches this tracking number and query code. Check both and "
                                    "try again.")]
    status = 422 if request.method == "POST" else 200
    return render_page("public/track.html", "track_form", status=status, form=form)


# what the citizen's page shows of the case, read with it: the category path, the places, the photos
_CASE_PAGE_LOADS = (joinedload(Case.category).joinedload(Category.parent).joinedload(Category.parent),
                    joinedload(Case.county), joinedload(Case.town), selectinload(Case.photos))


def _tracked_or_404(tracking_no: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.tracking_no == tracking_no).options(*_CASE_PAGE_LOADS))
    if case is None or case.id not in session.get(TRACKED_KEY, []):
        abort(404)
    return case


def _case_page(case: Case, form: EvaluateForm | None = None, status: int = 200):
    followed = case
    while followed.state == "merged" and followed.merged_into_id:
        followed = db.session.get(Case, followed.merged_into_id)  # the citizen follows the earlier case
    if form is None and case.state == "awaiting_evaluation":
        form = EvaluateForm()
    return render_page("public/case.html", "evaluation", status=status, case=case, followed=followed,
                       timeline=workflow.public_timeline(followed), form=form)


@bp.get("/track/<tracking_no>")
def tracked_case(tracking_no):
    return _case_page(_tracked_or_404(tracking_no))


@bp.post("/track/<tracking_no>/evaluate")
def evaluate(tracking_no):
    """The citizen rates the reply: resolved? satisfied? (a reason is required when dissatisfied)."""
    case = _tracked_or_404(tracking_no)
    form = EvaluateForm()
    if form.validate_on_submit() and submit_once.claim(f"evaluate:{case.id}").repeated:
        flash(_("Thank you for your rating."), "success")  # the same rating posted twice counts once
        return redirect_after_post(url_for("public.tracked_case", tracking_no=tracking_no))
    if case.state != "awaiting_evaluation":
        flash(_("This case is not waiting for a rating any more."), "error")
        return redirect_after_post(url_for("public.tracked_case", tracking_no=tracking_no))
    if not form.validate_on_submit():
        return _case_page(case, form, status=422)
    workflow.evaluate(case, form.resolution.data, form.satisfaction.data, form.comment.data or None)
    db.session.commit()
    flash(_("Thank you for your rating."), "success")
    return redirect_after_post(url_for("public.tracked_case", tracking_no=tracking_no))


@bp.get("/track/<tracking_no>/photos/<int:photo_id>")
def tracked_photo(tracking_no, photo_id):
    case = _tracked_or_404(tracking_no)
    photo = db.session.get(CasePhoto, photo_id)
    if photo is None or photo.case_id != case.id:
        abort(404)
    return send_file(photos.path_of(photo.stored_name), mimetype=photo.content_type, max_age=3600)


@bp.post("/track/forget")
def forget_tracked():
    session.pop(TRACKED_KEY, None)
    flash(_("This browser no longer remembers your cases."), "info")
    return redirect_after_post(url_for("public.track"))
