"""New-media tea salons (新媒体茶座): events, participants, suggestions tracked to outcomes, and the salon's
append-only log of state changes (`SalonEvent`, like the case log)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Salon(db.Model):
    STATES = ("planned", "registration_open", "in_progress", "closed", "outcomes_published")
    VENUE_KINDS = ("city", "out_of_town", "grassroots")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    theme: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(200))
    venue_kind: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(default=30)
    state: Mapped[str] = mapped_column(String(24), default="planned", index=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    invited_officials: Mapped[str] = mapped_column(Text, default="")
    attendance_note: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organizer = relationship("User")
    agenda = relationship("AgendaItem", back_populates="salon", order_by="AgendaItem.position")
    invited_units = relationship("SalonUnit", back_populates="salon")
    participants = relationship("Participant", back_populates="salon", order_by="Participant.id")
    suggestions = relationship("Suggestion", back_populates="salon", order_by="Suggestion.id")
    events = relationship("SalonEvent", back_populates="salon", order_by="SalonEvent.id")


class AgendaItem(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(default=15)

    salon = relationship("Salon", back_populates="agenda")


class SalonUnit(db.Model):
    """A unit invited to a salon."""

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))

    salon = relationship("Salon", back_populates="invited_units")
    unit = relationship("Unit")
    __table_args__ = (UniqueConstraint("salon_id", "unit_id", name="uq_salon_unit_salon_id"),)


class Person(db.Model):
    """Someone who takes part in salons; the same person across salons counts once (unique participants)."""

    KINDS = ("opinion_leader", "netizen_rep", "media", "official", "unit_rep")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(50), default="")  # 微博, 抖音, 本地论坛…
    handle: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Participant(db.Model):
    """A person on one salon's roster: registered / waiting / confirmed / checked in."""

    STATES = ("registered", "waitlisted", "confirmed", "declined", "checked_in")

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="registered")
    attendance_code: Mapped[str] = mapped_column(String(16), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    self_registered: Mapped[bool] = mapped_column(default=False)

    salon = relationship("Salon", back_populates="participants")
    person = relationship("Person")
    __table_args__ = (UniqueConstraint("salon_id", "person_id", name="uq_participant_salon_person"),)


class Suggestion(db.Model):
    """A suggestion raised at a salon, triaged to adopted (a case) / in hand (linked case) / not adopted."""

    OUTCOMES = ("pending", "adopted", "in_hand", "not_adopted")

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    explanation: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    rating_code: Mapped[str | None] = mapped_column(String(32), unique=True)  # the raiser's personal link
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    salon = relationship("Salon", back_populates="suggestions")
    participant = relationship("Participant")
    agenda_item = relationship("AgendaItem")
    category = relationship("Category")
    case = relationship("Case")


class SalonEvent(db.Model):
    """One state change of a salon: who, when, from which state to which. Written by `salons.lifecycle._move` only."""

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    salon = relationship("Salon", back_populates="events")
    actor = relationship("User")


@event.listens_for(SalonEvent, "before_update")
@event.listens_for(SalonEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("salon events are append-only")
