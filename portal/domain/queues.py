"""Work queues: what each role has to do next. Each queue is one SELECT over the user's scope."""
from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import selectinload

from portal.domain import scope
from portal.domain.deadlines import CLOCK_STATES
from portal.extensions import db
from portal.models import Case, ExtensionRequest, User


def _dispatcher_tabs(user: User) -> dict[str, Select]:
    base = scope.visible_cases(user)
    pending_ext = select(ExtensionRequest.case_id).where(ExtensionRequest.outcome.is_(None))
    return {
        "new": base.where(Case.state == "submitted").order_by(Case.received_at),
        "assign": base.where(Case.state == "accepted").order_by(Case.return_count.desc(), Case.received_at),
        "release": base.where(Case.state.in_(("replied",))).order_by(Case.updated_at),
        "extensions": base.where(Case.id.in_(pending_ext)).order_by(Case.due_at),
        "overdue": base.where(Case.escalated_at.is_not(None), Case.state.in_(CLOCK_STATES))
        .order_by(Case.due_at),
    }


def _unit_tabs(user: User) -> dict[str, Select]:
    led, co = scope.unit_arm(user, "lead"), scope.unit_arm(user, "co")
    tabs = {
        "sign": led.where(Case.state == "assigned").order_by(Case.sign_due_at),
        "handling": led.where(Case.state == "handling").order_by(Case.due_at),
        "approve": led.where(Case.state == "handling", Case.reply_drafted_at.is_not(None)).order_by(Case.due_at),
        "co": co.where(Case.state.in_(CLOCK_STATES)).order_by(Case.due_at),
    }
    if user.role != "unit_lead":
        del tabs["approve"]
    return tabs


def _supervisor_tabs(user: User) -> dict[str, Select]:
    base = scope.visible_cases(user)
    return {
        # the hard ones first: handled again most often, then the oldest
        "dissatisfied": base.where(Case.state == "dissatisfied").order_by(Case.rehandle_count.desc(),
                                                                          Case.received_at),
        "overdue": base.where(Case.escalated_at.is_not(None), Case.state.in_(CLOCK_STATES))
        .order_by(Case.due_at),
    }


class QueueCount(int):
    """A tab's count, counted up to COUNT_CAP rows (an index range scan, however long the backlog); shown as
    "1000+" beyond that. Compares and adds like the int it is."""
    capped = False

    def __str__(self) -> str:
        return f"{int(self)}+" if self.capped else str(int(self))

    @classmethod
    def of(cls, query) -> "QueueCount":
        """`query`: a Select of cases, or a union of them (counted once each)."""
        if isinstance(query, Select):
            query = query.with_only_columns(Case.id).order_by(None)
        limited = query.limit(COUNT_CAP + 1).subquery()
        n = db.session.scalar(select(func.count()).select_from(limited)) or 0
        count = cls(min(n, COUNT_CAP))
        count.capped = n > COUNT_CAP
        return count


COUNT_CAP = 1000
QUEUES = {"dispatcher": _dispatcher_tabs, "unit": _unit_tabs, "supervisor": _supervisor_tabs}


def queue(kind: str, user: User, tab: str | None, limit: int = 100):
    """(tab, {tab: count}, cases) for one queue; counts are one aggregate query per tab.

    Without an explicit tab, the first tab that has work opens (the first tab when all are empty), so a user
    never lands on an empty list while another tab is waiting."""
    tabs = QUEUES[kind](user)
    counts = {name: QueueCount.of(q) for name, q in tabs.items()}
    if tab not in tabs:
        tab = next((name for name, n in counts.items() if n), next(iter(tabs)))
    cases = db.session.scalars(tabs[tab].options(
        selectinload(Case.category), selectinload(Case.county), selectinload(Case.lead_unit)).limit(limit)).all()
    return tab, counts, cases


def waiting(kind: str, user: User) -> QueueCount:
    """How many cases wait in one of the user's queues, whatever the tab: each case once, one capped statement,
    through the user's scope like the queue itself (the staff header shows it beside the queue's link)."""
    # Each tab is cut at the cap before the union: a tab past the cap makes the union pass it too ("1000+"), and
    # when every tab is under the cap each is complete, so the union counts each case once, exactly. Without the
    # cut, the union's de-duplication reads every waiting case of every tab (180 ms for a city's dispatcher at
    # 3 M cases, on every staff page).
    tabs = [q.with_only_columns(Case.id).order_by(None).limit(COUNT_CAP + 1).subquery()
            for q in QUEUES[kind](user).values()]
    return QueueCount.of(union(*(select(tab.c.id) for tab in tabs)))
