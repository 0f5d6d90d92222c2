"""Tea salons, the read side: the figures (computed from the data) and what public pages may show of a suggestion.

The rules and every change of state are in portal.domain.salons."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.domain import privacy, publication
from portal.domain.privacy import mask_name
from portal.domain.rates import ratio
from portal.domain.salons import HELD, RELEASED
from portal.extensions import db
from portal.models import Case, Participant, Salon, Suggestion

# ---- what the public sees ------------------------------------------------------------------------

def public_label(participant: Participant | None) -> str:
    """A raiser as a public page shows them: the public handle when there is one, else the masked name."""
    if participant is None:
        return ""
    person = participant.person
    if person.handle:
        return f"@{person.handle}" + (f" ({person.platform})" if person.platform else "")
    return mask_name(person.name)


def public_reply(suggestion: Suggestion) -> str | None:
    """What the outcome page may show as the answer: the released reply of an adopted suggestion's case, the
    explanation of a not-adopted or in-hand one (plus that case's reply if its citizen allowed publication);
    personal data masked as on every public surface."""
    text = _public_reply(suggestion)
    return privacy.mask_text(text, suggestion.case) if text else text


def _public_reply(suggestion: Suggestion) -> str | None:
    case = suggestion.case
    if suggestion.outcome == "adopted":
        return case.reply_text if case and case.state in RELEASED and case.replied_at else None
    if suggestion.outcome == "not_adopted":
        return suggestion.explanation
    if suggestion.outcome == "in_hand":
        parts = [suggestion.explanation or ""]
        if case and publication.is_public(case) and case.state in RELEASED and case.reply_text:
            parts.append(case.reply_text)
        return "\n\n".join(p for p in parts if p) or None
    return None


# ---- statistics ------------------------------------------------------------------------------------------------

@dataclass
class Statistics:
    held: int
    participants: int  # unique people who attended (checked in) a held salon
    suggestions: int
    adopted: int
    in_hand: int
    not_adopted: int
    pending: int
    resolved: int  # adopted or in hand, and the unit's reply has reached the citizen
    rated: int
    satisfied: int  # satisfied or basically satisfied

    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(self.satisfied, self.rated)


def statistics() -> Statistics:
    """The figures of every salon held (in progress, closed or published), computed from the data."""
    held_ids = select(Salon.id).where(Salon.state.in_(HELD))
    held = db.session.scalar(select(func.count()).select_from(held_ids.subquery())) or 0
    people = db.session.scalar(select(func.count(func.distinct(Participant.person_id))).where(
        Participant.salon_id.in_(held_ids), Participant.state == "checked_in")) or 0
    by_outcome = dict(db.session.execute(select(Suggestion.outcome, func.count(Suggestion.id)).where(
        Suggestion.salon_id.in_(held_ids)).group_by(Suggestion.outcome)).all())
    resolved = db.session.scalar(select(func.count(Suggestion.id)).join(Case, Case.id == Suggestion.case_id).where(
        Suggestion.salon_id.in_(held_ids), Suggestion.outcome.in_(("adopted", "in_hand")),
        Case.state.in_(RELEASED))) or 0
    ratings = dict(db.session.execute(select(Suggestion.satisfaction, func.count(Suggestion.id)).where(
        Suggestion.salon_id.in_(held_ids), Suggestion.satisfaction.is_not(None))
        .group_by(Suggestion.satisfaction)).all())
    return Statistics(
        held=held, participants=people, suggestions=sum(by_outcome.values()),
        adopted=by_outcome.get("adopted", 0), in_hand=by_outcome.get("in_hand", 0),
        not_adopted=by_outcome.get("not_adopted", 0), pending=by_outcome.get("pending", 0), resolved=resolved,
        rated=sum(ratings.values()),
        satisfied=ratings.get("satisfied", 0) + ratings.get("basically_satisfied", 0))


def suggestion_counts(salon_ids) -> dict[int, dict[str, int]]:
    """{salon id: {outcome: n}} for a list page, in one query."""
    counts: dict[int, dict[str, int]] = {}
    if not salon_ids:
        return counts
    for salon_id, outcome, n in db.session.execute(
            select(Suggestion.salon_id, Suggestion.outcome, func.count(Suggestion.id))
            .where(Suggestion.salon_id.in_(list(salon_ids))).group_by(Suggestion.salon_id, Suggestion.outcome)):
        counts.setdefault(salon_id, {})[outcome] = n
    return counts
