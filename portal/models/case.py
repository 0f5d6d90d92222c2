"""Cases (诉求件), their photos and their append-only event log."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

OVERDUE_OPEN = text("escalated_at IS NOT NULL AND state IN ('assigned', 'handling')")


class Case(db.Model):
    STATES = (
        "submitted", "accepted", "assigned", "handling", "replied", "awaiting_evaluation",
        "closed", "archived", "declined", "dissatisfied", "merged",
    )
    # Open: the platform still owes the citizen an answer (a reply approved but not yet released counts, and so does
    # a case re-handled after a dissatisfied rating). The one "open" set: supervision, Open311, merging (并单), the
    # calendar's provisional deadlines. Awaiting evaluation is not open: the answer has reached the citizen.
    OPEN_STATES = ("submitted", "accepted", "assigned", "handling", "replied", "dissatisfied")
    CLOSED_STATES = ("closed", "archived")  # closed, with or without the citizen's rating
    RELEASED_STATES = ("awaiting_evaluation", *CLOSED_STATES)  # the unit's reply has reached the citizen
    SATISFIED = ("satisfied", "basically_satisfied")  # ratings that count as satisfied (满意度)
    CHANNELS = (
        "web", "hotline", "mayor_mailbox", "leader_board", "media_hotline", "opinion_monitoring", "tea_salon",
    )
    # Channels an operator types in (the web portal and salons have their own forms).
    OPERATOR_CHANNELS = ("hotline", "mayor_mailbox", "leader_board", "media_hotline", "opinion_monitoring")
    PRIORITIES = ("urgent", "simple", "general", "complex")

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(24), index=True)
    state: Mapped[str] = mapped_column(String(24), default="submitted", index=True)
    priority: Mapped[str | None] = mapped_column(String(16))

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    address: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)

    citizen_name: Mapped[str] = mapped_column(String(50))
    citizen_phone: Mapped[str] = mapped_column(String(20))
    # the phone reduced to its digits (portal.domain.callers.phone_key): caller history and repeat calls
    caller_phone_key: Mapped[str | None] = mapped_column(String(20))
    citizen_email: Mapped[str | None] = mapped_column(String(120))
    hide_name: Mapped[bool] = mapped_column(default=False)
    confidential: Mapped[bool] = mapped_column(default=False)
    publish_consent: Mapped[bool] = mapped_column(default=False)

    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # 重复件: the same caller about the same thing within REPEAT_CALL_DAYS; points at the caller's first case
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    received_day: Mapped[date] = mapped_column(Date, index=True)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    due_is_provisional: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    reply_type: Mapped[str | None] = mapped_column(String(24))
    reply_text: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    evaluation_comment: Mapped[str | None] = mapped_column(Text)
    rehandle_count: Mapped[int] = mapped_column(default=0)
    return_count: Mapped[int] = mapped_column(default=0)
    # complex cases: limit set at the consultation (会商)
    limit_days: Mapped[int | None]
    # reply drafted by the lead unit, waiting for the unit lead's approval
    reply_drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # overdue → supervision

    # Optimistic locking: two dispatchers acting at once, one wins and the other is told.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    category = relationship("Category")
    county = relationship("Region", foreign_keys=[county_id])
    town = relationship("Region", foreign_keys=[town_id])
    platform = relationship("Platform")
    lead_unit = relationship("Unit")
    created_by = relationship("User")
    photos = relationship("CasePhoto", back_populates="case", order_by="CasePhoto.id")
    events = relationship("CaseEvent", back_populates="case", order_by="CaseEvent.id")
    units = relationship("CaseUnit", back_populates="case", order_by="CaseUnit.id")
    repeat_of = relationship("Case", remote_side=[id], foreign_keys=[repeat_of_id])

    # The full-text index (PostgreSQL column `search_vector`, SQLite FTS5 table `case_fts`) is not mapped:
    # see portal.search_schema.py and portal/domain/search.py.
    __table_args__ = (
        Index("ix_case_public_recent", "publish_consent", "confidential", "received_at"),
        Index("ix_case_caller_phone_key_received_at", "caller_phone_key", "received_at"),
        # keyset pages, newest first (portal/domain/keyset.py): whole city, per state, per platform, per unit
        Index("ix_case_received_at_id", "received_at", "id"),
        Index("ix_case_state_received_at_id", "state", "received_at", "id"),
        Index("ix_case_platform_received_at_id", "platform_id", "received_at", "id"),
        # a sub-platform dispatcher's queue tabs and their counts (one state on one platform, oldest first): without
        # it the planner intersects the platform's whole bitmap (400,000 cases in a 10 M city) with the state's
        Index("ix_case_platform_state_received_at_id", "platform_id", "state", "received_at", "id"),
        Index("ix_case_lead_unit_received_at_id", "lead_unit_id", "received_at", "id"),
        # work queues ordered by deadline (unit queues, overdue tabs)
        Index("ix_case_lead_unit_state_due_at", "lead_unit_id", "state", "due_at"),
        Index("ix_case_state_due_at", "state", "due_at"),
        # the overdue tabs: escalated cases still with a unit, by deadline (a small, ordered partial index)
        Index("ix_case_overdue_due_at", "due_at", postgresql_where=OVERDUE_OPEN, sqlite_where=OVERDUE_OPEN),
        Index("ix_case_overdue_platform_due_at", "platform_id", "due_at", "id", postgresql_where=OVERDUE_OPEN,
              sqlite_where=OVERDUE_OPEN),  # a sub-platform's overdue tab and its header count
        # similar open cases on the staff case page (same category and district, newest first)
        Index("ix_case_category_county_received_at", "category_id", "county_id", "received_at"),
        # the nightly hotspot scan: day range, then GROUP BY category × town (index-only)
        Index("ix_case_hotspot_day_category_town", "received_day", "category_id", "town_id"),
    )

    @property
    def is_published(self) -> bool:
        return self.publish_consent and not self.confidential


class CasePhoto(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="photos")


class CaseEvent(db.Model):
    """Append-only log: who did what to a case, when, from which state to which, why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))  # indexed by ix_case_event_case_action_id
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    public: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    data: Mapped[dict | None] = mapped_column(JSON)

    case = relationship("Case", back_populates="events")
    actor = relationship("User")
    unit = relationship("Unit")

    # metrics and rankings aggregate events by kind over a period, and look up a case's latest event of a kind
    # before another (the deadline in force, the rated reply): (case_id, action, id) answers both, and a case's log
    __table_args__ = (Index("ix_case_event_action_at", "action", "at"),
                      Index("ix_case_event_case_action_id", "case_id", "action", "id"))


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise RuntimeError("case events are append-only")


class DailyCounter(db.Model):
    """One row per (prefix, day): the next tracking-number sequence, bumped atomically by upsert."""

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class DailyCaseCount(db.Model):
    """Pre-aggregated public statistics (portal.domain.daily_counts): per local day of receipt and per member of one
    dimension (a channel code, a county id, a leaf category id, as text), the current figures of the cases received
    that day. Additive: a period's figures are sums of rows. Kept current in the transaction that changes a case."""

    DIMENSIONS = ("channel", "county", "category")
    MEASURES = ("received", "closed", "satisfied", "rated", "repeat_calls")

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)
    member: Mapped[str] = mapped_column(String(24), primary_key=True)
    received: Mapped[int] = mapped_column(default=0, server_default="0")
    closed: Mapped[int] = mapped_column(default=0, server_default="0")
    satisfied: Mapped[int] = mapped_column(default=0, server_default="0")
    rated: Mapped[int] = mapped_column(default=0, server_default="0")
    repeat_calls: Mapped[int] = mapped_column(default=0, server_default="0")

    # the statistics read one dimension over a range of days
    __table_args__ = (Index("ix_daily_case_count_dimension_day", "dimension", "day"),)
