"""Supervision orders (督办单) and the supervisors' dashboard.

A supervisor (or an administrator) issues an order on a case — it goes to the case's lead unit — or on a unit
directly: a requirement, a level (normal, or listed 挂牌督办) and a due date N working days ahead on the official
schedule (`calendar.add_working_days`). A handler or the unit lead of that unit answers it once. Whether an order
is overdue is computed when it is read (never stored): unanswered and past its due date. An order and its answer
on a case are written to the case's internal event log (`workflow.record_note`).

The dashboard reads everything in a fixed number of aggregate queries whatever the number of cases: totals
(one SELECT of scalar subqueries), red/yellow counts per lead unit (one GROUP BY), the oldest open cases and the
orders waiting for an answer. Deadline lights use the ledger's exact SQL bounds (`deadlines.LightBounds`), so a
count on the dashboard and the ledger list it links to always agree.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from portal.domain import calendar, deadlines, scope, workflow
from portal.domain.deadlines import LightBounds
from portal.domain.paging import Page, paginate
from portal.extensions import db
from portal.models import Case, QualityReview, Role, SupervisionOrder, Unit, User
from portal.models.base import utcnow

LEVEL_LABELS = {
    "normal": _l("Normal supervision"),
    "listed": _l("Listed supervision (挂牌督办)"),
}
STATUS_LABELS = {
    "awaiting": _l("Awaiting the unit's answer"),
    "overdue": _l("Overdue: no answer by the due date"),
    "answered": _l("Answered"),
    "answered_late": _l("Answered after the due date"),
}
STATUS_FILTERS = ("awaiting", "overdue", "answered")  # list filters ("awaiting" includes the overdue ones)
DEFAULT_DAYS = 3
MAX_DAYS = 30
OLDEST_OPEN = 10
AWAITING_SHOWN = 10
PAGE_SIZE = 50
ISSUERS = (Role.SUPERVISOR, Role.ADMIN)


class SupervisionError(Exception):
    """A refused action; str() is a message for the user in their language."""


# ---------------------------------------------------------------------------------------------- rules
def may_issue(user: User) -> bool:
    return user.role in ISSUERS


def may_answer(user: User, order: SupervisionOrder) -> bool:
    """A handler or the unit lead of the unit the order went to, while it is unanswered."""
    return (user.role in Role.UNIT_ROLES and user.unit_id is not None and user.unit_id == order.unit_id
            and order.answered_at is None)


def status(order: SupervisionOrder, now: datetime | None = None) -> str:
    """awaiting / overdue / answered / answered_late — computed on read."""
    now = now or utcnow()
    if order.answered_at is not None:
        return "answered_late" if order.answered_at > order.due_at else "answered"
    return "overdue" if now > order.due_at else "awaiting"


def light(order: SupervisionOrder, now: datetime | None = None) -> str | None:
    """The deadline light of an unanswered order (green / yellow / red), None once answered."""
    return None if order.answered_at is not None else deadlines.light(order.due_at, now)


def provisional(order: SupervisionOrder) -> bool:
    """The due date was counted over a year whose official schedule is not loaded (so it may move)."""
    days = {calendar.local_day(order.issued_at), calendar.local_day(order.due_at)}
    return any(not calendar.is_working_day(day)[1] for day in days)


def _clean(text: str | None, minimum: int, message) -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise SupervisionError(str(message))
    return text


def issue(actor: User, requirement: str, days: int, level: str = "normal", *, case: Case | None = None,
          unit: Unit | None = None, at: datetime | None = None) -> SupervisionOrder:
    """Issue an order on `case` (to its lead unit) or on `unit`; due `days` working days after `at`."""
    if not may_issue(actor):
        raise workflow.NotAllowed()
    if level not in SupervisionOrder.LEVELS:
        raise SupervisionError(_("Choose the level of supervision."))
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise SupervisionError(_("The time limit is between %(min)d and %(max)d working days.", min=1, max=MAX_DAYS))
    requirement = _clean(requirement, 5, _l("Write what the unit must do (at least 5 characters)."))
    if case is not None:
        if case.lead_unit_id is None:
            raise SupervisionError(_("This case has no handling unit at the moment, so there is no one to "
                                     "supervise. Issue the order on a unit instead."))
        unit_id = case.lead_unit_id
    elif unit is not None:
        unit_id = unit.id
    else:
        raise SupervisionError(_("Choose the unit to supervise."))
    at = at or utcnow()
    deadline = calendar.add_working_days(at, days)
    order = SupervisionOrder(case_id=case.id if case is not None else None, unit_id=unit_id, level=level,
                             requirement=requirement, issued_by_id=actor.id, issued_at=at, due_at=deadline.due_at)
    db.session.add(order)
    db.session.flush()
    if case is not None:
        workflow.record_note(case, "supervise", actor, requirement, unit_id=unit_id, at=at,
                             data={"order_id": order.id, "level": level, "days": days,
                                   "due_at": deadline.due_at.isoformat(), "provisional": deadline.provisional})
    return order


def answer(order: SupervisionOrder, actor: User, text: str, at: datetime | None = None) -> SupervisionOrder:
    """The unit's answer (once). Logged on the case when the order concerns one."""
    if order.answered_at is not None:
        raise SupervisionError(_("This order has already been answered."))
    if not may_answer(actor, order):
        raise workflow.NotAllowed()
    text = _clean(text, 5, _l("Write the unit's answer (at least 5 characters)."))
    at = at or utcnow()
    order.answer, order.answered_by_id, order.answered_at = text, actor.id, at
    if order.case is not None:
        workflow.record_note(order.case, "supervision_answer", actor, text, unit_id=order.unit_id, at=at,
                             data={"order_id": order.id, "late": at > order.due_at})
    return order


# ---------------------------------------------------------------------------------------------- reading
def visible_orders(user: User) -> Select:
    """Orders `user` may read: supervisors and administrators all, a unit's staff their unit's."""
    query = select(SupervisionOrder)
    if user.role in ISSUERS:
        return query
    if user.role in Role.UNIT_ROLES and user.unit_id:
        return query.where(SupervisionOrder.unit_id == user.unit_id)
    return query.where(false())


def filter_orders(query: Select, status_filter: str | None = None, unit_id: int | None = None,
                  now: datetime | None = None) -> Select:
    now = now or utcnow()
    if status_filter == "awaiting":
        query = query.where(SupervisionOrder.answered_at.is_(None))
    elif status_filter == "overdue":
        query = query.where(SupervisionOrder.answered_at.is_(None), SupervisionOrder.due_at < now)
    elif status_filter == "answered":
        query = query.where(SupervisionOrder.answered_at.is_not(None))
    if unit_id is not None:
        query = query.where(SupervisionOrder.unit_id == unit_id)
    return query


def _with_people(query: Select) -> Select:
    return query.options(joinedload(SupervisionOrder.unit), joinedload(SupervisionOrder.case),
                         joinedload(SupervisionOrder.issued_by), joinedload(SupervisionOrder.answered_by))


def page_of(query: Select, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """One COUNT and one page with unit, case and people joined: two queries whatever the page holds.
    Unanswered orders first, the most urgent on top; then the answered ones, latest answer first."""
    unanswered_first = sql_case((SupervisionOrder.answered_at.is_(None), 0), else_=1)
    return paginate(_with_people(query).order_by(
        unanswered_first, SupervisionOrder.due_at, SupervisionOrder.answered_at.desc(), SupervisionOrder.id),
        page, size)


def case_orders(case: Case) -> list[SupervisionOrder]:
    """The orders on one case, oldest first (one query)."""
    return list(db.session.scalars(_with_people(select(SupervisionOrder).where(SupervisionOrder.case_id == case.id))
                                   .order_by(SupervisionOrder.issued_at, SupervisionOrder.id)))


# ---------------------------------------------------------------------------------------------- dashboard
@dataclass
class UnitLoad:
    unit: Unit
    red: int
    yellow: int


@dataclass
class Dashboard:
    now: datetime
    red: int = 0
    yellow: int = 0
    dissatisfied: int = 0
    awaiting_orders: int = 0
    overdue_orders: int = 0
    open_flags: int = 0
    by_unit: list[UnitLoad] = field(default_factory=list)
    oldest_open: list[Case] = field(default_factory=list)
    waiting_orders: list[SupervisionOrder] = field(default_factory=list)


def _count(query: Select):
    return query.with_only_columns(func.count()).order_by(None).scalar_subquery()


def dashboard(user: User, now: datetime | None = None) -> Dashboard:
    """Everything the supervisors' dashboard shows, in four queries whatever the number of cases."""
    bounds = LightBounds.at(now)
    now = bounds.now
    cases = scope.visible_cases(user)
    orders = visible_orders(user)
    unanswered = orders.where(SupervisionOrder.answered_at.is_(None))
    totals = db.session.execute(select(
        _count(cases.where(bounds.condition("red"))),
        _count(cases.where(bounds.condition("yellow"))),
        _count(cases.where(Case.state == "dissatisfied")),
        _count(unanswered),
        _count(unanswered.where(SupervisionOrder.due_at < now)),
        _count(select(QualityReview).where(QualityReview.flag_state == "open")),
    )).one()
    red = func.sum(sql_case((bounds.condition("red"), 1), else_=0))
    yellow = func.sum(sql_case((bounds.condition("yellow"), 1), else_=0))
    by_unit = db.session.execute(
        cases.where(or_(bounds.condition("red"), bounds.condition("yellow")))
        .join(Unit, Case.lead_unit_id == Unit.id)
        .with_only_columns(Unit, red.label("red"), yellow.label("yellow"))
        .group_by(Unit.id).order_by(red.desc(), yellow.desc(), Unit.code)).all()
    oldest = list(db.session.scalars(
        cases.where(Case.state.in_(Case.OPEN_STATES)).options(joinedload(Case.lead_unit))
        .order_by(Case.received_at, Case.id).limit(OLDEST_OPEN)))
    waiting = list(db.session.scalars(
        unanswered.options(joinedload(SupervisionOrder.unit), joinedload(SupervisionOrder.case))
        .order_by(SupervisionOrder.due_at, SupervisionOrder.id).limit(AWAITING_SHOWN)))
    return Dashboard(now=now, red=totals[0], yellow=totals[1], dissatisfied=totals[2], awaiting_orders=totals[3],
                     overdue_orders=totals[4], open_flags=totals[5],
                     by_unit=[UnitLoad(unit, int(r or 0), int(y or 0)) for unit, r, y in by_unit],
                     oldest_open=oldest, waiting_orders=waiting)


def cases_of_unit(user: User, unit_id: int | None, light_name: str | None, bounds: LightBounds) -> Select:
    """The cases behind a dashboard number: in scope, led by `unit_id`, with the deadline light `light_name`."""
    query = scope.visible_cases(user)
    if unit_id is not None:
        query = query.where(Case.lead_unit_id == unit_id)
    if light_name is not None:
        query = query.where(bounds.condition(light_name))
    return query
