"""The roster: public registration, the organizer's decisions (`PARTICIPANT_ACTIONS`), check-in at the door."""
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.domain import calendar, salon_messages
from portal.domain.salons import (
    CODE_ALPHABET,
    CODE_LENGTH,
    PARTICIPANT_ACTIONS,
    PARTICIPANT_STATE_LABELS,
    PUBLIC_KINDS,
    ROSTER_OPEN,
    SEATED,
    SalonError,
    _lock,
    _require_organizer,
    salon_allows,
)
from portal.extensions import db
from portal.models import (
    Participant,
    Person,
    Salon,
    User,
)
from portal.models.base import utcnow

# ---- the roster ------------------------------------------------------------------------------------------------

def seats_taken(salon: Salon) -> int:
    return db.session.scalar(select(func.count(Participant.id)).where(
        Participant.salon_id == salon.id, Participant.state.in_(SEATED))) or 0


def new_attendance_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Participant.id).where(Participant.attendance_code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def find_or_create_person(name: str, kind: str, platform: str = "", handle: str = "", phone: str = "",
                          email: str | None = None, at: datetime | None = None) -> Person:
    """The same person across salons counts once: matched by phone, else by platform and handle.

    A match is never overwritten from a form (someone who knows a phone number cannot rename its owner)."""
    person = None
    if phone:
        person = db.session.scalar(select(Person).where(Person.phone == phone).order_by(Person.id).limit(1))
    if person is None and handle:
        person = db.session.scalar(select(Person).where(Person.platform == (platform or ""),
                                                        Person.handle == handle).order_by(Person.id).limit(1))
    if person is None:
        person = Person(name=name, kind=kind, platform=platform or "", handle=handle or "", phone=phone or "",
                        email=email or None, created_at=at or utcnow())
        db.session.add(person)
    return person


def _enrol(salon: Salon, person: Person, state: str, self_registered: bool, at: datetime | None) -> Participant:
    if person.id is not None and db.session.scalar(select(Participant.id).where(
            Participant.salon_id == salon.id, Participant.person_id == person.id)) is not None:
        raise SalonError(_("%(name)s is already on this salon's roster.", name=person.name))
    participant = Participant(salon=salon, person=person, state=state, attendance_code=new_attendance_code(),
                              registered_at=at or utcnow(), self_registered=self_registered)
    db.session.add(participant)
    return participant


def register(salon: Salon, *, name: str, kind: str, platform: str, handle: str, phone: str,
             email: str | None = None, at: datetime | None = None) -> Participant:
    """A netizen's public registration: "registered" within the capacity, "waitlisted" beyond it."""
    if salon.state != "registration_open":
        raise SalonError(_("Registration for this salon is not open."))
    if kind not in PUBLIC_KINDS:
        kind = "netizen_rep"
    _lock(salon)
    person = find_or_create_person(name, kind, platform, handle, phone, email, at)
    state = "registered" if seats_taken(salon) < salon.capacity else "waitlisted"
    participant = _enrol(salon, person, state, True, at)
    salon_messages.roster_message(participant)
    return participant


def add_participant(salon: Salon, actor: User, *, name: str, kind: str, platform: str = "", handle: str = "",
                    phone: str = "", email: str | None = None, at: datetime | None = None) -> Participant:
    """The organizer puts someone on the roster (an invited opinion leader, an official): confirmed at once."""
    _require_organizer(actor)
    if not roster_open(salon):
        raise SalonError(_("The roster of a closed salon cannot change."))
    if kind not in Person.KINDS:
        raise SalonError(_("Choose the kind of participant."))
    _lock(salon)
    person = find_or_create_person(name, kind, platform, handle, phone, email, at)
    participant = _enrol(salon, person, "confirmed", False, at)
    salon_messages.roster_message(participant)
    return participant


def _participant_of(salon: Salon, participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.salon_id != salon.id:
        raise SalonError(_("This person is not on the salon's roster."))
    return participant


def roster_open(salon: Salon) -> bool:
    return salon.state in ROSTER_OPEN


def participant_actions(participant: Participant) -> list[str]:
    """The roster decisions the organizer may take on this participant now ("confirm", "decline")."""
    if not roster_open(participant.salon):
        return []
    return [action for action, states in PARTICIPANT_ACTIONS.items() if participant.state in states]


def confirm(participant: Participant, actor: User, notify_person: bool = True) -> Participant:
    """Confirm a registration, or promote someone from the waiting list when a seat is free."""
    _require_organizer(actor)
    salon = participant.salon
    if not roster_open(salon):
        raise SalonError(_("The roster of a closed salon cannot change."))
    if participant.state not in PARTICIPANT_ACTIONS["confirm"]:
        raise SalonError(_("%(name)s is already “%(state)s”.", name=participant.person.name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    _lock(salon)
    if participant.state != "registered" and seats_taken(salon) >= salon.capacity:
        raise SalonError(_("No seat is free (capacity %(n)d). Decline someone or raise the capacity first.",
                     n=salon.capacity))
    participant.state = "confirmed"
    if notify_person:
        salon_messages.roster_message(participant)
    return participant


def decline(participant: Participant, actor: User) -> Participant:
    _require_organizer(actor)
    if not roster_open(participant.salon):
        raise SalonError(_("The roster of a closed salon cannot change."))
    if participant.state not in PARTICIPANT_ACTIONS["decline"]:
        raise SalonError(_("%(name)s is already “%(state)s”.", name=participant.person.name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    participant.state = "declined"
    return participant


def check_in(salon: Salon, actor: User, code: str, at: datetime | None = None) -> Participant:
    """At the door: the attendance code (typed, or read by a scanner from the printed QR code)."""
    _require_organizer(actor)
    if not salon_allows(salon, "check_in"):
        raise SalonError(_("Check-in is possible only while registration is open or the salon is in progress."))
    code = normalise_code(code)
    participant = db.session.scalar(select(Participant).where(Participant.attendance_code == code)) if code else None
    if participant is None or participant.salon_id != salon.id:
        raise SalonError(_("No participant of this salon has the code “%(code)s”. Check the code and try again.",
                     code=code))
    name = participant.person.name
    if participant.state == "checked_in":
        raise SalonError(_("%(name)s is already checked in (at %(time)s).", name=name,
                     time=calendar.local_text(participant.checked_in_at, "%H:%M")))
    if participant.state != "confirmed":
        raise SalonError(_("%(name)s is not confirmed (“%(state)s”): confirm them on the roster first.", name=name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    participant.state, participant.checked_in_at = "checked_in", at or utcnow()
    return participant


