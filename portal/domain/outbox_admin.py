"""The outbox as an administrator sees it: what was sent to whom and when, what failed, and resending."""
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.domain import audit
from portal.domain.outbox import setting
from portal.extensions import db
from portal.models import OutboxMessage, User

PAGE_SIZE = 50
STATES = ("pending", "failing", "given_up", "sent")


class ResendError(Exception):
    pass


def state_of(message: OutboxMessage, max_attempts: int) -> str:
    if message.sent_at is not None:
        return "sent"
    if message.attempts >= max_attempts:
        return "given_up"
    return "failing" if message.attempts else "pending"


def page(state: str | None, number: int = 1) -> tuple[list[OutboxMessage], int, int]:
    max_attempts = int(setting("OUTBOX_MAX_ATTEMPTS"))
    q = select(OutboxMessage)
    if state == "sent":
        q = q.where(OutboxMessage.sent_at.is_not(None))
    elif state == "given_up":
        q = q.where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= max_attempts)
    elif state == "failing":
        q = q.where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0,
                    OutboxMessage.attempts < max_attempts)
    elif state == "pending":
        q = q.where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts == 0)
    total = db.session.scalar(q.with_only_columns(func.count(OutboxMessage.id)).order_by(None)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(max(number, 1), pages)
    rows = db.session.scalars(q.options(selectinload(OutboxMessage.case)).order_by(OutboxMessage.id.desc())
                              .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return list(rows), total, pages


def resend(actor: User, message: OutboxMessage) -> OutboxMessage:
    """A failed (given up or failing) message is tried again from scratch; a sent one is queued once more as a
    copy (the original row keeps its history). Returns the row that will be delivered."""
    if message.sent_at is None and message.attempts == 0:
        raise ResendError(_("This message has not been tried yet: it goes out with the next run."))
    before = audit.snapshot(message, ("sent_at", "attempts", "last_error"))
    if message.sent_at is None:
        message.attempts, message.last_error = 0, None
        audit.record(actor, "resend", message, before, audit.snapshot(message, ("sent_at", "attempts", "last_error")))
        return message
    copy = OutboxMessage(case_id=message.case_id, channel=message.channel, recipient=message.recipient,
                         subject=message.subject, body=message.body)
    db.session.add(copy)
    db.session.flush()
    audit.record(actor, "resend", message, before, {"copy": copy.id})
    return copy
