"""Knowledge base (知识库) articles and their versions, citations on cases, the public counters, and the units'
reply templates."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class KnowledgeArticle(db.Model):
    """One question a unit answers; its text lives in versions. `current_version` is the approved one in use."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_version.id", use_alter=True, name="fk_knowledge_article_current_version",
                   ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    current_version = relationship("KnowledgeVersion", foreign_keys=[current_version_id], post_update=True)
    versions = relationship("KnowledgeVersion", foreign_keys="KnowledgeVersion.article_id",
                            back_populates="article", order_by="KnowledgeVersion.number")


class KnowledgeVersion(db.Model):
    """Every edit is a new version: draft → approved (then the article's current one) or rejected; an approved
    version is replaced by the next approved one (superseded) and is never changed."""

    STATUSES = ("draft", "approved", "rejected", "superseded")

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_article.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    policy_source: Mapped[str] = mapped_column(String(300))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    public: Mapped[bool] = mapped_column(default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")  # jieba terms, space separated
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    expiry_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the sweep told the unit it expired

    article = relationship("KnowledgeArticle", foreign_keys=[article_id], back_populates="versions")
    category = relationship("Category")
    written_by = relationship("User", foreign_keys=[written_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_knowledge_version_number"),)


class KnowledgeCitation(db.Model):
    """An answer given on a case cited this article version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("knowledge_version.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case")
    version = relationship("KnowledgeVersion")
    actor = relationship("User")


class KnowledgeDailyCount(db.Model):
    """Per day and article: suggested on the submission form, opened from it, "this answered my question",
    submitted anyway after opening it."""

    KINDS = ("shown", "viewed", "answered", "submitted_anyway")

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_article.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class ReplyTemplate(db.Model):
    """A unit's reply template for a category (or any category), with placeholders filled from the case."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    category = relationship("Category")
