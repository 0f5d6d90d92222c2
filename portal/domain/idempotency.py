"""A form that creates something creates it once, however often the same submission is posted.

A submission is known by a key: a hash of the form kind, who posted it and either the form's one-time token
(generated when the form was rendered) or, without a token, the posted body. The first post claims the key in the
database (so that two app instances agree) before creating anything; a second post with the same key finds the
claim and answers with what the first one created. Claims by token last `TOKEN_WINDOW`; claims by body only
`BODY_WINDOW` (the same words posted again later may be a new matter)."""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import FormSubmission
from portal.models.base import utcnow

TOKEN_WINDOW = timedelta(days=2)
BODY_WINDOW = timedelta(minutes=10)


def key_for(kind: str, actor: str, token: str | None = None, body: bytes = b"") -> tuple[str, timedelta]:
    """The submission's key and how long it is remembered."""
    if token:
        material, window = b"token\0" + token.encode(), TOKEN_WINDOW
    else:
        material, window = b"body\0" + body, BODY_WINDOW
    digest = hashlib.sha256(kind.encode() + b"\0" + actor.encode() + b"\0" + material).hexdigest()
    return digest, window


@dataclass
class Claim:
    key: str
    kind: str
    previous: dict | None  # what the first post created, when this is a repeat

    @property
    def repeated(self) -> bool:
        return self.previous is not None

    def done(self, **result) -> None:
        """Record what this submission created (ids; never a secret in clear). Committed with it."""
        row = db.session.get(FormSubmission, self.key)
        row.result = result
        db.session.flush()


def _existing(key: str, window: timedelta) -> FormSubmission | None:
    row = db.session.get(FormSubmission, key, populate_existing=True)
    if row is not None and row.created_at < utcnow() - window:
        db.session.execute(delete(FormSubmission).where(FormSubmission.key == key))
        db.session.flush()
        return None
    return row


def claim(kind: str, actor: str, token: str | None = None, body: bytes = b"") -> Claim:
    """Claim a submission before creating anything. A repeat (even one posted at the same moment from another
    instance: the database's primary key decides) gets the first one's result instead."""
    key, window = key_for(kind, actor, token, body)
    row = _existing(key, window)
    if row is not None:
        return Claim(key, kind, dict(row.result or {}))
    db.session.add(FormSubmission(key=key, kind=kind, result={}))
    try:
        db.session.flush()
    except IntegrityError:  # the same submission, posted at the same moment, got there first
        db.session.rollback()
        row = db.session.get(FormSubmission, key, populate_existing=True)
        return Claim(key, kind, dict(row.result or {}) if row is not None else {})
    return Claim(key, kind, None)


def seal(secret: str, token: str) -> str:
    """Hide a short secret (a query code) so that only the holder of the form's token can read it again."""
    pad = hmac.new(token.encode(), b"receipt", hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(secret.encode(), pad, strict=False)).hex()


def unseal(sealed: str, token: str) -> str:
    pad = hmac.new(token.encode(), b"receipt", hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), pad, strict=False)).decode()


def show_once(key: str) -> bool:
    """A secret recorded with a submission (its receipt's query code) is shown once: the first call says yes and
    forgets the sealed copy, so that the same submission posted again later, or an old session replayed, gets the
    receipt without it. False also when the claim is gone (past its window)."""
    row = db.session.get(FormSubmission, key, populate_existing=True, with_for_update=True)
    if row is None or (row.result or {}).get("shown"):
        return False
    row.result = {k: v for k, v in (row.result or {}).items() if k != "sealed_code"} | {"shown": True}
    db.session.flush()
    return True


def forget_older_than(age: timedelta = TOKEN_WINDOW) -> int:
    """Housekeeping for `flask sweep`: drop claims no repeat can match any more."""
    result = db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - age))
    return result.rowcount or 0
