"""API keys for the channel systems that file requests over Open311 (12345 hotline system, leader message
board, mayor's mailbox…).

- A key is `<prefix>.<secret>`: the prefix (`o311` + 8 hex digits) is stored in clear so admins can tell keys
  apart and the rate limiter can count per key; the secret (32 random bytes, URL-safe) is shown once, when the
  key is created, and never stored: only SHA-256 of the whole key is kept. A slow password hash is not needed
  because the secret is random and long (256 bits), not chosen by a person.
- Each key belongs to one channel (`Case.CHANNELS`): a request filed with it enters intake with that channel.
- Revoking sets `revoked_at`; a revoked key is refused like an unknown one. Keys are never deleted, so the
  record of who filed what stays readable.
"""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiKey, Case, User
from portal.models.base import utcnow

PREFIX_LETTERS = "o311"
KEY_FORMAT = re.compile(r"^(o311[0-9a-f]{8})\.([A-Za-z0-9_-]{20,100})$")


@dataclass
class NewKey:
    key: ApiKey
    secret: str  # the whole key, `<prefix>.<secret>`: shown to the admin once


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create(name: str, channel: str, created_by: User | None) -> NewKey:
    if channel not in Case.CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    while True:
        prefix = PREFIX_LETTERS + secrets.token_hex(4)
        if db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break
    plain = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name.strip(), channel=channel, prefix=prefix, key_hash=hash_key(plain),
                 created_by=created_by, created_at=utcnow())
    db.session.add(key)
    db.session.flush()
    return NewKey(key, plain)


def revoke(key: ApiKey) -> bool:
    """Revoke the key; False when it was already revoked."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    return True


def prefix_of(plain: str | None) -> str | None:
    match = KEY_FORMAT.match((plain or "").strip())
    return match.group(1) if match else None


def check(plain: str | None, touch: bool = False) -> ApiKey | None:
    """The active key matching `plain`, or None (unknown, malformed, wrong secret or revoked).

    `touch` records the use (last_used_at); the caller commits."""
    prefix = prefix_of(plain)
    if prefix is None:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.key_hash, hash_key(plain.strip())):
        return None
    if key.revoked_at is not None:
        return None
    if touch:
        key.last_used_at = utcnow()
    return key


def all_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(),
                                                           ApiKey.id.desc())))
