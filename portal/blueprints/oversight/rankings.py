"""Monthly rankings (亮晒比): the public pages and XLSX export of published months; the supervisors' page to
publish last month and preview live figures; the interview (约谈) list. Rules in portal.domain.rankings."""
import io

from flask import Blueprint, abort, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.oversight.forms import FollowUpForm, InterviewForm, PublishForm
from portal.domain import exports, metrics, periods, rankings
from portal.extensions import db
from portal.models import Interview, Role
from portal.web import is_fragment_request, redirect_after_post, render_page, roles_required

bp = Blueprint("rankings", __name__)
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
PREVIEW_MONTHS = 12


def _context(**extra) -> dict:
    return {"labels": metrics.METRIC_LABELS, "definitions": metrics.METRIC_DEFINITIONS,
            "rate_keys": metrics.RATE_KEYS, "group_labels": rankings.GROUP_LABELS,
            "positions": rankings.positions(), **extra}


def _month_or_404(month: str) -> str:
    try:
        return rankings.parse_month(month)
    except rankings.RankingError:
        abort(404)


# ---- public -------------------------------------------------------------------------------------------------

@bp.get("/rankings")
def public_index():
    months = rankings.published_months()
    if not months:
        return render_page("rankings/public.html", **_context(snapshot=None, table={}, months=[]))
    return _public(months[0][0], months)


@bp.get("/rankings/<month>")
def public_month(month):
    return _public(_month_or_404(month), rankings.published_months())


def _public(month: str, months):
    snapshot = rankings.snapshot_for(month)
    if snapshot is None:
        abort(404)
    return render_page("rankings/public.html", "ranking_tables", **_context(
        snapshot=snapshot, month=month, table=rankings.snapshot_table(snapshot), months=months))


@bp.get("/rankings/<month>.xlsx")
def export_xlsx(month):
    snapshot = rankings.snapshot_for(_month_or_404(month))
    if snapshot is None:
        abort(404)
    out = io.BytesIO()
    header, rows = rankings.export_table(snapshot)
    rate_columns = {6 + 3 * i: "0.0%" for i in range(len(metrics.RATE_KEYS))}
    exports.write_xlsx(rows, header, out, title=snapshot.month, widths={"E": 28}, number_formats=rate_columns,
                       freeze="F2")
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"rankings-{snapshot.month}.xlsx",
                     mimetype=exports.XLSX_MIMETYPE)


# ---- supervisors --------------------------------------------------------------------------------------------

def _staff_page(form: PublishForm | None = None, status: int = 200, error: str = ""):
    pending = rankings.last_month()
    published = dict(rankings.published_months())
    choices = [m for m in periods.recent_months(count=PREVIEW_MONTHS)]
    month = request.args.get("month")
    if month not in choices:
        month = pending if pending not in published else choices[0]
    if form is None:
        form = PublishForm(month=pending)
    computed_at, table = rankings.preview(month)
    return render_page("rankings/staff.html", "preview", status=status, **_context(
        form=form, error=error, pending=pending, pending_published_at=published.get(pending),
        published=published, choices=choices, month=month, month_published=month in published,
        table=table, computed_at=computed_at, current=periods.month_text(periods.today())))


@bp.get("/staff/rankings")
@roles_required(*OVERSIGHT_ROLES)
def staff():
    return _staff_page()


@bp.post("/staff/rankings/publish")
@roles_required(*OVERSIGHT_ROLES)
def publish():
    form = PublishForm()
    if not form.validate_on_submit():
        return _staff_page(form, 422, _("Choose the month to publish."))
    last = rankings.last_month()
    if form.month.data != last:
        return _staff_page(PublishForm(formdata=None, month=last), 422, _(
            "Only the last closed month, %(last)s, can be published here (not “%(month)s”).",
            last=last, month=form.month.data[:20]))
    existing = rankings.snapshot_for(last)
    if existing is not None:
        return _staff_page(PublishForm(formdata=None, month=last), 422, rankings.already_published_message(existing))
    if form.stage.data != "confirm" or not form.confirmed.data:
        confirm_form = PublishForm(formdata=None, month=last, stage="confirm")
        table = rankings.compute(last)
        return render_page("rankings/confirm_publish.html", status=422 if form.stage.data == "confirm" else 200,
                           **_context(form=confirm_form, month=last, table=table,
                                      error=_("Tick the box to confirm: a published ranking cannot be changed.")
                                      if form.stage.data == "confirm" else ""))
    try:
        result = rankings.publish(form.month.data, by=current_user)
        db.session.commit()
    except rankings.RankingError as err:
        db.session.rollback()
        return _staff_page(form, 422, str(err))
    flash(_("The ranking for %(month)s is published.", month=result.snapshot.month), "success")
    if result.interviews:
        flash(_("%(n)d units are on the interview list: bottom 3 two months running.", n=len(result.interviews)),
              "info")
    return redirect_after_post(url_for("rankings.staff"))


# ---- interviews ---------------------------------------------------------------------------------------------

def _forms_for(interview: Interview) -> dict:
    return {"interview": InterviewForm(prefix=f"iv{interview.id}"),
            "follow_up": FollowUpForm(prefix=f"fu{interview.id}")}


def _interview_or_404(interview_id: int) -> Interview:
    interview = db.session.get(Interview, interview_id)
    if interview is None:
        abort(404)
    return interview


def _interviews_page(failed: Interview | None = None, kind: str = "", form=None, error: str = "",
                     status: int = 200):
    if failed is not None and is_fragment_request():  # htmx: only the card of the interview
        forms = _forms_for(failed)
        forms[kind] = form
        body = render_template("rankings/_interview.html", iv=failed, forms=forms, error=error,
                               statuses=rankings.INTERVIEW_STATUS, status_of=rankings.interview_status)
        return body, status, {"Vary": "HX-Request"}
    items = rankings.interviews()
    forms = {}
    for iv in items:
        forms[iv.id] = _forms_for(iv)
        if failed is not None and iv.id == failed.id:
            forms[iv.id][kind] = form
    return render_page("rankings/interviews.html", status=status, interviews=items, forms=forms,
                       failed_id=failed.id if failed else None, error=error,
                       statuses=rankings.INTERVIEW_STATUS, status_of=rankings.interview_status)


@bp.get("/staff/interviews")
@roles_required(*OVERSIGHT_ROLES)
def interviews():
    return _interviews_page()


def _record_on_interview(interview_id: int, kind: str, prefix: str, form_class, save, done):
    """One of the interview card's forms (`kind`: interview, follow_up): validate, save, flash `done(interview)`."""
    interview = _interview_or_404(interview_id)
    form = form_class(prefix=f"{prefix}{interview.id}")
    if not form.validate_on_submit():
        return _interviews_page(interview, kind, form, status=422)
    try:
        save(interview, form)
        db.session.commit()
    except rankings.RankingError as err:
        db.session.rollback()
        return _interviews_page(interview, kind, form, str(err), 422)
    flash(done(interview), "success")
    return redirect_after_post(url_for("rankings.interviews", _anchor=f"interview-{interview.id}"))


@bp.post("/staff/interviews/<int:interview_id>/interview")
@roles_required(*OVERSIGHT_ROLES)
def record_interview(interview_id):
    return _record_on_interview(
        interview_id, "interview", "iv", InterviewForm,
        lambda iv, form: rankings.record_interview(iv, form.held_on.data, form.attendees.data,
                                                   form.rectification.data, current_user),
        lambda iv: _("Interview with %(unit)s recorded.", unit=iv.unit.name))


@bp.post("/staff/interviews/<int:interview_id>/follow-up")
@roles_required(*OVERSIGHT_ROLES)
def record_follow_up(interview_id):
    return _record_on_interview(
        interview_id, "follow_up", "fu", FollowUpForm,
        lambda iv, form: rankings.record_follow_up(iv, form.followed_up_on.data, form.follow_up.data),
        lambda iv: _("Follow-up of the interview with %(unit)s recorded.", unit=iv.unit.name))
