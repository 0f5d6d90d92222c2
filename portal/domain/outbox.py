"""Delivery of the outbox: `flask outbox send` hands each waiting message to the sender of its channel.

`notify.queue()` only writes OutboxMessage rows, inside the transaction of the step that caused them, so a
message exists exactly when its step was committed. Delivery happens later, in its own transactions, one
message at a time: a sent message is marked (`sent_at`) and committed at once, a failed one keeps
`sent_at` empty, counts the attempt and stores the error, and the batch goes on with the next message.
A message is retried on later runs until it has failed `OUTBOX_MAX_ATTEMPTS` times; then it is left for a
person to look at (`flask outbox status` counts them). Delivery is at least once: a crash between the
sender's success and the commit sends that one message again on the next run.

Settings (app.config, e.g. in instance/config.py):

| setting | default | meaning |
| --- | --- | --- |
| OUTBOX_EMAIL_SENDER | "logging" | "logging" writes emails to the app log; "smtp" sends them with the MAIL_* settings |
| OUTBOX_MAX_ATTEMPTS | 5 | failed attempts after which a message is no longer retried |
| OUTBOX_BATCH_SIZE | 200 | default `--limit` of `flask outbox send` |
| MAIL_SERVER, MAIL_PORT | "localhost", 25 | the SMTP relay |
| MAIL_USERNAME, MAIL_PASSWORD | unset | SMTP login, when the relay wants one |
| MAIL_USE_TLS | False | STARTTLS after connecting (port 587) |
| MAIL_USE_SSL | False | implicit TLS from the start (port 465) |
| MAIL_TIMEOUT | 10 | seconds to wait for the relay |
| MAIL_FROM | "noreply@localhost" | the From address, e.g. "阜阳12345 <12345@example.gov.cn>" |
| SMS_GATEWAY | "portal.domain.outbox:LoggingSmsGateway" | the SMS adapter, "module:Class" (see SmsGateway) |

Plugging in a real SMS provider: write a subclass of `SmsGateway` in any importable module, e.g.

    # mycity/sms.py
    from portal.domain.outbox import SmsGateway

    class ProviderGateway(SmsGateway):
        def __init__(self, config):
            self.key = config["SMS_API_KEY"]
        def send_sms(self, phone, text):
            ...  # call the provider's API; raise on any failure so the outbox retries

and set `SMS_GATEWAY = "mycity.sms:ProviderGateway"`. The gateway is built once per batch with the app's
config and must raise when the provider refuses a message.
"""
from __future__ import annotations

import importlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app
from sqlalchemy import func, select

from portal.domain.privacy import mask_phone
from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.base import utcnow

DEFAULTS = {
    "OUTBOX_EMAIL_SENDER": "logging",
    "OUTBOX_MAX_ATTEMPTS": 5,
    "OUTBOX_BATCH_SIZE": 200,
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,  # nosec B105 - no password by default; set in instance/config.py
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 10,
    "MAIL_FROM": "noreply@localhost",
    "SMS_GATEWAY": "portal.domain.outbox:LoggingSmsGateway",
}
ERROR_LENGTH = 1000


def setting(name: str):
    value = current_app.config.get(name)
    return DEFAULTS.get(name) if value is None else value


def mask_recipient(recipient: str) -> str:
    """What a log line may show of a recipient: 139****5678, z***@example.com."""
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(recipient)


# ---- senders ------------------------------------------------------------------------------------------------

class DeliveryError(Exception):
    """A sender could not deliver a message."""


class Sender:
    """Delivers one OutboxMessage. `send` returns on success and raises on any failure; the outbox then
    records the error and retries the message on a later run. `close` ends a batch (connections etc.)."""

    def send(self, message: OutboxMessage) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LoggingSender(Sender):
    """The default: writes the message to the app log (recipient masked) instead of sending it."""

    def send(self, message: OutboxMessage) -> None:
        current_app.logger.info("outbox %s #%s to %s%s: %s", message.channel, message.id,
                                mask_recipient(message.recipient),
                                f" [{message.subject}]" if message.subject else "", message.body)


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """An RFC 5322 message: UTF-8 body, RFC 2047-encoded Chinese subject and display names."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject or message.body.splitlines()[0][:60]
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    # base64, not raw 8-bit: any relay takes it, whether or not it announces 8BITMIME
    email.set_content(message.body, charset="utf-8", cte="base64")
    return email


class SmtpSender(Sender):
    """Sends emails through an SMTP relay (MAIL_* settings). One connection serves a whole batch; after a
    failure it is dropped and the next message connects afresh."""

    def __init__(self, server: str, port: int, username: str | None = None, password: str | None = None,
                 use_tls: bool = False, use_ssl: bool = False, timeout: float = 10,
                 from_address: str = "noreply@localhost"):
        self.server, self.port = server, int(port)
        self.username, self.password = username, password
        self.use_tls, self.use_ssl, self.timeout = use_tls, use_ssl, timeout
        self.from_address = from_address
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls) -> SmtpSender:
        return cls(setting("MAIL_SERVER"), setting("MAIL_PORT"), setting("MAIL_USERNAME"),
                   setting("MAIL_PASSWORD"), bool(setting("MAIL_USE_TLS")), bool(setting("MAIL_USE_SSL")),
                   setting("MAIL_TIMEOUT"), setting("MAIL_FROM"))

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            factory = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
            smtp = factory(self.server, self.port, timeout=self.timeout)
            try:
                if self.use_tls and not self.use_ssl:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
            except Exception:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def send(self, message: OutboxMessage) -> None:
        email = build_email(message, self.from_address)
        try:
            refused = self._connection().send_message(email)
        except Exception:
            self.close()
            raise
        if refused:  # some recipients refused (we only ever have one; send_message raises if all are)
            raise DeliveryError(f"recipient refused: {refused}")

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except Exception:
                smtp.close()


class SmsGateway:
    """Adapter for an SMS provider. Subclass it, implement `send_sms` (raise on failure) and name the class
    in SMS_GATEWAY = "module:Class"; it is built as Class(app.config)."""

    def __init__(self, config=None):
        self.config = config or {}

    def send_sms(self, phone: str, text: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LoggingSmsGateway(SmsGateway):
    """The default gateway: writes each text to the app log (phone masked)."""

    def send_sms(self, phone: str, text: str) -> None:
        current_app.logger.info("outbox sms to %s: %s", mask_phone(phone), text)


class SmsSender(Sender):
    """Hands SMS-style messages to the configured gateway."""

    def __init__(self, gateway: SmsGateway):
        self.gateway = gateway

    def send(self, message: OutboxMessage) -> None:
        self.gateway.send_sms(message.recipient, message.body)

    def close(self) -> None:
        self.gateway.close()


def load_gateway(spec) -> SmsGateway:
    """SMS_GATEWAY as "package.module:Class", a class, or a ready gateway instance."""
    if isinstance(spec, SmsGateway):
        return spec
    if isinstance(spec, str):
        module_name, _, class_name = spec.partition(":")
        if not module_name or not class_name:
            raise ValueError(f"SMS_GATEWAY must look like 'package.module:Class', not {spec!r}")
        spec = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(spec, type) and issubclass(spec, SmsGateway)):
        raise ValueError(f"SMS_GATEWAY {spec!r} is not an SmsGateway subclass")
    return spec(current_app.config)


def email_sender() -> Sender:
    kind = setting("OUTBOX_EMAIL_SENDER")
    if isinstance(kind, Sender):
        return kind
    if kind == "logging":
        return LoggingSender()
    if kind == "smtp":
        return SmtpSender.from_config()
    raise ValueError(f"OUTBOX_EMAIL_SENDER must be 'logging' or 'smtp', not {kind!r}")


def senders() -> dict[str, Sender]:
    """The sender of each channel, built from the settings."""
    return {"sms": SmsSender(load_gateway(setting("SMS_GATEWAY"))), "email": email_sender()}


# ---- delivery -----------------------------------------------------------------------------------------------

@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0  # failed this time (retried on a later run while attempts remain)
    given_up: int = 0  # of those, the ones that have now used up their attempts

    @property
    def attempted(self) -> int:
        return self.sent + self.failed


def _pending(max_attempts: int):
    return (OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < max_attempts)


def deliver_pending(limit: int | None = None, channel_senders: dict[str, Sender] | None = None) -> DeliveryResult:
    """Deliver up to `limit` waiting messages, oldest first; each outcome is committed on its own.

    One message's failure never stops the batch. Rows are locked one at a time (FOR UPDATE SKIP LOCKED on
    PostgreSQL), so two runs at once do not send the same message twice. Commits the session: call it with
    no unfinished work of your own in it."""
    limit = int(limit or setting("OUTBOX_BATCH_SIZE"))
    max_attempts = int(setting("OUTBOX_MAX_ATTEMPTS"))
    channel_senders = channel_senders if channel_senders is not None else senders()
    result = DeliveryResult()
    ids = list(db.session.scalars(select(OutboxMessage.id).where(*_pending(max_attempts))
                                  .order_by(OutboxMessage.id).limit(limit)))
    db.session.commit()  # end the read transaction; each message gets its own
    try:
        for message_id in ids:
            message = db.session.scalar(select(OutboxMessage).where(
                OutboxMessage.id == message_id, *_pending(max_attempts)).with_for_update(skip_locked=True))
            if message is None:  # delivered or being delivered by another run meanwhile
                db.session.rollback()
                continue
            message.attempts += 1
            try:
                sender = channel_senders.get(message.channel)
                if sender is None:
                    raise DeliveryError(f"no sender for channel {message.channel!r}")
                sender.send(message)
            except Exception as exc:  # noqa: BLE001 - any failure is recorded, the batch goes on
                message.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
                result.failed += 1
                if message.attempts >= max_attempts:
                    result.given_up += 1
                    current_app.logger.error("outbox message #%s given up after %s attempts: %s", message.id,
                                             message.attempts, message.last_error)
                else:
                    current_app.logger.warning("outbox message #%s failed (attempt %s): %s", message.id,
                                               message.attempts, message.last_error)
            else:
                message.sent_at = utcnow()
                message.last_error = None
                result.sent += 1
            db.session.commit()
    finally:
        for sender in channel_senders.values():
            try:
                sender.close()
            except Exception:  # noqa: BLE001
                current_app.logger.exception("closing an outbox sender failed")
    return result


@dataclass
class OutboxStatus:
    pending: int  # waiting, will be tried
    failing: int  # of the pending, those that failed at least once
    given_up: int  # failed OUTBOX_MAX_ATTEMPTS times, no longer tried
    sent: int
    by_channel: dict[str, int]  # pending per channel
    oldest_pending_at: object  # datetime | None


def status() -> OutboxStatus:
    max_attempts = int(setting("OUTBOX_MAX_ATTEMPTS"))
    unsent = OutboxMessage.sent_at.is_(None)
    pending = db.session.scalar(select(func.count()).where(*_pending(max_attempts))) or 0
    failing = db.session.scalar(select(func.count()).where(*_pending(max_attempts),
                                                           OutboxMessage.attempts > 0)) or 0
    given_up = db.session.scalar(select(func.count()).where(unsent, OutboxMessage.attempts >= max_attempts)) or 0
    sent = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_not(None))) or 0
    by_channel = dict(db.session.execute(select(OutboxMessage.channel, func.count())
                                         .where(*_pending(max_attempts)).group_by(OutboxMessage.channel)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(*_pending(max_attempts)))
    return OutboxStatus(pending, failing, given_up, sent, by_channel, oldest)
