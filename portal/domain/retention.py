"""Retention: a citizen's contact details are kept while they are needed to handle the case and answer
follow-ups, then anonymised. A case closed more than RETENTION_YEARS years ago keeps its category, place, text
and timeline (statistics and rankings stay true) but loses its contact details:

- name → 匿名 (and the name is hidden), phone → empty, e-mail → none;
- the free text (title, description, address, reply) has phones, ID numbers, e-mail addresses and the
  citizen's name masked the way public pages mask them.

Each anonymised case gets a `contact_anonymised` event in its log (staff-only). Running it again finds nothing
new (idempotent); a dry run counts without changing anything.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select

from portal.domain import privacy, workflow
from portal.extensions import db
from portal.models import Case
from portal.models.base import utcnow


@dataclass
class RetentionResult:
    cutoff: datetime
    cases: list[str] = field(default_factory=list)  # tracking numbers
    dry_run: bool = False


def cutoff_for(years: int, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def due(cutoff: datetime):
    """Closed before `cutoff` and still carrying contact details."""
    return (select(Case).where(Case.closed_at.is_not(None), Case.closed_at < cutoff)
            .where(or_(Case.citizen_name != privacy.ANONYMOUS, Case.citizen_phone != "",
                       Case.citizen_email.is_not(None)))
            .order_by(Case.id))


def anonymise(case: Case, at: datetime | None = None) -> None:
    for name in ("title", "description", "address", "reply_text"):
        value = getattr(case, name)
        if value:
            setattr(case, name, privacy.mask_text(value, case))
    case.citizen_name = privacy.ANONYMOUS
    case.hide_name = True
    case.citizen_phone = ""
    case.citizen_email = None
    workflow.record_note(case, "contact_anonymised", None, None, public=False, at=at)


def run(years: int, dry_run: bool = False, now: datetime | None = None, batch: int = 500) -> RetentionResult:
    """Anonymise every case closed more than `years` years before `now` (the caller commits)."""
    if years < 1:
        raise ValueError("the retention period is at least one year")
    now = now or utcnow()
    result = RetentionResult(cutoff=cutoff_for(years, now), dry_run=dry_run)
    for case in db.session.scalars(due(result.cutoff)).yield_per(batch):
        result.cases.append(case.tracking_no)
        if not dry_run:
            anonymise(case, at=now)
    return result


