"""The one place where a case changes state. Every transition writes an event to the case's log.

Views never assign `case.state`; they call a function here, which checks the move is legal,
applies it, and appends a CaseEvent (who, when, from, to, why, public or internal).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.domain import calendar
from portal.extensions import db
from portal.models import Case, CaseEvent, User
from portal.models.base import utcnow

# action -> (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "submit": (frozenset({None}), "submitted"),
    "accept": (frozenset({"submitted"}), "accepted"),
    "decline": (frozenset({"submitted"}), "declined"),
    "answer_directly": (frozenset({"submitted"}), "replied"),
    "assign": (frozenset({"accepted"}), "assigned"),
    "sign_for": (frozenset({"assigned"}), "handling"),
    "reply": (frozenset({"handling"}), "replied"),
    "release": (frozenset({"replied"}), "awaiting_evaluation"),
    "evaluate": (frozenset({"awaiting_evaluation"}), None),  # target depends on the rating
    "close": (frozenset({"awaiting_evaluation"}), "closed"),
    "merge": (frozenset({"submitted", "accepted", "assigned", "handling"}), "merged"),
}

ACTION_LABELS = {
    "submit": _l("Request received"),
    "accept": _l("Accepted by the platform"),
    "decline": _l("Declined"),
    "answer_directly": _l("Answered on the spot"),
    "assign": _l("Assigned to a handling unit"),
    "sign_for": _l("Signed for by the unit"),
    "reply": _l("Reply drafted"),
    "release": _l("Reply sent to the citizen"),
    "evaluate": _l("Citizen rated the handling"),
    "close": _l("Case closed"),
    "merge": _l("Merged into an earlier case about the same matter"),
}

STATE_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "assigned": _l("Assigned"),
    "handling": _l("Being handled"),
    "replied": _l("Replied"),
    "awaiting_evaluation": _l("Awaiting your rating"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
    "declined": _l("Declined"),
    "dissatisfied": _l("Being re-handled"),
    "merged": _l("Merged into an earlier case"),
}


class IllegalTransition(Exception):
    """A move the case's current state does not allow; the message is for the user."""

    def __init__(self, case: Case, action: str):
        self.case, self.action = case, action
        super().__init__(str(_l("This step is not possible now: the case is “%(state)s”.",
                                state=STATE_LABELS.get(case.state, case.state))))


def _move(case: Case, action: str, actor: User | None, *, note: str | None = None, public: bool = True,
          at: datetime | None = None, to_state: str | None = None, unit_id: int | None = None,
          data: dict | None = None) -> CaseEvent:
    allowed_from, target = TRANSITIONS[action]
    current = case.state if action != "submit" else None
    if current not in allowed_from:
        raise IllegalTransition(case, action)
    target = to_state or target or case.state
    at = at or utcnow()
    event = CaseEvent(case=case, at=at, actor=actor, action=action, from_state=current, to_state=target,
                      public=public, note=note, unit_id=unit_id, data=data)
    case.state = target
    case.updated_at = at
    db.session.add(event)
    return event


def submit(case: Case, actor: User | None = None, at: datetime | None = None) -> CaseEvent:
    case.received_at = at or case.received_at or utcnow()
    case.received_day = calendar.local_day(case.received_at)
    return _move(case, "submit", actor, at=case.received_at, data={"channel": case.channel})


def accept(case: Case, actor: User, at: datetime | None = None) -> CaseEvent:
    return _move(case, "accept", actor, at=at)


def decline(case: Case, actor: User, reason: str, at: datetime | None = None) -> CaseEvent:
    event = _move(case, "decline", actor, note=reason, at=at)
    case.closed_at = event.at
    return event


def answer_directly(case: Case, actor: User, answer: str, at: datetime | None = None) -> CaseEvent:
    """An operator answers a simple consultation on the spot: the case is replied at once."""
    event = _move(case, "answer_directly", actor, note=answer, at=at)
    case.reply_type = "explained"
    case.reply_text = answer
    case.replied_at = event.at
    return event


def assign(case: Case, actor: User, unit, priority: str, at: datetime | None = None) -> CaseEvent:
    at = at or utcnow()
    deadline = calendar.handling_deadline(at, priority)
    case.lead_unit_id = unit.id
    case.priority = priority
    case.due_at = deadline.due_at
    case.due_is_provisional = deadline.provisional
    case.sign_due_at = calendar.sign_for_deadline(at).due_at
    return _move(case, "assign", actor, at=at, unit_id=unit.id,
                 data={"priority": priority, "due_at": deadline.due_at.isoformat()})


def sign_for(case: Case, actor: User, at: datetime | None = None) -> CaseEvent:
    event = _move(case, "sign_for", actor, at=at, unit_id=case.lead_unit_id)
    case.signed_at = event.at
    return event


def reply(case: Case, actor: User, reply_type: str, text: str, at: datetime | None = None) -> CaseEvent:
    case.reply_type = reply_type
    case.reply_text = text
    return _move(case, "reply", actor, at=at, public=False, note=text, unit_id=case.lead_unit_id,
                 data={"reply_type": reply_type})


def release(case: Case, actor: User, at: datetime | None = None) -> CaseEvent:
    event = _move(case, "release", actor, at=at, note=case.reply_text)
    case.replied_at = event.at
    return event


def evaluate(case: Case, resolution: str, satisfaction: str, comment: str | None = None,
             at: datetime | None = None) -> CaseEvent:
    """The citizen's rating. Satisfied or basically satisfied closes the case; dissatisfied re-opens it."""
    target = "dissatisfied" if satisfaction == "dissatisfied" else "closed"
    case.resolution, case.satisfaction, case.evaluation_comment = resolution, satisfaction, comment
    event = _move(case, "evaluate", None, at=at, to_state=target, note=comment,
                  data={"resolution": resolution, "satisfaction": satisfaction})
    if target == "closed":
        case.closed_at = event.at
    return event


def close_unevaluated(case: Case, at: datetime | None = None) -> CaseEvent:
    event = _move(case, "close", None, at=at, data={"evaluated": False})
    case.closed_at = event.at
    return event


def merge(duplicate: Case, into: Case, actor: User, at: datetime | None = None) -> CaseEvent:
    """A duplicate (并单) follows the earlier case; its citizen keeps their own tracking number."""
    if into.id == duplicate.id or into.state == "merged":
        raise IllegalTransition(duplicate, "merge")
    duplicate.merged_into_id = into.id
    return _move(duplicate, "merge", actor, at=at, note=into.tracking_no, data={"into": into.id})


def public_timeline(case: Case) -> list[CaseEvent]:
    return [e for e in case.events if e.public]
