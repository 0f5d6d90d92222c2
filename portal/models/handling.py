"""Tables of the handling loop: co-units, returns, extensions, routing, calendar, outbox, contact views."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class CaseUnit(db.Model):
    """A unit taking part in a case: the lead unit, or a co-handling unit that sends its input to the lead."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead / co
    active: Mapped[bool] = mapped_column(default=True)  # false once the case left this unit
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    input_text: Mapped[str | None] = mapped_column(Text)
    input_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case = relationship("Case", back_populates="units")
    unit = relationship("Unit")

    # a unit's scope: the cases it currently shares (scope.visible_cases), and its co-handling tab (role "co"),
    # without touching the table; the rankings' assignment cohort: lead assignments in a period
    # (metrics.unit_metrics), index only
    __table_args__ = (Index("ix_case_unit_unit_active_role_case", "unit_id", "active", "role", "case_id"),
                      Index("ix_case_unit_role_assigned_at", "role", "assigned_at", "case_id"))


class ReturnRequest(db.Model):
    """A unit hands back a mis-assigned case; the dispatcher re-assigns it or rules the unit keeps it."""

    REASONS = ("wrong_locality", "unclear_ownership", "overlapping_duties")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    reason: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))  # reassigned / kept
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")


class ExtensionRequest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))  # approved / denied
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    unit = relationship("Unit")


class RoutingRule(db.Model):
    """Category (any level) × county (or any county) → the unit suggested when assigning."""

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))

    unit = relationship("Unit")
    category = relationship("Category")
    county = relationship("Region")
    __table_args__ = (UniqueConstraint("category_id", "county_id", name="uq_routing_rule_category_county"),)


class CalendarYear(db.Model):
    """A year whose official schedule is loaded; days of other years fall back to Monday–Friday, flagged."""

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(40))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarDay(db.Model):
    """An exception to Monday–Friday in an official year: a holiday off, or a swapped weekend day on (调休)."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(60), default="")


class OutboxMessage(db.Model):
    """A message waiting to go out (SMS-style text or email); `flask outbox send` delivers it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms / email
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    case = relationship("Case")


class ContactView(db.Model):
    """Every time someone sees a citizen's contact details: who, when, which case, from which address.

    kind "contact": a handler revealed one case's contact; kind "caller_history": a look-up of a caller's cases by
    phone number (`phone_key`), from a case page (`case_id` set) or from operator intake (no case yet)."""

    KINDS = ("contact", "caller_history")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="contact", server_default="contact")
    phone_key: Mapped[str | None] = mapped_column(String(20))
    cases_found: Mapped[int | None]

    case = relationship("Case")
    user = relationship("User")
