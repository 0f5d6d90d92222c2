"""The audit log of administration: every change on the admin pages, who, when, what before and after.

`record(actor, action, obj, before, after)` is the one way to write it; `snapshot(obj, fields)` gives the
before/after dicts (JSON-safe). Entries are append-only (the model refuses updates and deletes)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.domain import paging
from portal.extensions import db
from portal.models import AuditEntry, User
from portal.models.base import utcnow

PAGE_SIZE = 50
ACTION_LABELS = {
    "create": _l("Created"), "update": _l("Changed"), "deactivate": _l("Deactivated"),
    "reactivate": _l("Reactivated"), "reset_password": _l("Password reset"), "retire": _l("Retired"),
    "restore": _l("Restored"), "resend": _l("Resent"), "approve": _l("Approved"), "reject": _l("Rejected"),
    "change_password": _l("Changed own password"),
}
OBJECT_LABELS = {
    "user": _l("User"), "unit": _l("Unit"), "platform": _l("Platform"), "region": _l("Region"),
    "category": _l("Category"), "outbox_message": _l("Outbox message"), "knowledge_article": _l("Knowledge article"),
    "reply_template": _l("Reply template"),
}


def _json_safe(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(obj, fields) -> dict:
    """{field: value} of `obj`, values made JSON-safe (dates as ISO text)."""
    return {name: _json_safe(getattr(obj, name)) for name in fields}


def label_of(obj) -> str:
    for attribute in ("username", "code", "title", "tracking_no"):
        value = getattr(obj, attribute, None)
        if value:
            name = getattr(obj, "name_zh", None) or getattr(obj, "display_name", None)
            return f"{value} {name}" if name else str(value)
    return str(getattr(obj, "id", ""))


def record(actor: User | None, action: str, obj, before: dict | None, after: dict | None) -> AuditEntry:
    """Append one entry. `obj` is the model changed (flushed here if it has no id yet). Only changed fields are
    kept for an update, so the log reads as a diff."""
    if getattr(obj, "id", None) is None:
        db.session.flush()
    if before and after:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    entry = AuditEntry(at=utcnow(), actor_id=actor.id if actor is not None else None, action=action,
                       object_type=obj.__table__.name, object_id=obj.id, object_label=label_of(obj)[:200],
                       before=before or None, after=after or None)
    db.session.add(entry)
    return entry


@dataclass
class AuditFilters:
    actor_id: int | None = None
    object_type: str | None = None
    action: str | None = None
    object_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None


def query(filters: AuditFilters) -> Select:
    from portal.domain import calendar

    q = select(AuditEntry)
    if filters.actor_id:
        q = q.where(AuditEntry.actor_id == filters.actor_id)
    if filters.object_type:
        q = q.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        q = q.where(AuditEntry.object_id == filters.object_id)
    if filters.action:
        q = q.where(AuditEntry.action == filters.action)
    if filters.day_from:
        q = q.where(AuditEntry.at >= calendar.midnight(filters.day_from))
    if filters.day_to:
        q = q.where(AuditEntry.at < calendar.midnight(filters.day_to + timedelta(days=1)))
    return q


def page(filters: AuditFilters, number: int = 1) -> paging.Page:
    """One page of entries, newest first."""
    return paging.paginate(query(filters).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc()),
                           number, PAGE_SIZE)


def actors() -> list[User]:
    """Everyone who appears in the log (for the filter)."""
    ids = select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))
