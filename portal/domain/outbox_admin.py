"""The outbox as an administrator sees it: what was sent to whom and when, what failed, and resending."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain import audit, paging
from portal.domain.outbox import setting
from portal.extensions import db
from portal.models import OutboxMessage, User

PAGE_SIZE = 50
STATES = ("pending", "failing", "given_up", "sent")
STATE_LABELS = {"pending": _l("Waiting"), "failing": _l("Failed, will retry"), "given_up": _l("Failed, given up"),
                "sent": _l("Sent")}


class ResendError(Exception):
    pass


def state_of(message: OutboxMessage, max_attempts: int) -> str:
    if message.sent_at is not None:
        return "sent"
    if message.attempts >= max_attempts:
        return "given_up"
    return "failing" if message.attempts else "pending"


def page(state: str | None, number: int = 1) -> paging.Page:
    """One page of messages, newest first, in one state (None: all)."""
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
    return paging.paginate(q.options(selectinload(OutboxMessage.case)).order_by(OutboxMessage.id.desc()),
                           number, PAGE_SIZE)


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
