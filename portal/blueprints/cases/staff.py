"""Staff workspace: the case list in the user's scope, operator intake, case detail."""
from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from portal.blueprints.cases.case_page import case_page
from portal.blueprints.cases.forms import OperatorIntakeForm
from portal.domain import idempotency, intake, keyset, photos, scope, workflow
from portal.extensions import db
from portal.models import Case, CasePhoto, Role
from portal.web import redirect_after_post, render_page, roles_required, submit_once

bp = Blueprint("staff", __name__, url_prefix="/staff")
PAGE_SIZE = 50


@bp.get("/")
@login_required
def home():
    """Each role lands on its own work; everyone else on the case list."""
    landing = {Role.DISPATCHER: "queues.dispatcher", Role.HANDLER: "queues.unit", Role.UNIT_LEAD: "queues.unit",
               Role.SUPERVISOR: "supervision.dashboard", Role.MONITOR: "monitors.home"}.get(current_user.role)
    if landing and not request.args:
        return redirect(url_for(landing))
    return case_list()


@bp.get("/cases")
@login_required
def case_list():
    state = request.args.get("state") or None
    query = scope.visible_cases(current_user)
    if state in Case.STATES:
        query = query.where(Case.state == state)
    page = keyset.page(query, PAGE_SIZE, after=request.args.get("after"), before=request.args.get("before"),
                       options=(selectinload(Case.category), selectinload(Case.county), selectinload(Case.lead_unit)))
    return render_page("staff/home.html", "case_table", cases=page.cases, page=page,
                       state=state, states=Case.STATES)


def _sealed_code(previous: dict) -> str | None:
    """The query code of a call already recorded from this form: only the form's token (this operator's page)
    unseals it, so the operator can still tell the caller after a double click."""
    token, sealed = submit_once.posted_token(), previous.get("sealed_code")
    return idempotency.unseal(sealed, token) if token and sealed else None


@bp.route("/intake", methods=["GET", "POST"])
@roles_required(Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)
def intake_call():
    from portal.blueprints.knowledge import intake_citation

    form = OperatorIntakeForm()
    form.load_choices()
    if request.method == "POST" and request.form.get("cite"):  # "answer the caller with this" article
        intake_citation.apply(form, request.form.get("cite"))
    if form.is_refresh() or (request.method == "POST" and request.form.get("cite")):
        return render_page("staff/intake.html", "form_body", form=form, cited=intake_citation.cited(form))
    submission = form.valid_submission(channel=form.channel.data)
    if submission is not None:
        once = submit_once.claim("intake")
        if once.repeated:  # the same call typed in once, posted twice
            if not once.previous.get("case_id"):
                return redirect_after_post(url_for("staff.case_list"))
            code = _sealed_code(once.previous)
            if code:  # a double click: the first answer (with the code to tell the caller) was never seen
                flash(_("Case %(no)s was already recorded from this form; it was not recorded twice. Tell the "
                        "caller the query code: %(code)s", no=once.previous["tracking_no"], code=code), "info")
            else:
                flash(_("Case %(no)s was already recorded from this form; it was not recorded twice.",
                        no=once.previous["tracking_no"]), "info")
            return redirect_after_post(url_for("staff.case_detail", case_id=once.previous["case_id"]))
        case, code = intake.receive(submission, entered_by=current_user)
        if form.answer_now.data:
            workflow.answer_directly(case, current_user, form.answer_text.data,
                                     data=intake_citation.event_data(form))
            intake_citation.record(form, case)
        db.session.flush()  # ids for the record of what was created
        token = submit_once.posted_token()
        once.done(case_id=case.id, tracking_no=case.tracking_no,
                  sealed_code=idempotency.seal(code, token) if token else None)
        db.session.commit()
        flash(_("Case %(no)s recorded. Tell the caller the query code: %(code)s",
                no=case.tracking_no, code=code), "success")
        return redirect_after_post(url_for("staff.case_detail", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_page("staff/intake.html", "form_body", status=status, form=form,
                       cited=intake_citation.cited(form))


@bp.get("/cases/<int:case_id>")
@login_required
def case_detail(case_id):
    return case_page(scope.visible_case(current_user, case_id))


@bp.get("/cases/<int:case_id>/photos/<int:photo_id>")
@login_required
def case_photo(case_id, photo_id):
    case = scope.visible_case(current_user, case_id)
    photo = db.session.get(CasePhoto, photo_id)
    if photo is None or photo.case_id != case.id:
        abort(404)
    return send_file(photos.path_of(photo.stored_name), mimetype=photo.content_type, max_age=3600)
