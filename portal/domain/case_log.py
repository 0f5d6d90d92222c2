"""Reading a case's append-only log and its open requests: the timeline (staff and public), which notes are meant
for the citizen and which anyone following the case may read, the pending return and extension. Writing the log is
`portal.domain.workflow`'s alone."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Case, CaseEvent, ExtensionRequest, ReturnRequest


def pending_return(case: Case) -> ReturnRequest | None:
    return db.session.scalar(select(ReturnRequest).where(ReturnRequest.case_id == case.id,
                                                          ReturnRequest.outcome.is_(None)))


def pending_extension(case: Case) -> ExtensionRequest | None:
    return db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id,
                                                            ExtensionRequest.outcome.is_(None)))


def timeline(case: Case, public_only: bool = False) -> list[CaseEvent]:
    """The case's events in order, with actors and units loaded in one go (no query per event)."""
    query = (select(CaseEvent).where(CaseEvent.case_id == case.id)
             .options(joinedload(CaseEvent.actor), joinedload(CaseEvent.unit)).order_by(CaseEvent.id))
    if public_only:
        query = query.where(CaseEvent.public.is_(True))
    return list(db.session.scalars(query))


# Public events whose note is meant for the citizen; other notes (instructions to units, rulings) stay internal.
PUBLIC_NOTE_ACTIONS = frozenset({"decline", "answer_directly", "release", "evaluate", "merge", "echo_published"})
# Of those, the notes anyone else following the case may read (a citizen whose duplicate was merged into it, a salon
# participant whose suggestion became it, the Open311 updates feed): the handling's outcome. The case's own
# citizen's words (their rating comment) and what was said to them personally (a decline's or a direct answer's
# explanation) stay theirs.
SHARED_NOTE_ACTIONS = frozenset({"release", "merge", "echo_published"})


def public_timeline(case: Case) -> list[CaseEvent]:
    return timeline(case, public_only=True)
