"""Oversight (全过程监督考核): supervision orders, monitors' reviews, ranking snapshots, interviews, echo wall."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class SupervisionOrder(db.Model):
    """督办单 on a case or on a unit: requirement, working-day due date, level; the unit answers."""

    LEVELS = ("normal", "listed")  # listed = 挂牌督办

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), default="normal")
    requirement: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    case = relationship("Case")
    unit = relationship("Unit")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])


class MonitorProfile(db.Model):
    """An appointed monitor (监督员): deputy, CPPCC member, media, citizen representative; with a term."""

    KINDS = ("deputy", "cppcc", "media", "citizen_rep")

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)

    user = relationship("User", backref=db.backref("monitor_profile", uselist=False))


class QualityReview(db.Model):
    """A monitor's review of a replied or closed case: four 1–5 scores, a comment, a perfunctory flag."""

    FLAG_STATES = ("open", "upheld", "dismissed")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    timeliness: Mapped[int]
    attitude: Mapped[int]
    solution: Mapped[int]
    reply_quality: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    perfunctory: Mapped[bool] = mapped_column(default=False)  # 敷衍应付: goes to the supervisors' queue
    flag_state: Mapped[str | None] = mapped_column(String(16), index=True)
    flag_note: Mapped[str | None] = mapped_column(Text)
    flag_handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    flag_handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case")
    monitor = relationship("User", foreign_keys=[monitor_id])
    __table_args__ = (UniqueConstraint("case_id", "monitor_id", name="uq_quality_review_case_monitor"),)


class RankingSnapshot(db.Model):
    """An immutable monthly ranking (亮晒比) as published; rows hold every figure used."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # 2026-10
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    weights: Mapped[dict] = mapped_column(JSON)

    rows = relationship("RankingRow", back_populates="snapshot", order_by="RankingRow.id")
    published_by = relationship("User")


class RankingRow(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("ranking_snapshot.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    ranking_group: Mapped[str] = mapped_column(String(24))
    rank: Mapped[int | None]  # None when the unit had no cases (not ranked)
    volume: Mapped[int] = mapped_column(default=0)
    figures: Mapped[dict] = mapped_column(JSON)  # every rate with numerator and denominator
    score: Mapped[float | None]
    position: Mapped[str | None] = mapped_column(String(8))  # top / bottom / None

    snapshot = relationship("RankingSnapshot", back_populates="rows")
    unit = relationship("Unit")


class Interview(db.Model):
    """约谈整改: a unit in the bottom 3 two months running is called in; the interview and follow-up recorded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # the second bottom month that triggered it
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held_on: Mapped[date | None] = mapped_column(Date)
    attendees: Mapped[str | None] = mapped_column(Text)
    rectification: Mapped[str | None] = mapped_column(Text)  # what the unit promised
    follow_up: Mapped[str | None] = mapped_column(Text)
    followed_up_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    unit = relationship("Unit")
    __table_args__ = (UniqueConstraint("unit_id", "month", name="uq_interview_unit_month"),)


class EchoStory(db.Model):
    """回音壁: a published story of a case the citizen allowed to publish — raised, handled, replied."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    raised: Mapped[str] = mapped_column(Text)
    handling: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    case = relationship("Case")
