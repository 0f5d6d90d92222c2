"""Deadline lights (green / yellow / red), one rule for the queues, the ledger, the case page and supervision.

Which deadline a case's light follows: while the case is assigned and not yet signed for, the sign-for deadline
(`sign_due_at`, 1 working day after assignment: the unit has not taken the case on yet, and that is what is late);
once the unit signs for it (state "handling"), the handling deadline (`due_at`). A case has a light only while the
unit's clock runs (`CLOCK_STATES`); not "dissatisfied": the case waits in the dissatisfied zone until re-handling
sets a fresh deadline and moves it back to "handling".

Thresholds, on the official working-day schedule:
- red: the deadline has passed;
- yellow: ≤ 1 working day left, i.e. the deadline falls before the start of the *second* working day after today;
- green: the rest.
`LightBounds` computes both bounds once per request; `condition(light)` is the same rule in SQL (parameters, no
per-row work) so the ledger can filter by light and the supervisors' dashboard can count.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false
from sqlalchemy import case as sql_case

from portal.domain import calendar
from portal.models import Case
from portal.models.base import utcnow

CLOCK_STATES = ("assigned", "handling")
LIGHTS = ("red", "yellow", "green")


def light_deadline(case: Case) -> datetime | None:
    """The deadline the case's light follows (see the module docstring), None when its clock does not run."""
    if case.state not in CLOCK_STATES:
        return None
    if case.state == "assigned" and case.sign_due_at is not None:
        return case.sign_due_at
    return case.due_at


def _deadline_column():
    return sql_case((and_(Case.state == "assigned", Case.sign_due_at.is_not(None)), Case.sign_due_at),
                    else_=Case.due_at)


@dataclass(frozen=True)
class LightBounds:
    """The instants separating red / yellow / green, computed once per request on the official schedule."""

    now: datetime
    yellow_until: datetime  # start of the second working day after today (exclusive bound)

    @classmethod
    def at(cls, now: datetime | None = None) -> "LightBounds":
        now = now or utcnow()
        second = calendar.local_day(calendar.add_working_days(now, 2).due_at)
        return cls(now, calendar.midnight(second))

    def light_for(self, deadline: datetime | None) -> str | None:
        if deadline is None:
            return None
        if deadline < self.now:
            return "red"
        return "yellow" if deadline < self.yellow_until else "green"

    def light_of(self, case: Case) -> str | None:
        """The light of one loaded case (no query)."""
        return self.light_for(light_deadline(case))

    def condition(self, light: str):
        """The same rule as a SQL condition on cases."""
        deadline = _deadline_column()
        running = and_(Case.state.in_(CLOCK_STATES), deadline.is_not(None))
        if light == "red":
            return and_(running, deadline < self.now)
        if light == "yellow":
            return and_(running, deadline >= self.now, deadline < self.yellow_until)
        if light == "green":
            return and_(running, deadline >= self.yellow_until)
        return false()


def light(deadline: datetime | None, now: datetime | None = None) -> str | None:
    """The light of any deadline (a supervision order's, too)."""
    return LightBounds.at(now).light_for(deadline)


def case_lights(case: Case, bounds: LightBounds | None = None) -> tuple[str | None, str | None]:
    """(sign-for light, handling light) for the case page, which shows both deadlines of an assigned case."""
    bounds = bounds or LightBounds.at()
    sign = bounds.light_for(case.sign_due_at) if case.state == "assigned" else None
    handling = bounds.light_for(case.due_at) if case.state in CLOCK_STATES else None
    return sign, handling
