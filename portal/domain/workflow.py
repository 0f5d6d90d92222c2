"""The one place where a case changes state. Every step writes an event to the case's append-only log.

Views never assign `case.state`: they call a function here, which checks who may act (permissions), that the
case's state allows the step and that nobody changed the case meanwhile (version), applies the change, appends
a CaseEvent (who, when, from, to, why, public or internal) and queues the citizen's notification.
"""
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.domain import calendar, notify, permissions

# The read side of the case log, kept beside it (views and other modules call them through workflow).
from portal.domain.case_log import (  # noqa: E402,F401  (re-exported)
    PUBLIC_NOTE_ACTIONS,
    SHARED_NOTE_ACTIONS,
    pending_extension,
    pending_return,
    public_timeline,
    timeline,
)
from portal.domain.labels import ACTION_LABELS, STATE_LABELS  # noqa: F401  (re-exported for views)
from portal.extensions import db
from portal.models import Case, CaseEvent, CaseUnit, ExtensionRequest, ReturnRequest, Unit, User
from portal.models.base import utcnow

OPEN = frozenset(Case.OPEN_STATES)  # the one open set (portal.models.case)
# action -> (states it may start from, state it leads to (None keeps the state), shown to the citizen?)
TRANSITIONS: dict[str, tuple[frozenset, str | None, bool]] = {
    "submit": (frozenset({None}), "submitted", True),
    "accept": (frozenset({"submitted"}), "accepted", True),
    "decline": (frozenset({"submitted"}), "declined", True),
    # answered on the call: the citizen already has the answer, so it waits for their rating at once
    "answer_directly": (frozenset({"submitted"}), "awaiting_evaluation", True),
    "assign": (frozenset({"accepted"}), "assigned", True),
    "consult": (frozenset({"accepted", "handling"}), None, True),
    "sign_for": (frozenset({"assigned"}), "handling", True),
    "return": (frozenset({"assigned"}), "accepted", False),
    "keep": (frozenset({"accepted"}), "assigned", False),
    "request_extension": (frozenset({"handling"}), None, False),
    "approve_extension": (frozenset({"handling"}), None, True),
    "deny_extension": (frozenset({"handling"}), None, False),
    "co_input": (frozenset({"assigned", "handling"}), None, False),
    "draft_reply": (frozenset({"handling"}), None, False),
    "reply": (frozenset({"handling"}), "replied", False),
    "send_back": (frozenset({"replied"}), "handling", False),
    "release": (frozenset({"replied"}), "awaiting_evaluation", True),
    "evaluate": (frozenset({"awaiting_evaluation"}), None, True),
    "close": (frozenset({"awaiting_evaluation"}), "closed", True),
    "rehandle": (frozenset({"dissatisfied"}), "handling", True),
    "merge": (OPEN, "merged", True),
    "escalate": (frozenset({"assigned", "handling"}), None, False),
}


class WorkflowError(Exception):
    """A refused step; str() is a message for the user in their language."""


class IllegalTransition(WorkflowError):
    def __init__(self, case: Case, action: str):
        self.case, self.action = case, action
        super().__init__(str(_l("This step is not possible now: the case is “%(state)s”.",
                                state=STATE_LABELS.get(case.state, case.state))))


class StaleCase(WorkflowError):
    def __init__(self):
        super().__init__(str(_l("Someone else changed this case a moment ago. Reload it and check before "
                                "acting again.")))


class NotAllowed(WorkflowError):
    def __init__(self):
        super().__init__(str(_l("Your role or unit may not take this step on this case.")))


def _move(case: Case, action: str, actor: User | None, *, note: str | None = None, at: datetime | None = None,
          to_state: str | None = None, unit_id: int | None = None, data: dict | None = None,
          public: bool | None = None) -> CaseEvent:
    allowed_from, target, shown = TRANSITIONS[action]
    current = None if action == "submit" else case.state
    if current not in allowed_from:
        raise IllegalTransition(case, action)
    if actor is not None and not permissions.may(actor, action, case):
        raise NotAllowed()
    at = at or utcnow()
    event = CaseEvent(case=case, at=at, actor=actor, action=action, from_state=current,
                      to_state=to_state or target or case.state, public=shown if public is None else public,
                      note=note, unit_id=unit_id, data=data)
    case.state = event.to_state
    case.updated_at = at
    db.session.add(event)
    if event.public and action != "submit":
        notify.citizen_step(case, event)
    return event


def guarded(step):
    """Refuse the step when the case changed since the user loaded it (`expected_version`, from the form).

    Checked before the step touches anything: a query inside the step may autoflush and bump the version.
    Concurrent writers are also stopped in the database by the version column (StaleDataError)."""
    @wraps(step)
    def wrapper(case: Case, *args, expected_version: int | None = None, **kwargs):
        if expected_version is not None and case.version != expected_version:
            raise StaleCase()
        return step(case, *args, **kwargs)
    return wrapper


def may(user: User, action: str, case: Case) -> bool:
    """Whether `user` could take `action` now: role, scope and state (for showing the right buttons)."""
    allowed_from = TRANSITIONS[action][0]
    if case.state not in allowed_from or not permissions.may(user, action, case):
        return False
    extra = {
        "keep": lambda: pending_return(case) is not None,
        "approve_extension": lambda: pending_extension(case) is not None,
        "deny_extension": lambda: pending_extension(case) is not None,
        "request_extension": lambda: pending_extension(case) is None and case.due_at is not None
        and utcnow() <= case.due_at,
        "reply": lambda: case.reply_drafted_at is not None,
    }.get(action)
    return extra() if extra else True


# ---- intake and dispatch ------------------------------------------------------------------------------------

def submit(case: Case, actor: User | None = None, at: datetime | None = None) -> CaseEvent:
    case.received_at = at or case.received_at or utcnow()
    case.received_day = calendar.local_day(case.received_at)
    event = _move(case, "submit", None, at=case.received_at, data={"channel": case.channel})
    event.actor = actor  # the operator who typed it in, or None for the citizen
    return event


@guarded
def accept(case: Case, actor: User, at=None) -> CaseEvent:
    return _move(case, "accept", actor, at=at)


@guarded
def decline(case: Case, actor: User, reason: str, text: str = "", at=None) -> CaseEvent:
    from portal.domain.labels import DECLINE_REASONS

    note = str(DECLINE_REASONS.get(reason, reason)) + (f" — {text}" if text else "")
    event = _move(case, "decline", actor, note=note, at=at, data={"reason": reason})
    case.closed_at = event.at
    return event


def answer_directly(case: Case, actor: User, answer: str, at=None, data: dict | None = None) -> CaseEvent:
    """An operator answers a simple consultation on the spot: the reply is given and waits for the rating.
    `data` says where the answer came from (e.g. the knowledge base article version)."""
    event = _move(case, "answer_directly", actor, note=answer, at=at, data=data)
    case.reply_type, case.reply_text, case.replied_at = "explained", answer, event.at
    case.evaluation_due_at = event.at + timedelta(days=current_app.config.get("EVALUATION_DAYS", 7))
    return event


def _set_units(case: Case, lead: Unit, co_units: list[Unit], at: datetime) -> None:
    for cu in case.units:
        cu.active = False
    case.lead_unit_id = lead.id
    case.units.append(CaseUnit(unit_id=lead.id, role="lead", assigned_at=at))
    for unit in co_units:
        if unit.id != lead.id:
            case.units.append(CaseUnit(unit_id=unit.id, role="co", assigned_at=at))


def _set_deadline(case: Case, start: datetime, priority: str, limit_days: int | None = None) -> None:
    deadline = calendar.handling_deadline(start, priority, limit_days)
    case.priority, case.limit_days = priority, limit_days
    case.due_at, case.due_is_provisional = deadline.due_at, deadline.provisional
    case.escalated_at = None


@guarded
def assign(case: Case, actor: User, unit: Unit, priority: str, co_units: list[Unit] = (), at=None,
           limit_days: int | None = None) -> CaseEvent:
    at = at or utcnow()
    if priority == "complex" and not limit_days:
        limit_days = calendar.LIMITS["complex"]
    _set_units(case, unit, list(co_units), at)
    _set_deadline(case, at, priority, limit_days)
    case.sign_due_at = calendar.sign_for_deadline(at).due_at
    case.signed_at = None
    rr = pending_return(case) if case.id else None
    if rr is not None:
        rr.outcome, rr.decided_by_id, rr.decided_at = "reassigned", actor.id, at
    return _move(case, "assign", actor, at=at, unit_id=unit.id,
                 data={"priority": priority, "due_at": case.due_at.isoformat(),
                       "co_units": [u.id for u in co_units]})


@guarded
def consult(case: Case, actor: User, lead: Unit, co_units: list[Unit], limit_days: int, note: str,
            at=None) -> CaseEvent:
    """会商 for a complex case: names the lead and co-handling units and sets the complex time limit."""
    at = at or utcnow()
    was_accepted = case.state == "accepted"
    _set_units(case, lead, list(co_units), at)
    _set_deadline(case, at, "complex", limit_days)
    if was_accepted:
        case.sign_due_at = calendar.sign_for_deadline(at).due_at
    return _move(case, "consult", actor, at=at, note=note, unit_id=lead.id,
                 to_state="assigned" if was_accepted else "handling",
                 data={"limit_days": limit_days, "co_units": [u.id for u in co_units],
                       "due_at": case.due_at.isoformat()})


# ---- the unit -----------------------------------------------------------------------------------------------

@guarded
def sign_for(case: Case, actor: User, at=None) -> CaseEvent:
    event = _move(case, "sign_for", actor, at=at, unit_id=case.lead_unit_id)
    case.signed_at = event.at
    return event


@guarded
def return_case(case: Case, actor: User, reason: str, text: str, at=None) -> CaseEvent:
    """The unit hands a mis-assigned case back; the dispatcher re-assigns it or rules that the unit keeps it."""
    from portal.domain.labels import RETURN_REASONS

    unit_id = case.lead_unit_id
    co_units = [cu.unit_id for cu in case.units if cu.active and cu.role == "co"]
    event = _move(case, "return", actor, at=at, unit_id=unit_id,
                  note=f"{RETURN_REASONS.get(reason, reason)}: {text}", data={"reason": reason, "co_units": co_units})
    if case.id is None:
        db.session.flush()  # the request row needs the case's id
    db.session.add(ReturnRequest(case_id=case.id, unit_id=unit_id, reason=reason, text=text,
                                 requested_by_id=actor.id, requested_at=event.at))
    for cu in case.units:  # out of the unit's hands until the dispatcher rules
        cu.active = False
    case.lead_unit_id = None
    case.return_count = (case.return_count or 0) + 1  # unflushed cases have no default yet
    return event


@guarded
def keep(case: Case, actor: User, note: str, at=None) -> CaseEvent:
    """The dispatcher rules the returning unit keeps the case (with its co-units); the deadline runs on."""
    rr = pending_return(case)
    if rr is None:
        raise IllegalTransition(case, "keep")
    returned = next(e for e in reversed(case.events) if e.action == "return")
    at = at or utcnow()
    _set_units(case, db.session.get(Unit, rr.unit_id), _units_by_id((returned.data or {}).get("co_units", [])), at)
    event = _move(case, "keep", actor, at=at, note=note, unit_id=rr.unit_id)
    rr.outcome, rr.decided_by_id, rr.decided_at = "kept", actor.id, event.at
    return event


def _units_by_id(ids) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)))) if ids else []


@guarded
def request_extension(case: Case, actor: User, days: int, reason: str, at=None):
    at = at or utcnow()
    if case.due_at is None or at > case.due_at:
        raise WorkflowError(str(_l("An extension must be requested before the deadline.")))
    if pending_extension(case) is not None:
        raise WorkflowError(str(_l("An extension request is already waiting for a decision.")))
    event = _move(case, "request_extension", actor, at=at, note=reason, unit_id=case.lead_unit_id,
                  data={"days": days})
    db.session.add(ExtensionRequest(case_id=case.id, unit_id=case.lead_unit_id, days=days, reason=reason,
                                    requested_by_id=actor.id, requested_at=at))
    return event


@guarded
def decide_extension(case: Case, actor: User, approve: bool, note: str = "", at=None):
    request = pending_extension(case)
    if request is None:
        raise IllegalTransition(case, "approve_extension")
    at = at or utcnow()
    request.outcome, request.decided_by_id, request.decided_at, request.decision_note = (
        "approved" if approve else "denied", actor.id, at, note)
    if approve:
        deadline = calendar.add_working_days(case.due_at, request.days)
        request.new_due_at = deadline.due_at
        case.due_at, case.due_is_provisional, case.escalated_at = deadline.due_at, deadline.provisional, None
        return _move(case, "approve_extension", actor, at=at, unit_id=case.lead_unit_id,
                     note=note or None, data={"due_at": deadline.due_at.isoformat(), "days": request.days})
    return _move(case, "deny_extension", actor, at=at, note=note, unit_id=case.lead_unit_id)


@guarded
def co_input(case: Case, actor: User, text: str, at=None) -> CaseEvent:
    share = permissions.co_unit_of(actor, case)
    if share is None:
        raise NotAllowed()
    event = _move(case, "co_input", actor, at=at, note=text, unit_id=share.unit_id)
    share.input_text, share.input_at = text, event.at
    return event


@guarded
def draft_reply(case: Case, actor: User, reply_type: str, text: str, at=None):
    event = _move(case, "draft_reply", actor, at=at, note=text, unit_id=case.lead_unit_id,
                  data={"reply_type": reply_type})
    case.reply_type, case.reply_text, case.reply_drafted_at = reply_type, text, event.at
    return event


@guarded
def approve_reply(case: Case, actor: User, at=None) -> CaseEvent:
    """The unit lead approves the drafted reply; it goes to the dispatcher for release."""
    if case.reply_drafted_at is None:
        raise WorkflowError(str(_l("There is no drafted reply to approve.")))
    return _move(case, "reply", actor, at=at, unit_id=case.lead_unit_id, data={"due_at": case.due_at.isoformat()})


# ---- back to the citizen -----------------------------------------------------------------------------------

@guarded
def send_back(case: Case, actor: User, note: str, at=None) -> CaseEvent:
    event = _move(case, "send_back", actor, at=at, note=note, unit_id=case.lead_unit_id)
    case.reply_drafted_at = None
    return event


@guarded
def release(case: Case, actor: User, at=None) -> CaseEvent:
    at = at or utcnow()
    case.replied_at = at
    case.evaluation_due_at = at + timedelta(days=current_app.config.get("EVALUATION_DAYS", 7))
    return _move(case, "release", actor, at=at, note=case.reply_text, unit_id=case.lead_unit_id,
                 data={"reply_type": case.reply_type})


def evaluate(case: Case, resolution: str, satisfaction: str, comment: str | None = None, at=None) -> CaseEvent:
    """The citizen's rating. Satisfied or basically satisfied closes the case; dissatisfied re-opens it."""
    target = "dissatisfied" if satisfaction == "dissatisfied" else "closed"
    case.resolution, case.satisfaction, case.evaluation_comment = resolution, satisfaction, comment
    event = _move(case, "evaluate", None, at=at, to_state=target, note=comment,
                  data={"resolution": resolution, "satisfaction": satisfaction, "rated_unit_id": case.lead_unit_id})
    if target == "closed":
        case.closed_at = event.at
    return event


def close_unevaluated(case: Case, at=None) -> CaseEvent:
    event = _move(case, "close", None, at=at, data={"evaluated": False})
    case.closed_at = event.at
    return event


@guarded
def rehandle(case: Case, actor: User, unit: Unit, priority: str, note: str, at=None):
    """From the dissatisfied zone back to handling (same or another unit) with a fresh deadline."""
    at = at or utcnow()
    if unit.id != case.lead_unit_id:
        _set_units(case, unit, [], at)
    _set_deadline(case, at, priority)
    case.rehandle_count = (case.rehandle_count or 0) + 1
    case.reply_drafted_at, case.replied_at, case.signed_at = None, None, at
    case.resolution = case.satisfaction = None
    return _move(case, "rehandle", actor, at=at, note=note, unit_id=unit.id,
                 data={"due_at": case.due_at.isoformat()})


@guarded
def merge(duplicate: Case, into: Case, actor: User, at=None) -> CaseEvent:
    """A duplicate (并单) follows the earlier case; its citizen keeps their own tracking number."""
    if into.id == duplicate.id or into.state == "merged":
        raise WorkflowError(str(_l("Choose another, earlier case to merge into.")))
    duplicate.merged_into_id = into.id
    return _move(duplicate, "merge", actor, at=at, note=into.tracking_no, data={"into": into.id})


def escalate(case: Case, at=None) -> CaseEvent:
    """Overdue: the case goes on the supervisors' list (no change of state)."""
    event = _move(case, "escalate", None, at=at, unit_id=case.lead_unit_id)
    case.escalated_at = event.at
    return event


# Events that record something about a case without changing its state (supervision orders, monitors'
# reviews, salon links…). They are internal unless `public` is given.
NOTE_ACTIONS = {"supervise", "supervision_answer", "quality_review", "flag_upheld", "flag_dismissed",
                "salon_link", "echo_published", "contact_anonymised", "governance_link"}


def record_note(case: Case, action: str, actor: User | None, note: str | None = None, *, public: bool = False,
                unit_id: int | None = None, data: dict | None = None, at=None) -> CaseEvent:
    """Append a non-transition event to the case's log (no state change, no permission check here:
    the caller's domain module checks who may do it)."""
    if action not in NOTE_ACTIONS:
        raise ValueError(f"unknown note action {action}")
    event = CaseEvent(case=case, at=at or utcnow(), actor=actor, action=action, from_state=case.state,
                      to_state=case.state, public=public, note=note, unit_id=unit_id, data=data)
    db.session.add(event)
    return event
