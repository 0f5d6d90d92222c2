"""Suggestions: recorded while the salon is in progress, then triaged (adopted → a new case, in hand → linked
to an existing case, not adopted → explained)."""
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain import intake, lookups, workflow
from portal.domain.salons import (
    OUTCOME_LABELS,
    PARTICIPANT_STATE_LABELS,
    SEATED,
    SalonError,
    _require_organizer,
    salon_allows,
)
from portal.domain.salons.roster import _participant_of
from portal.extensions import db
from portal.models import (
    Case,
    Category,
    Participant,
    Salon,
    Suggestion,
    Unit,
    User,
)
from portal.models.base import utcnow

# ---- suggestions -----------------------------------------------------------------------------------------------

def raisers(salon: Salon) -> list[Participant]:
    """Who may be named as raising a suggestion: everyone on the roster who is not declined or waiting."""
    return [p for p in salon.participants if p.state in ("checked_in", "confirmed", "registered")]


def record_suggestion(salon: Salon, actor: User, *, participant_id: int, text: str,
                      agenda_item_id: int | None = None, category_id: int | None = None,
                      at: datetime | None = None) -> Suggestion:
    _require_organizer(actor)
    if not salon_allows(salon, "capture"):
        raise SalonError(_("Suggestions are recorded while the salon is in progress."))
    participant = _participant_of(salon, participant_id)
    if participant.state not in SEATED:
        raise SalonError(_("%(name)s is not taking part (“%(state)s”).", name=participant.person.name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    if agenda_item_id is not None and agenda_item_id not in {a.id for a in salon.agenda}:
        raise SalonError(_("Choose an agenda item of this salon."))
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise SalonError(_("Choose a category from the list."))
    suggestion = Suggestion(salon=salon, participant=participant, agenda_item_id=agenda_item_id,
                            category_id=category_id, text=text.strip(), recorded_by_id=actor.id,
                            recorded_at=at or utcnow(), outcome="pending", rating_code=secrets.token_urlsafe(16))
    db.session.add(suggestion)
    return suggestion


def _triageable(suggestion: Suggestion, actor: User) -> None:
    _require_organizer(actor)
    if suggestion.outcome != "pending":
        raise SalonError(_("This suggestion has already been triaged: “%(outcome)s”.",
                     outcome=OUTCOME_LABELS[suggestion.outcome]))
    if not salon_allows(suggestion.salon, "triage"):
        raise SalonError(_("Suggestions are triaged while the salon is in progress or closed."))


def _link_note(suggestion: Suggestion) -> str:
    return f"{suggestion.salon.title} · #{suggestion.id}"


def adopt(suggestion: Suggestion, actor: User, *, unit: Unit, priority: str, county_id: int, category_id: int,
          title: str, address: str | None = None, at: datetime | None = None) -> Case:
    """The suggestion becomes a case (channel tea_salon) owned by `unit` with a working-day deadline."""
    _triageable(suggestion, actor)
    person = suggestion.participant.person
    at = at or utcnow()
    case, _code = intake.receive(intake.Submission(
        category_id=category_id, county_id=county_id, town_id=None, address=address or suggestion.salon.venue,
        title=title, description=suggestion.text, citizen_name=person.name, citizen_phone=person.phone or "",
        citizen_email=person.email, channel="tea_salon"), entered_by=actor, at=at)
    db.session.flush()  # the case's id and column defaults, before the workflow steps
    workflow.accept(case, actor, at=at)
    workflow.assign(case, actor, unit, priority, at=at)
    workflow.record_note(case, "salon_link", actor, _link_note(suggestion), at=at,
                         data={"salon_id": suggestion.salon_id, "suggestion_id": suggestion.id})
    suggestion.case, suggestion.outcome = case, "adopted"
    return case


def mark_in_hand(suggestion: Suggestion, actor: User, tracking_no: str, explanation: str = "",
                 at: datetime | None = None) -> Case:
    """The matter is already being handled as an existing case: link the suggestion to it."""
    _triageable(suggestion, actor)
    number = lookups.normalise_tracking_no(tracking_no)
    case = lookups.case_by_tracking_no(number)
    if case is None:
        raise SalonError(_("No case has the tracking number “%(no)s”.", no=number))
    if case.state in ("declined", "merged"):
        raise SalonError(_("Case %(no)s is “%(state)s”: link the case that is being handled.", no=number,
                     state=workflow.STATE_LABELS[case.state]))
    workflow.record_note(case, "salon_link", actor, _link_note(suggestion), at=at,
                         data={"salon_id": suggestion.salon_id, "suggestion_id": suggestion.id, "in_hand": True})
    suggestion.case, suggestion.outcome = case, "in_hand"
    suggestion.explanation = explanation or None
    return case


def not_adopt(suggestion: Suggestion, actor: User, explanation: str) -> None:
    _triageable(suggestion, actor)
    if len((explanation or "").strip()) < 5:
        raise SalonError(_("Explain why the suggestion is not adopted (at least 5 characters)."))
    suggestion.outcome, suggestion.explanation = "not_adopted", explanation.strip()


def salon_links(case: Case) -> list[Suggestion]:
    """The salon suggestions a case answers (the other end of the chain)."""
    if case is None or case.id is None:
        return []
    return list(db.session.scalars(select(Suggestion).where(Suggestion.case_id == case.id)
                                   .order_by(Suggestion.id)))


