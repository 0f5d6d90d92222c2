"""Messages to citizens and staff go through an outbox; `flask outbox send` delivers them.

At submission the citizen is sent their tracking number and query code (`submission_receipt`, called by
`intake.receive` for every channel: the plain code exists only at that moment, the case keeps its hash). Later
messages may therefore tell them to track the case with that code. Each citizen-visible step of a case queues an
SMS-style text (and an email when the citizen gave one). Messages to citizens are in Chinese: we do not know their
language, and the hotline's default is zh-Hans. Staff are written to at their units' addresses (`unit_emails`: the
active handlers and unit leads; the sweep's reminders, expired knowledge articles).
"""
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, CaseEvent, OutboxMessage, Role, User

_muted: ContextVar[bool] = ContextVar("notify_muted", default=False)


@contextmanager
def muted():
    """Generate history (demo data, imports) without queuing messages."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def queue(channel: str, recipient: str, body: str, subject: str = "", case: Case | None = None) -> None:
    if _muted.get() or not recipient:
        return
    db.session.add(OutboxMessage(case=case, channel=channel, recipient=recipient, subject=subject, body=body))


def citizen_step(case: Case, event: CaseEvent) -> None:
    """Tell the citizen about a public step of their case."""
    if _muted.get():
        return
    from portal.domain.labels import ACTION_LABELS

    with force_locale("zh_Hans"):
        step = str(ACTION_LABELS.get(event.action, event.action))
        body = gettext("[Fuyang 12345] Your case %(no)s: %(step)s. Track it online with your query code.",
                       no=case.tracking_no, step=step)
        subject = gettext("Your case %(no)s: %(step)s", no=case.tracking_no, step=step)
    queue("sms", case.citizen_phone, body, case=case)
    if case.citizen_email:
        detail = f"\n\n{event.note}" if event.note else ""
        queue("email", case.citizen_email, body + detail, subject=subject, case=case)


def submission_receipt(case: Case, query_code: str) -> None:
    """The citizen's receipt: tracking number and query code, by SMS (and email when given), on every channel
    (web, hotline calls typed in by an operator, Open311, tea-salon suggestions)."""
    if _muted.get():
        return
    with force_locale("zh_Hans"):
        body = gettext("[Fuyang 12345] We received your case %(no)s. Query code: %(code)s. Track it on the "
                       "portal's “Track my case” page with the number and this code, or call 12345.",
                       no=case.tracking_no, code=query_code)
        subject = gettext("We received your case %(no)s", no=case.tracking_no)
    queue("sms", case.citizen_phone, body, case=case)
    if case.citizen_email:
        queue("email", case.citizen_email, body, subject=subject, case=case)


def unit_emails(unit_ids: set[int]) -> dict[int, list[str]]:
    """The email addresses of each unit's active handlers and unit leads (one query for all units)."""
    if not unit_ids:
        return {}
    rows = db.session.execute(select(User.unit_id, User.email).where(
        User.unit_id.in_(unit_ids), User.role.in_(Role.UNIT_ROLES), User.active.is_(True),
        User.email.is_not(None), User.email != ""))
    emails: dict[int, set[str]] = defaultdict(set)
    for unit_id, email in rows:
        emails[unit_id].add(email.strip())
    return {unit_id: sorted(addresses) for unit_id, addresses in emails.items()}
