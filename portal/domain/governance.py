"""Hotspot warnings as work items, and governance tasks that handle a whole cluster of cases (一类事).

A warning (portal.domain.hotspots finds them) goes to the supervisors and to the responsible unit (the routing
table's unit for the category in the town's county). Its life: open → acknowledged → acted (one governance task,
owned by a unit with a working-day deadline, linking the warning's cases) → closed with a note (the task closes
with it). Open warnings age on the supervisor dashboard.

While a task is open, a new case of the same category in the same town received after the task's period started
is linked to it at intake (`link_new_case`, called by intake.receive), and the citizen's timeline says that the
problem is being handled as a whole ("this is one of N reports about …").
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.domain import calendar, workflow
from portal.extensions import db
from portal.models import Case, CaseEvent, GovernanceLink, GovernanceTask, HotspotWarning, Role, Unit, User
from portal.models.base import utcnow

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
UNIT_ROLES = (Role.HANDLER, Role.UNIT_LEAD)
READERS = SUPERVISORS + UNIT_ROLES
MAX_TASK_DAYS = 60
STATUS_LABELS = {"open": _l("New"), "acknowledged": _l("Acknowledged"), "acted": _l("Governance task under way"),
                 "closed": _l("Closed")}


class NotAllowed(Exception):
    """The user may not do this to the warning, or the warning is not in a state that allows it."""


def _is_supervisor(user: User) -> bool:
    return user.role in SUPERVISORS


def visible_warnings(user: User, status: str | None = None) -> list[HotspotWarning]:
    """Supervisors see every warning; a unit's staff see their unit's. Oldest open first."""
    query = select(HotspotWarning).options(
        selectinload(HotspotWarning.category), selectinload(HotspotWarning.town),
        selectinload(HotspotWarning.county), selectinload(HotspotWarning.unit))
    if not _is_supervisor(user):
        if user.role not in UNIT_ROLES or user.unit_id is None:
            return []
        query = query.where(HotspotWarning.unit_id == user.unit_id)
    if status == "closed":
        query = query.where(HotspotWarning.status == "closed").order_by(HotspotWarning.closed_at.desc())
    else:
        query = query.where(HotspotWarning.status != "closed").order_by(HotspotWarning.detected_at)
    return list(db.session.scalars(query.limit(200)))


def warning_for(user: User, warning_id: int) -> HotspotWarning | None:
    warning = db.session.get(HotspotWarning, warning_id)
    if warning is None:
        return None
    if _is_supervisor(user) or (user.role in UNIT_ROLES and user.unit_id and warning.unit_id == user.unit_id):
        return warning
    return None


def age_days(warning: HotspotWarning, now: datetime | None = None) -> int:
    return max(0, ((now or utcnow()) - warning.detected_at).days)


@dataclass
class Aging:
    open: int
    oldest_days: int


def aging() -> Aging:
    """Open warnings (not closed) and the age in days of the oldest: the supervisor dashboard's tile."""
    count, oldest = db.session.execute(select(func.count(), func.min(HotspotWarning.detected_at))
                                       .where(HotspotWarning.status != "closed")).one()
    if not count:
        return Aging(0, 0)
    if oldest.tzinfo is None:
        from datetime import timezone

        oldest = oldest.replace(tzinfo=timezone.utc)
    return Aging(count, max(0, (utcnow() - oldest).days))


def acknowledge(warning: HotspotWarning, actor: User) -> bool:
    """Mark as seen; False when it already was (posting twice changes nothing)."""
    if warning_for(actor, warning.id) is None:
        raise NotAllowed(_("You may not act on this warning."))
    if warning.status != "open":
        return False
    warning.status, warning.acknowledged_at, warning.acknowledged_by_id = "acknowledged", utcnow(), actor.id
    return True


def act(warning: HotspotWarning, actor: User, *, unit: Unit, title: str, plan: str, days: int) -> GovernanceTask:
    """Turn the warning into one governance task owned by `unit`, due in `days` working days; link its cases.
    A second post returns the task already made."""
    if not _is_supervisor(actor):
        raise NotAllowed(_("Only supervisors turn a warning into a governance task."))
    if warning.task is not None:
        return warning.task
    if warning.status == "closed":
        raise NotAllowed(_("This warning is closed."))
    if unit.retired_at is not None:
        raise NotAllowed(_("This unit is retired; choose another."))
    now = utcnow()
    task = GovernanceTask(warning=warning, category_id=warning.category_id, town_id=warning.town_id, unit=unit,
                          title=title, plan=plan, status="open", created_by_id=actor.id, created_at=now,
                          period_start=calendar.end_of(warning.window_start).replace(hour=0, minute=0, second=0),
                          due_at=calendar.add_working_days(now, days).due_at)
    db.session.add(task)
    warning.status = "acted"
    if warning.acknowledged_at is None:
        warning.acknowledged_at, warning.acknowledged_by_id = now, actor.id
    db.session.flush()
    for case in db.session.scalars(select(Case).where(Case.id.in_(warning.case_ids or [])).order_by(Case.id)):
        _link(task, case, actor, automatic=False)
    return task


def close(warning: HotspotWarning, actor: User, note: str) -> bool:
    """Close with a note (the task closes with it); False when already closed."""
    if not _is_supervisor(actor):
        raise NotAllowed(_("Only supervisors close a warning."))
    if warning.status == "closed":
        return False
    now = utcnow()
    warning.status, warning.open_key = "closed", None
    warning.closed_at, warning.closed_by_id, warning.close_note = now, actor.id, note
    if warning.task is not None and warning.task.status == "open":
        warning.task.status, warning.task.closed_at = "closed", now
    return True


# ---------------------------------------------------------------------------------------------- linking
def _linked_count(task: GovernanceTask) -> int:
    return db.session.scalar(select(func.count()).select_from(GovernanceLink).where(
        GovernanceLink.task_id == task.id)) or 0


def _link(task: GovernanceTask, case: Case, actor: User | None, automatic: bool) -> GovernanceLink | None:
    exists = db.session.scalar(select(GovernanceLink.id).where(GovernanceLink.task_id == task.id,
                                                             GovernanceLink.case_id == case.id))
    if exists:
        return None
    link = GovernanceLink(task=task, case=case, automatic=automatic, linked_at=utcnow())
    db.session.add(link)
    db.session.flush()
    workflow.record_note(case, "governance_link", actor, None, public=True, unit_id=task.unit_id,
                         data={"task_id": task.id, "count": _linked_count(task)})
    return link


def open_task_for(case: Case) -> GovernanceTask | None:
    """The open governance task a case belongs to. Does not flush: intake's caller may still complete the new
    case's first event (open311 adds its key), which is append-only once written."""
    if case.town_id is None:
        return None
    with db.session.no_autoflush:
        return db.session.scalar(select(GovernanceTask).where(
            GovernanceTask.category_id == case.category_id, GovernanceTask.town_id == case.town_id,
            GovernanceTask.status == "open", GovernanceTask.period_start <= case.received_at)
            .order_by(GovernanceTask.id).limit(1))


def link_new_case(case: Case) -> GovernanceTask | None:
    """Intake's hook: a new case matching an open governance task joins it (and its citizen is told)."""
    task = open_task_for(case)
    if task is None:
        return None
    db.session.flush()
    _link(task, case, None, automatic=True)
    if task.warning is not None and case.id not in (task.warning.case_ids or []):
        task.warning.case_ids = sorted([*(task.warning.case_ids or []), case.id])
    return task


def link_note(event: CaseEvent) -> str:
    """The citizen's timeline line for a `governance_link` event, in the reader's language."""
    task = db.session.get(GovernanceTask, (event.data or {}).get("task_id") or 0)
    if task is None:
        return ""
    subject = _("%(category)s in %(town)s", category=task.category.name, town=task.town.name)
    return _("This is one of %(n)d reports about %(subject)s; the problem is being handled as a whole by "
             "%(unit)s.", n=_linked_count(task), subject=subject, unit=task.unit.name)
