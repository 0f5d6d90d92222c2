"""Governing a kind of problem (主动治理、未诉先办): hotspot warnings, governance tasks and the monthly topic (每月一题).

The rules live in portal/domain/hotspots.py (the warning rule), governance.py (warnings as work items, tasks,
automatic linking of new cases) and topics.py (the monthly topic)."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class HotspotSettings(db.Model):
    """The hotspot rule's tunable figures (one row, id 1; the defaults when absent)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    window_days: Mapped[int] = mapped_column(default=7)
    baseline_weeks: Mapped[int] = mapped_column(default=8)
    ratio_threshold: Mapped[float] = mapped_column(Float, default=3.0)
    min_count: Mapped[int] = mapped_column(default=5)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class HotspotWarning(db.Model):
    """A category × town whose recent count is well above its own baseline, explained by its figures."""

    STATUSES = ("open", "acknowledged", "acted", "closed")

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)  # routing table's unit
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    # "category:town" while not closed, NULL once closed: the database refuses a second open warning
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    baseline_weeks: Mapped[int]
    recent_count: Mapped[int]
    baseline_count: Mapped[int]
    expected: Mapped[float] = mapped_column(Float)
    ratio_threshold: Mapped[float] = mapped_column(Float)
    min_count: Mapped[int]
    top_words: Mapped[list] = mapped_column(JSON, default=list)
    case_ids: Mapped[list] = mapped_column(JSON, default=list)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    close_note: Mapped[str | None] = mapped_column(Text)

    category = relationship("Category")
    county = relationship("Region", foreign_keys=[county_id])
    town = relationship("Region", foreign_keys=[town_id])
    unit = relationship("Unit")
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    task = relationship("GovernanceTask", back_populates="warning", uselist=False)


class HotspotScanRun(db.Model):
    """One row per local day the background worker ran the nightly hotspot scan: inserting it is the worker's
    claim on that night (the primary key refuses a second claim), so two workers never scan the same night."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the Asia/Shanghai day scanned
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created: Mapped[int] = mapped_column(default=0)  # new warnings
    refreshed: Mapped[int] = mapped_column(default=0)  # open warnings refreshed


class GovernanceTask(db.Model):
    """One task that handles a whole cluster: owned by a unit, with a working-day deadline; links the cases."""

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("hotspot_warning.id"), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    plan: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    warning = relationship("HotspotWarning", back_populates="task")
    category = relationship("Category")
    town = relationship("Region")
    unit = relationship("Unit")
    links = relationship("GovernanceLink", back_populates="task", order_by="GovernanceLink.id")

    __table_args__ = (db.Index("ix_governance_task_match", "category_id", "town_id", "status"),)


class GovernanceLink(db.Model):
    """A case handled as part of a governance task (linked by hand at creation or automatically at intake)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("governance_task.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    automatic: Mapped[bool] = mapped_column(default=False)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task = relationship("GovernanceTask", back_populates="links")
    case = relationship("Case")

    __table_args__ = (UniqueConstraint("task_id", "case_id", name="uq_governance_link_task_case"),)


class MonthlyTopic(db.Model):
    """每月一题: one high-frequency problem a month, a lead unit and co-units, 2–3 concrete problems, tasks."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)  # first day of the month
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    co_unit_ids: Mapped[list] = mapped_column(JSON, default=list)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    category = relationship("Category")
    county = relationship("Region")
    lead_unit = relationship("Unit")
    tasks = relationship("TopicTask", back_populates="topic", order_by="TopicTask.id")


class TopicTask(db.Model):
    STATUSES = ("planned", "in_progress", "done")

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("monthly_topic.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic = relationship("MonthlyTopic", back_populates="tasks")
    unit = relationship("Unit")
