"""Callers: a caller's earlier cases by phone number (来电历史), and repeat calls (重复件).

Looking a caller up by phone shows their name, phone and every case they raised, so it is limited to the roles
that handle callers and see contact details as part of their work (operator, dispatcher, supervisor; handlers see
one case's contact on that case only, see portal.domain.contacts), it stays inside the user's case scope, and every
look-up is written to the contact-view log (kind "caller_history", the phone looked up, how many cases were shown).

Phones are compared by `phone_key` (digits only, without the +86 / 0086 country code), stored on each case in
`caller_phone_key` and indexed with the time of receipt.

A repeat call is a new case from the same phone about the same thing (same category, or a similar text) within
`REPEAT_CALL_DAYS` (default 7) of an earlier case. intake.receive stores the link to the caller's *first* case of
the chain in `case.repeat_of_id`; dispatchers see it in their queue and on the case page, and the statistics count
repeat calls apart so that they do not inflate the volume.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.domain import duplicates, scope
from portal.domain.privacy import digits_of
from portal.extensions import db
from portal.models import Case, ContactView, Role, User
from portal.models.base import utcnow

LOOKUP_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR)
HISTORY_LIMIT = 50
DEFAULT_REPEAT_CALL_DAYS = 7
REPEAT_SIMILARITY = 0.3
REPEAT_CANDIDATES = 20


class LookupDenied(Exception):
    """The user may not look callers up by phone."""


def phone_key(phone: str | None) -> str | None:
    """The digits of a phone number without the country code; None when there are too few digits to mean one."""
    digits = digits_of(phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits[:20] if len(digits) >= 5 else None


def is_complete_phone(phone: str | None) -> bool:
    """Enough digits to be a whole number (a mobile's 11, a landline with area code, a local landline), so that a
    look-up fired while the operator types does not run on half a number."""
    key = phone_key(phone)
    if key is None:
        return False
    if key.startswith("1"):
        return len(key) == 11
    if key.startswith("0"):
        return len(key) >= 10
    return 7 <= len(key) <= 8


def may_look_up(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.role in LOOKUP_ROLES


@dataclass
class CallerHistory:
    phone: str
    name: str | None  # the name given on the newest case
    cases: list[Case]  # newest first, at most HISTORY_LIMIT
    total: int  # the caller's cases in the user's scope (this one included when looked up from a case)
    same_category: set[int]  # ids of listed cases in the category of the case / intake being handled
    category_id: int | None


def history(user: User, phone: str, *, ip: str | None = None, from_case: Case | None = None,
            category_id: int | None = None) -> CallerHistory:
    """The caller's cases in the user's scope, newest first, after logging the look-up (the caller commits).
    From a case page the case itself is left out of the list but counted in `total`."""
    if not may_look_up(user):
        raise LookupDenied()
    key = phone_key(phone)
    if key is None:
        raise ValueError("not a phone number")
    base = scope.visible_cases(user).where(Case.caller_phone_key == key)
    total = db.session.scalar(base.with_only_columns(func.count(Case.id)).order_by(None)) or 0
    listed = base if from_case is None else base.where(Case.id != from_case.id)
    cases = list(db.session.scalars(
        listed.options(selectinload(Case.category), selectinload(Case.county))
        .order_by(Case.received_at.desc(), Case.id.desc()).limit(HISTORY_LIMIT)))
    if from_case is not None:
        category_id = from_case.category_id
    db.session.add(ContactView(case_id=from_case.id if from_case else None, user_id=user.id, at=utcnow(),
                               ip=(ip or "")[:64] or None, kind="caller_history", phone_key=key,
                               cases_found=len(cases)))
    db.session.flush()
    newest = from_case if from_case is not None else (cases[0] if cases else None)
    return CallerHistory(phone=key, name=newest.citizen_name if newest else None, cases=cases, total=total,
                         same_category={c.id for c in cases if category_id and c.category_id == category_id},
                         category_id=category_id)


# ---------------------------------------------------------------------------------------------- repeat calls
def repeat_call_days() -> int:
    return int(current_app.config.get("REPEAT_CALL_DAYS", DEFAULT_REPEAT_CALL_DAYS))


def repeat_origin(key: str | None, category_id: int, text: str, at: datetime) -> int | None:
    """The id of the caller's first case this new one repeats: an earlier case from the same phone within the window, in
    the same category or with a similar text; when that case is itself a repeat, the case it repeats."""
    if not key:
        return None
    since = at - timedelta(days=repeat_call_days())
    candidates = db.session.scalars(
        select(Case).where(Case.caller_phone_key == key, Case.received_at >= since, Case.received_at <= at)
        .order_by(Case.received_at, Case.id).limit(REPEAT_CANDIDATES))
    for earlier in candidates:
        if earlier.category_id == category_id or \
                duplicates.similarity(text, f"{earlier.title} {earlier.description}") >= REPEAT_SIMILARITY:
            return earlier.repeat_of_id or earlier.id
    return None
