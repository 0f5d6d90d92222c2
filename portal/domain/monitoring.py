"""Appointed monitors (监督员) and their reviews of handling quality.

- A monitor is a `monitor` account with a MonitorProfile: kind (deputy, CPPCC member, media, citizen
  representative), organisation and term. Outside the term the account is refused everywhere (the monitors
  blueprint signs it out at its next request: `may_sign_in`) and the domain refuses its reviews. A monitor account
  without a profile (not appointed) can read cases but cannot review.
- Monitors read every case (scope.visible_cases) but never change one: no casework step is offered to them, the
  monitors blueprint refuses their POSTs to staff pages other than their own review, and no page shows them a
  citizen's unmasked name or phone.
- A review is of a replied, awaiting-evaluation or closed case, once per monitor and case: four scores 1–5
  (timeliness, attitude, solution, reply quality), a comment, and an optional "perfunctory handling" (敷衍应付)
  flag, which needs a comment and puts the case in the supervisors' flag queue (flag_state "open"). A supervisor
  upholds the flag — optionally issuing a supervision order to the case's lead unit — or dismisses it with a
  note; both are logged on the case, and the monitor's page shows what became of the flag.
- The monitor's page offers a fresh random sample (each visit) of cases closed in the last 30 days that this
  monitor has not reviewed yet.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal.domain import calendar, scope, supervision, workflow
from portal.extensions import db
from portal.models import Case, CaseEvent, MonitorProfile, QualityReview, Role, SupervisionOrder, User
from portal.models.base import utcnow

KIND_LABELS = {
    "deputy": _l("People's Congress deputy"),
    "cppcc": _l("CPPCC member"),
    "media": _l("Media"),
    "citizen_rep": _l("Citizen representative"),
}
SCORE_LABELS = {
    "timeliness": _l("Timeliness"),
    "attitude": _l("Attitude"),
    "solution": _l("Solution"),
    "reply_quality": _l("Reply quality"),
}
SCORES = tuple(SCORE_LABELS)
FLAG_LABELS = {
    "open": _l("Waiting for a supervisor's decision"),
    "upheld": _l("Upheld by a supervisor"),
    "dismissed": _l("Dismissed by a supervisor"),
}
REVIEWABLE_STATES = ("replied", "awaiting_evaluation", "closed")
SAMPLE_DAYS = 30
SAMPLE_SIZE = 5
DECIDERS = (Role.SUPERVISOR, Role.ADMIN)


class ReviewError(Exception):
    """A refused review or flag decision; str() is a message for the user in their language."""


# ---------------------------------------------------------------------------------------------- monitors
def profile_of(user: User) -> MonitorProfile | None:
    if user.role != Role.MONITOR:
        return None
    return db.session.get(MonitorProfile, user.id)


def today() -> date:
    return calendar.local_day(utcnow())


def in_term(profile: MonitorProfile, on: date | None = None) -> bool:
    on = on or today()
    return profile.term_start <= on <= profile.term_end


def may_sign_in(user: User, on: date | None = None) -> bool:
    """False for a monitor whose appointment has ended (or not begun); True for everyone else."""
    profile = profile_of(user)
    return profile is None or in_term(profile, on)


def appoint(user: User, kind: str, term_start: date, term_end: date, organisation: str = "") -> MonitorProfile:
    """Make `user` an appointed monitor (their role becomes monitor) with a kind and a term."""
    if kind not in MonitorProfile.KINDS:
        raise ReviewError(_("Choose the kind of monitor."))
    if term_end < term_start:
        raise ReviewError(_("The term ends before it starts."))
    user.role = Role.MONITOR
    profile = db.session.get(MonitorProfile, user.id) if user.id else None
    if profile is None:
        profile = MonitorProfile(user=user, kind=kind)
        db.session.add(profile)
    profile.kind, profile.term_start, profile.term_end, profile.organisation = kind, term_start, term_end, organisation
    return profile


# ---------------------------------------------------------------------------------------------- reviews
def review_refusal(user: User, case: Case) -> str | None:
    """Why `user` may not review `case` now (a message), or None when they may."""
    profile = profile_of(user)
    if profile is None:
        return _("Only appointed monitors review handling quality.")
    if not in_term(profile):
        return _("Your term as a monitor (%(start)s to %(end)s) is not current, so you cannot review cases.",
                 start=profile.term_start.isoformat(), end=profile.term_end.isoformat())
    if case.state not in REVIEWABLE_STATES:
        return _("A case can be reviewed once it has been replied to; this one is “%(state)s”.",
                 state=workflow.STATE_LABELS.get(case.state, case.state))
    if review_by(user, case) is not None:
        return _("You have already reviewed this case.")
    return None


def review_by(monitor: User, case: Case) -> QualityReview | None:
    return db.session.scalar(select(QualityReview).where(QualityReview.case_id == case.id,
                                                         QualityReview.monitor_id == monitor.id))


def review(case: Case, monitor: User, scores: dict[str, int], comment: str = "", perfunctory: bool = False,
           at: datetime | None = None) -> QualityReview:
    """Record a monitor's review; a perfunctory flag opens an item in the supervisors' flag queue."""
    refusal = review_refusal(monitor, case)
    if refusal:
        raise ReviewError(refusal)
    values = {}
    for name in SCORES:
        value = scores.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ReviewError(_("Give each score from 1 to 5."))
        values[name] = value
    comment = (comment or "").strip()
    if perfunctory and len(comment) < 5:
        raise ReviewError(_("Say what was perfunctory about the handling (at least 5 characters)."))
    at = at or utcnow()
    item = QualityReview(case_id=case.id, monitor_id=monitor.id, comment=comment, perfunctory=bool(perfunctory),
                         flag_state="open" if perfunctory else None, created_at=at, **values)
    db.session.add(item)
    db.session.flush()  # the unique constraint stops a second review sent at the same moment (IntegrityError)
    workflow.record_note(case, "quality_review", monitor, comment or None, at=at,
                         data={"review_id": item.id, "perfunctory": bool(perfunctory), **values})
    return item


def average(item: QualityReview) -> float:
    return sum(getattr(item, name) for name in SCORES) / len(SCORES)


def case_reviews(case: Case) -> list[QualityReview]:
    return list(db.session.scalars(select(QualityReview).where(QualityReview.case_id == case.id)
                                   .options(joinedload(QualityReview.monitor))
                                   .order_by(QualityReview.created_at, QualityReview.id)))


# ---------------------------------------------------------------------------------------------- flags
def flag_query(state: str = "open") -> Select:
    """Perfunctory flags in `state`, oldest open first (handled ones: latest decision first)."""
    query = (select(QualityReview).where(QualityReview.flag_state == state)
             .options(joinedload(QualityReview.case).joinedload(Case.lead_unit), joinedload(QualityReview.monitor)))
    if state == "open":
        return query.order_by(QualityReview.created_at, QualityReview.id)
    return query.order_by(QualityReview.flag_handled_at.desc(), QualityReview.id.desc())


def flags(state: str = "open", limit: int = 100) -> list[QualityReview]:
    return list(db.session.scalars(flag_query(state).limit(limit)))


def flag_counts() -> dict[str, int]:
    rows = db.session.execute(select(QualityReview.flag_state, func.count()).where(
        QualityReview.flag_state.is_not(None)).group_by(QualityReview.flag_state))
    counts = {state: 0 for state in QualityReview.FLAG_STATES}
    counts.update({state: n for state, n in rows})
    return counts


def _check_open(item: QualityReview, actor: User) -> None:
    if actor.role not in DECIDERS:
        raise workflow.NotAllowed()
    if item.flag_state != "open":
        raise ReviewError(_("This flag has already been decided."))


def _decide(item: QualityReview, actor: User, outcome: str, note: str, at: datetime | None) -> datetime:
    _check_open(item, actor)
    at = at or utcnow()
    item.flag_state, item.flag_note, item.flag_handled_by_id, item.flag_handled_at = outcome, note or None, actor.id, at
    return at


def uphold(item: QualityReview, actor: User, note: str = "", order_days: int | None = None,
           order_level: str = "normal", at: datetime | None = None) -> SupervisionOrder | None:
    """Uphold a perfunctory flag; with `order_days`, also issue a supervision order (requirement: the note) to
    the case's lead unit. Returns the order, if any."""
    note = (note or "").strip()
    _check_open(item, actor)
    order = None
    if order_days is not None:
        # validated first, so a refused order leaves the flag open
        order = supervision.issue(actor, note, order_days, order_level, case=item.case, at=at)
    at = _decide(item, actor, "upheld", note, at)
    workflow.record_note(item.case, "flag_upheld", actor, note or None, at=at,
                         data={"review_id": item.id, "order_id": order.id if order else None})
    return order


def dismiss(item: QualityReview, actor: User, note: str, at: datetime | None = None) -> None:
    note = (note or "").strip()
    if len(note) < 2:
        raise ReviewError(_("Say why the flag is dismissed; the monitor will read it."))
    at = _decide(item, actor, "dismissed", note, at)
    workflow.record_note(item.case, "flag_dismissed", actor, note, at=at, data={"review_id": item.id})


# ---------------------------------------------------------------------------------------------- the monitor's page
def sample(monitor: User, size: int = SAMPLE_SIZE, now: datetime | None = None) -> list[Case]:
    """A fresh random sample of cases closed in the last 30 days that `monitor` has not reviewed.

    `random()` is a function both SQLite and PostgreSQL have (a new ordering on every call)."""
    now = now or utcnow()
    reviewed = select(QualityReview.case_id).where(QualityReview.monitor_id == monitor.id)
    return list(db.session.scalars(
        scope.visible_cases(monitor).where(Case.state == "closed", Case.closed_at >= now - timedelta(days=SAMPLE_DAYS),
                                           Case.id.not_in(reviewed))
        .options(joinedload(Case.lead_unit)).order_by(func.random()).limit(size)))


@dataclass
class FlagOutcome:
    """What became of a monitor's flag: the decision, and the supervision order it led to (if any)."""

    order: SupervisionOrder | None


def own_reviews(monitor: User, limit: int = 100) -> tuple[list[QualityReview], dict[int, FlagOutcome]]:
    """The monitor's reviews, newest first, and for each upheld flag the order it led to (three queries)."""
    items = list(db.session.scalars(
        select(QualityReview).where(QualityReview.monitor_id == monitor.id)
        .options(joinedload(QualityReview.case).joinedload(Case.lead_unit))
        .order_by(QualityReview.created_at.desc(), QualityReview.id.desc()).limit(limit)))
    upheld = {item.id: item for item in items if item.flag_state == "upheld"}
    outcomes: dict[int, FlagOutcome] = {}
    if upheld:
        events = db.session.scalars(select(CaseEvent).where(
            CaseEvent.action == "flag_upheld", CaseEvent.case_id.in_({i.case_id for i in upheld.values()})))
        order_of = {}
        for event in events:
            data = event.data or {}
            if data.get("review_id") in upheld and data.get("order_id"):
                order_of[data["review_id"]] = data["order_id"]
        orders = {o.id: o for o in db.session.scalars(select(SupervisionOrder).where(
            SupervisionOrder.id.in_(set(order_of.values()))).options(joinedload(SupervisionOrder.unit)))
        } if order_of else {}
        outcomes = {rid: FlagOutcome(orders.get(order_of.get(rid))) for rid in upheld}
    return items, outcomes
