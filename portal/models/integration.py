"""Exchange with other systems: Open311 API keys per channel."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class ApiKey(db.Model):
    """A key a channel system (12345 hotline, leader message board, mayor's mailbox…) files requests with."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(24))
    prefix: Mapped[str] = mapped_column(String(12), unique=True)  # shown to admins to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")


class FormSubmission(db.Model):
    """A form submission that created something, so that the same submission posted again (double click,
    retry, two app instances) answers with what the first one created instead of creating it twice.

    `key` is a hash of the form kind, who posted it and the form's one-time token (or, without a token, the
    body): the token itself is not stored. `result` says what was created (ids, never secrets in clear)."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
