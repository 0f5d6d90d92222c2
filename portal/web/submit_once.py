"""Web side of `portal.domain.idempotency`: the one-time token in every form that creates something, and the
claim a view makes before creating (keyed by the posted token, or by the posted body when there is none)."""
import hashlib
import secrets

from flask import request, session
from flask_login import current_user
from wtforms import HiddenField

from portal.domain import idempotency

FIELD = "form_token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OnceForm:
    """Mixin for a FlaskForm that creates something: templates render `{{ form.form_token }}`."""

    form_token = HiddenField(default=new_token)


def posted_token() -> str | None:
    value = (request.form.get(FIELD) or "").strip()
    return value[:100] or None


def _body_fingerprint() -> bytes:
    parts = [f"{k}={v}" for k, values in sorted(request.form.lists()) if k not in ("csrf_token", FIELD)
             for v in values]
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: (item[0], item[1].filename or "")):
        upload.stream.seek(0)
        content = upload.stream.read()
        upload.stream.seek(0)
        parts.append(f"{name}:{upload.filename}:{hashlib.sha256(content).hexdigest()}")
    return "\n".join(parts).encode()


def _actor(token: str | None) -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    if token:
        return "anonymous"  # the token is random and unguessable: nobody else holds it
    if "once_id" not in session:
        session["once_id"] = new_token()
    return "anonymous:" + session["once_id"]


def claim(kind: str, actor: str | None = None) -> idempotency.Claim:
    """Claim this POST before creating anything; `claim.repeated` tells a repeat (answer with claim.previous)."""
    token = posted_token()
    return idempotency.claim(kind, actor or _actor(token), token, b"" if token else _body_fingerprint())
