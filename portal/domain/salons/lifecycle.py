"""A salon's life: created, edited before it starts, then moved through `TRANSITIONS` by `_move`, which writes
every change to the salon's append-only log (`SalonEvent`)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, gettext
from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain import notify
from portal.domain.salons import SALON_STATE_LABELS, TRANSITIONS, SalonError, _require_organizer, salon_allows
from portal.domain.salons.roster import seats_taken
from portal.extensions import db
from portal.models import (
    AgendaItem,
    Salon,
    SalonEvent,
    SalonUnit,
    Unit,
    User,
)
from portal.models.base import utcnow

# ---- the salon -------------------------------------------------------------------------------------------------

@dataclass
class SalonData:
    """What the organizer fills in, already validated by the form layer (times aware)."""

    title: str
    theme: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    venue_kind: str
    capacity: int
    invited_officials: str = ""
    unit_ids: tuple[int, ...] = ()
    agenda: tuple[tuple[str, int], ...] = ()  # (title, minutes) in order


def _apply(salon: Salon, data: SalonData) -> None:
    if data.ends_at <= data.starts_at:
        raise SalonError(_("The salon must end after it starts."))
    if data.venue_kind not in Salon.VENUE_KINDS:
        raise SalonError(_("Choose where the salon is held."))
    salon.title, salon.theme, salon.venue, salon.venue_kind = data.title, data.theme, data.venue, data.venue_kind
    salon.starts_at, salon.ends_at, salon.capacity = data.starts_at, data.ends_at, data.capacity
    salon.invited_officials = data.invited_officials or ""
    for item in list(salon.agenda):
        db.session.delete(item)
    salon.agenda = [AgendaItem(position=i, title=title, minutes=minutes)
                    for i, (title, minutes) in enumerate(data.agenda)]
    wanted = set(data.unit_ids)
    for link in list(salon.invited_units):
        if link.unit_id not in wanted:
            salon.invited_units.remove(link)
            db.session.delete(link)
    have = {link.unit_id for link in salon.invited_units}
    units = db.session.scalars(select(Unit).where(Unit.id.in_(wanted - have))).all() if wanted - have else []
    for unit in units:
        salon.invited_units.append(SalonUnit(unit=unit))


def create_salon(actor: User, data: SalonData, at: datetime | None = None) -> Salon:
    _require_organizer(actor)
    salon = Salon(organizer=actor, state="planned", created_at=at or utcnow(), agenda=[], invited_units=[])
    db.session.add(salon)
    _apply(salon, data)
    return salon


def update_salon(salon: Salon, actor: User, data: SalonData) -> Salon:
    _require_organizer(actor)
    if not salon_allows(salon, "edit"):
        raise SalonError(_("A salon can be edited only before it starts."))
    if data.capacity < seats_taken(salon) and data.capacity < salon.capacity:
        raise SalonError(_("%(n)d seats are already taken: the capacity cannot be lower.", n=seats_taken(salon)))
    _apply(salon, data)
    return salon


def may(salon: Salon, action: str) -> bool:
    return salon.state in TRANSITIONS[action][0]


def _move(salon: Salon, action: str, actor: User, at: datetime | None = None) -> SalonEvent:
    """The one place where a salon changes state; every change is written to the salon's append-only log."""
    _require_organizer(actor)
    if not may(salon, action):
        raise SalonError(_("This step is not possible now: the salon is “%(state)s”.",
                     state=SALON_STATE_LABELS[salon.state]))
    entry = SalonEvent(salon=salon, action=action, from_state=salon.state, to_state=TRANSITIONS[action][1],
                       actor_id=actor.id, at=at or utcnow())
    salon.state = entry.to_state
    db.session.add(entry)
    return entry


def open_registration(salon: Salon, actor: User) -> None:
    _move(salon, "open_registration", actor)


def start(salon: Salon, actor: User) -> None:
    _move(salon, "start", actor)


def close(salon: Salon, actor: User, attendance_note: str, summary: str, at: datetime | None = None) -> None:
    """The closing report: attendance (what the organizer wrote; the check-in count is shown beside it)."""
    if not (summary or "").strip():
        raise SalonError(_("Write the summary of the salon."))
    _move(salon, "close", actor, at)
    salon.attendance_note, salon.summary, salon.closed_at = attendance_note, summary, at or utcnow()


def publish(salon: Salon, actor: User, rating_link=None, at: datetime | None = None) -> None:
    """Publish the outcome page. `rating_link(code) -> url`: when given, each raiser is sent their link."""
    pending = sum(1 for s in salon.suggestions if s.outcome == "pending")
    if salon.state == "closed" and pending:
        raise SalonError(_("Triage every suggestion before publishing the outcomes (%(n)d still to triage).", n=pending))
    _move(salon, "publish", actor, at)
    salon.published_at = at or utcnow()
    if rating_link is not None:
        for suggestion in salon.suggestions:
            person = suggestion.participant.person if suggestion.participant else None
            if person and person.phone and suggestion.rating_code:
                with force_locale("zh_Hans"):
                    body = gettext("[Fuyang 12345] The outcome of your suggestion at the new-media tea salon "
                                   "“%(title)s” is published. See it and rate it: %(link)s",
                                   title=salon.title, link=rating_link(suggestion.rating_code))
                notify.queue("sms", person.phone, body)


def attendance(salon: Salon) -> tuple[int, int]:
    """(checked in, confirmed or checked in)."""
    checked = sum(1 for p in salon.participants if p.state == "checked_in")
    return checked, checked + sum(1 for p in salon.participants if p.state == "confirmed")


