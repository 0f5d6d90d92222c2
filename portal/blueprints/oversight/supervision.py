"""Supervision (督办): the supervisors' dashboard, supervision orders and the perfunctory-handling flag queue.

Thin views: parse the form, call portal.domain.supervision / monitoring, render. The case page shows the
case's orders as a panel of the staff case page (`supervision_panel`, registered with `case_panel`).
"""
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.blueprints.cases.case_page import Failed, case_page, case_panel
from portal.domain import deadlines, ledger, lookups, monitoring, scope, supervision, workflow
from portal.extensions import db
from portal.models import Case, MonitorProfile, QualityReview, Role, SupervisionOrder, Unit
from portal.models.base import utcnow
from portal.web import page_arg, redirect_after_post, render_page, roles_required, submit_once
from portal.web.forms import IntegerField, choice_id, strip
from portal.web.guard import arg_int
from portal.web.templating import local_time

bp = Blueprint("supervision", __name__, url_prefix="/staff")

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
ORDER_READERS = (Role.SUPERVISOR, Role.ADMIN, Role.HANDLER, Role.UNIT_LEAD)
POLL_SECONDS = 30


# ---------------------------------------------------------------------------------------------- forms
def _days_field():
    return IntegerField(_l("Time limit (working days)"), default=supervision.DEFAULT_DAYS, validators=[
        InputRequired(_l("Enter the time limit in working days.")),
        NumberRange(min=1, max=supervision.MAX_DAYS, message=_l("Between %(min)d and %(max)d working days."))])


def _requirement_field(label):
    return TextAreaField(label, filters=[strip], validators=[
        DataRequired(_l("Write what the unit must do.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])


class IssueForm(FlaskForm):
    """An order on a case (the case's lead unit answers it)."""

    level = SelectField(_l("Level"), choices=list(supervision.LEVEL_LABELS.items()), default="normal")
    days = _days_field()
    requirement = _requirement_field(_l("Requirement"))


class UnitIssueForm(IssueForm):
    """An order on a unit, not tied to one case."""

    unit_id = SelectField(_l("Unit"), coerce=choice_id, validators=[InputRequired(_l("Choose the unit to supervise."))])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your unit's answer"), filters=[strip], validators=[
        DataRequired(_l("Write the unit's answer.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])


class FlagDecisionForm(FlaskForm):
    note = TextAreaField(_l("Note for the monitor (required to dismiss; the requirement when issuing an order)"),
                         filters=[strip], validators=[Length(max=4000, message=_l("At most %(max)d characters."))])
    issue_order = BooleanField(_l("Also issue a supervision order to the case's lead unit"))
    level = SelectField(_l("Level"), choices=list(supervision.LEVEL_LABELS.items()), default="normal")
    days = IntegerField(_l("Time limit (working days)"), default=supervision.DEFAULT_DAYS, validators=[
        Optional(), NumberRange(min=1, max=supervision.MAX_DAYS,
                                message=_l("Between %(min)d and %(max)d working days."))])


def _unit_issue_form(formdata=None):
    form = UnitIssueForm(formdata=formdata, prefix="order")
    form.unit_id.choices = [(u.id, u.name) for u in lookups.units_for_choice()]
    return form


# ---------------------------------------------------------------------------------------------- case page
@dataclass
class SupervisionPanel:
    orders: list[SupervisionOrder]
    statuses: dict[int, str] = field(default_factory=dict)
    lights: dict[int, str | None] = field(default_factory=dict)
    provisional: dict[int, bool] = field(default_factory=dict)
    issue_form: IssueForm | None = None
    answer_forms: dict[int, AnswerForm] = field(default_factory=dict)
    error: str = ""

    @property
    def offers(self) -> tuple[str, ...]:
        """What this user may do here now, ranked with the case's steps (`portal.domain.step_order`)."""
        return (("answer_supervision",) if self.answer_forms else ()) + (("supervise",) if self.issue_form else ())


@case_panel("supervision", "supervision/_orders_panel.html")
def supervision_panel(case: Case, failed: Failed | None) -> SupervisionPanel:
    """The case's orders for the case page; the issue form for supervisors, answer forms for the unit."""
    user = current_user
    orders = supervision.case_orders(case)
    now = utcnow()
    mine = failed is not None and (failed.key == "supervise" or failed.key.startswith("answer-"))
    panel = SupervisionPanel(orders=orders, error=failed.error if mine else "")
    for order in orders:
        panel.statuses[order.id] = supervision.status(order, now)
        panel.lights[order.id] = supervision.light(order, now)
        panel.provisional[order.id] = supervision.provisional(order)
        if supervision.may_answer(user, order):
            key = f"answer-{order.id}"
            panel.answer_forms[order.id] = (failed and failed.form_for(key)) or AnswerForm(prefix=key)
    if supervision.may_issue(user) and case.lead_unit_id is not None:
        panel.issue_form = (failed and failed.form_for("supervise")) or IssueForm(prefix="supervise")
    return panel


def _issue_once(claim: str, form, done_url: str, **target):
    """Issue the order the form describes to `target` (case= or unit=), once however often the form is posted:
    (the redirect, "") or (None, why it was refused)."""
    once = submit_once.claim(claim)
    if once.repeated:  # the same order posted twice is issued once
        return redirect_after_post(done_url), ""
    try:
        order = supervision.issue(current_user, form.requirement.data, form.days.data, form.level.data, **target)
        db.session.flush()  # ids for the record of what was created
        once.done(order_id=order.id)
        db.session.commit()
    except supervision.SupervisionError as err:
        db.session.rollback()
        return None, str(err)
    flash(_("Supervision order issued to %(unit)s, due %(due)s.", unit=order.unit.name,
            due=local_time(order.due_at)), "success")
    return redirect_after_post(done_url), ""


@bp.post("/cases/<int:case_id>/supervise")
@roles_required(*SUPERVISORS)
def issue_on_case(case_id):
    case = scope.visible_case(current_user, case_id)
    form = IssueForm(prefix="supervise")
    error = ""
    if form.validate():
        done, error = _issue_once(f"supervise-case:{case_id}", form,
                                  url_for("staff.case_detail", case_id=case_id) + "#supervision", case=case)
        if done:
            return done
    return case_page(db.session.get(Case, case_id), Failed("supervise", form, error), status=422)


# ---------------------------------------------------------------------------------------------- orders
def _order_filters():
    status_filter = request.args.get("status") or None
    if status_filter not in supervision.STATUS_FILTERS:
        status_filter = None
    unit_id = arg_int("unit") if current_user.role in SUPERVISORS else None
    return status_filter, unit_id


def _orders_page(status: int = 200, error: str = "", failed_key: str = "", failed_form=None):
    """The orders page; a form that did not go through (`failed_key`, `failed_form`) is shown with its errors."""
    status_filter, unit_id = _order_filters()
    now = utcnow()
    query = supervision.filter_orders(supervision.visible_orders(current_user), status_filter, unit_id, now)
    page = supervision.page_of(query, page_arg())
    answer_forms = {o.id: (failed_form if failed_key == f"answer-{o.id}" else None) or AnswerForm(prefix=f"answer-{o.id}")
                    for o in page.items if supervision.may_answer(current_user, o)}
    issue_form = None
    if supervision.may_issue(current_user):
        issue_form = (failed_form if failed_key == "order" else None) or _unit_issue_form()
    filter_args = {k: v for k, v in (("status", status_filter), ("unit", unit_id)) if v}
    return render_page(
        "supervision/orders.html", "orders", status=status, page=page, now=now, status_filter=status_filter,
        unit_id=unit_id, filter_args=filter_args, answer_forms=answer_forms, issue_form=issue_form, error=error,
        statuses={o.id: supervision.status(o, now) for o in page.items},
        lights={o.id: supervision.light(o, now) for o in page.items},
        provisional={o.id: supervision.provisional(o) for o in page.items},
        units=lookups.units_for_choice() if current_user.role in SUPERVISORS else [],
        unit_name=current_user.unit.name if current_user.unit else "")


@bp.get("/supervision/orders")
@roles_required(*ORDER_READERS)
def orders():
    return _orders_page()


@bp.post("/supervision/orders")
@roles_required(*SUPERVISORS)
def issue_on_unit():
    form = _unit_issue_form(request.form)
    error = ""
    if form.validate():
        done, error = _issue_once("supervise-unit", form, url_for("supervision.orders"),
                                  unit=db.session.get(Unit, form.unit_id.data))
        if done:
            return done
    return _orders_page(status=422, error=error, failed_key="order", failed_form=form)


@bp.post("/supervision/orders/<int:order_id>/answer")
@roles_required(Role.HANDLER, Role.UNIT_LEAD)
def answer(order_id):
    order = db.session.get(SupervisionOrder, order_id)
    if order is None:
        abort(404)
    if order.unit_id != current_user.unit_id:
        abort(403)
    from_case = request.args.get("from") == "case" and order.case_id is not None
    key = f"answer-{order.id}"
    form = AnswerForm(prefix=key)
    error = ""
    if form.validate():
        try:
            supervision.answer(order, current_user, form.answer.data)
            db.session.commit()
        except supervision.SupervisionError as err:
            db.session.rollback()
            error = str(err)
        else:
            flash(_("Your answer to the supervision order was sent."), "success")
            target = (url_for("staff.case_detail", case_id=order.case_id) + "#supervision" if from_case
                      else url_for("supervision.orders"))
            return redirect_after_post(target)
    status = 422 if not error else 409
    if from_case:
        return case_page(scope.visible_case(current_user, order.case_id), Failed(key, form, error), status=status)
    return _orders_page(status=status, error=error, failed_key=key, failed_form=form)


# ---------------------------------------------------------------------------------------------- dashboard
@bp.get("/supervision")
@roles_required(*SUPERVISORS)
def dashboard():
    board = supervision.dashboard(current_user)
    order_lights = {o.id: supervision.light(o, board.now) for o in board.waiting_orders}
    return render_page("supervision/dashboard.html", "board", board=board, order_lights=order_lights,
                       poll_seconds=POLL_SECONDS)


@bp.get("/supervision/cases")
@roles_required(*SUPERVISORS)
def cases():
    """The cases behind a dashboard number: a unit's overdue or yellow cases."""
    unit_id = arg_int("unit")
    light = request.args.get("light") or None
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if (unit_id is not None and unit is None) or (light is not None and light not in deadlines.LIGHTS):
        abort(404)
    bounds = deadlines.LightBounds.at()
    page = ledger.page_of(supervision.cases_of_unit(current_user, unit_id, light, bounds),
                          after=request.args.get("after"), before=request.args.get("before"))
    args = {k: v for k, v in (("unit", unit_id), ("light", light)) if v}
    return render_page("supervision/cases.html", "results", page=page, bounds=bounds, unit=unit, light=light,
                       args=args)


# ---------------------------------------------------------------------------------------------- flags
FLAG_TABS = ("open", "upheld", "dismissed")


def _flags_page(status: int = 200, errors: dict | None = None, failed_key: str = "", failed_form=None):
    state = request.args.get("state") if request.args.get("state") in FLAG_TABS else "open"
    items = monitoring.flags(state)
    forms = {}
    if state == "open":
        forms = {i.id: (failed_form if failed_key == f"flag-{i.id}" else None) or FlagDecisionForm(prefix=f"flag-{i.id}")
                 for i in items}
    return render_page("supervision/flags.html", "flags", status=status, state=state, items=items, forms=forms,
                       counts=monitoring.flag_counts(), tabs=FLAG_TABS, errors=errors or {},
                       kinds=_kinds_of([i.monitor_id for i in items]))


def _kinds_of(user_ids) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(MonitorProfile.user_id, MonitorProfile.kind)
                                   .where(MonitorProfile.user_id.in_(set(user_ids)))).all())


@bp.get("/supervision/flags")
@roles_required(*SUPERVISORS)
def flags():
    return _flags_page()


@bp.post("/supervision/flags/<int:review_id>")
@roles_required(*SUPERVISORS)
def decide_flag(review_id):
    item = db.session.get(QualityReview, review_id)
    if item is None or item.flag_state is None:
        abort(404)
    key = f"flag-{item.id}"
    form = FlagDecisionForm(prefix=key)
    decision = request.form.get("decision")
    valid = form.validate()
    if decision not in ("uphold", "dismiss"):
        form.form_errors.append(_("Choose whether to uphold or dismiss the flag."))
        valid = False
    elif decision == "dismiss" and len(form.note.data or "") < 2:
        form.note.errors.append(_("Say why the flag is dismissed; the monitor will read it."))
        valid = False
    elif decision == "uphold" and form.issue_order.data:
        if len(form.note.data or "") < 5:
            form.note.errors.append(_("Write what the unit must do (at least 5 characters)."))
            valid = False
        if form.days.data is None and not form.days.errors:
            form.days.errors.append(_("Enter the time limit in working days."))
            valid = False
    if valid:
        try:
            if decision == "uphold":
                order = monitoring.uphold(item, current_user, form.note.data,
                                          order_days=form.days.data if form.issue_order.data else None,
                                          order_level=form.level.data)
                message = _("Flag upheld.")
                if order is not None:
                    message += " " + _("Supervision order issued to %(unit)s, due %(due)s.", unit=order.unit.name,
                                       due=local_time(order.due_at))
            else:
                monitoring.dismiss(item, current_user, form.note.data)
                message = _("Flag dismissed.")
            db.session.commit()
        except (monitoring.ReviewError, supervision.SupervisionError, workflow.WorkflowError) as err:
            db.session.rollback()
            return _flags_page(status=409, errors={item.id: str(err)}, failed_key=key, failed_form=form)
        flash(message, "success")
        return redirect_after_post(url_for("supervision.flags"))
    return _flags_page(status=422, failed_key=key, failed_form=form)
