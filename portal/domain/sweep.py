"""The periodic sweep (`flask sweep`, run from cron every few minutes): what the clock does to cases.

- A case being handled (assigned or handling) whose deadline passed is escalated to supervision once
  (`workflow.escalate`: an internal "escalate" event, `escalated_at` set; an approved extension or a
  re-handling clears it, so a new deadline can be escalated again). The lead unit's handlers and unit leads
  get an email reminder when it happens.
- A case still waiting to be signed for after its sign-for deadline gets one email reminder to the lead
  unit's staff per assignment (a re-assignment sets a new sign-for deadline, which is reminded again).
- A released reply the citizen has not rated by `evaluation_due_at` (EVALUATION_DAYS after release, default
  7) closes the case as not evaluated (`workflow.close_unevaluated`; the citizen is told).

Traffic lights are not stored: `deadlines.LightBounds` computes them on read. The sweep is idempotent:
a second run with nothing new to do changes nothing and queues nothing. Everything is committed at the end,
in one transaction; if someone changes one of the cases meanwhile, the commit fails as a whole and the next
run does the work.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import and_, or_, select

from portal.domain import calendar, notify, workflow
from portal.domain.deadlines import CLOCK_STATES
from portal.extensions import db
from portal.models import Case, OutboxMessage
from portal.models.base import utcnow


@dataclass
class SweepSummary:
    escalated: int = 0
    overdue_reminders: int = 0  # emails queued to unit staff about escalated cases
    sign_reminders: int = 0  # emails queued to unit staff about cases not signed for in time
    closed_unevaluated: int = 0
    knowledge_expired: int = 0  # knowledge base articles newly past their validity date, flagged to their unit

    @property
    def changed(self) -> bool:
        return any((self.escalated, self.overdue_reminders, self.sign_reminders, self.closed_unevaluated,
                    self.knowledge_expired))


def overdue_reminder(case: Case) -> tuple[str, str]:
    """(subject, body) of the email to the lead unit when its case is escalated."""
    with force_locale("zh_Hans"):
        subject = gettext("Overdue: case %(no)s escalated to supervision", no=case.tracking_no)
        body = gettext("[Fuyang 12345] Case %(no)s “%(title)s” passed its deadline (%(due)s) without a reply "
                       "and has been escalated to supervision. Please finish handling it and reply at once.",
                       no=case.tracking_no, title=case.title, due=calendar.local_text(case.due_at))
    return subject, body


def sign_reminder(case: Case) -> tuple[str, str]:
    """(subject, body) of the email to the lead unit when a case waits to be signed for past its limit.
    The subject names the sign-for deadline: it is how a repeated sweep knows this reminder went out."""
    with force_locale("zh_Hans"):
        subject = gettext("Please sign for case %(no)s (sign-for deadline %(due)s passed)",
                          no=case.tracking_no, due=calendar.local_text(case.sign_due_at))
        body = gettext("[Fuyang 12345] Case %(no)s “%(title)s” was assigned to your unit and has not been "
                       "signed for by its deadline (%(due)s). Please sign for it, or return it to the "
                       "dispatcher if it is not your unit's matter.",
                       no=case.tracking_no, title=case.title, due=calendar.local_text(case.sign_due_at))
    return subject, body


def sweep(now: datetime | None = None) -> SweepSummary:
    """Escalate overdue cases, remind units, close unrated cases; commit. Returns what was done."""
    now = now or utcnow()
    summary = SweepSummary()

    overdue = list(db.session.scalars(select(Case).where(
        Case.state.in_(CLOCK_STATES), Case.due_at < now, Case.escalated_at.is_(None)).order_by(Case.id)))
    unsigned = list(db.session.scalars(select(Case).where(
        Case.state == "assigned", Case.sign_due_at < now, Case.signed_at.is_(None)).order_by(Case.id)))
    evaluation_days = current_app.config.get("EVALUATION_DAYS", 7)
    unrated = list(db.session.scalars(select(Case).where(
        Case.state == "awaiting_evaluation",
        or_(Case.evaluation_due_at < now,
            and_(Case.evaluation_due_at.is_(None), Case.replied_at < now - timedelta(days=evaluation_days))),
    ).order_by(Case.id)))

    emails = notify.unit_emails({c.lead_unit_id for c in overdue + unsigned if c.lead_unit_id})
    reminded: set[tuple[int, str]] = set()
    if unsigned:
        reminded = set(db.session.execute(select(OutboxMessage.case_id, OutboxMessage.subject).where(
            OutboxMessage.case_id.in_([c.id for c in unsigned]), OutboxMessage.channel == "email")).all())

    for case in unsigned:
        subject, body = sign_reminder(case)
        if (case.id, subject) in reminded:
            continue
        for address in emails.get(case.lead_unit_id, []):
            notify.queue("email", address, body, subject=subject, case=case)
            summary.sign_reminders += 1

    for case in overdue:
        workflow.escalate(case, at=now)
        summary.escalated += 1
        subject, body = overdue_reminder(case)
        for address in emails.get(case.lead_unit_id, []):
            notify.queue("email", address, body, subject=subject, case=case)
            summary.overdue_reminders += 1

    for case in unrated:
        workflow.close_unevaluated(case, at=now)
        summary.closed_unevaluated += 1

    from portal.domain import knowledge

    summary.knowledge_expired = knowledge.flag_expired(now)

    from portal.domain import idempotency

    idempotency.forget_older_than()  # claims of form submissions no repeat can match any more
    db.session.commit()
    if summary.changed:
        current_app.logger.info("sweep: %s", summary)
    return summary
