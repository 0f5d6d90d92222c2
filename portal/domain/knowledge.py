"""Knowledge base (知识库): questions and answers that units write and the platform approves, versioned.

- A unit's handlers and unit lead (or an admin) write an article for their unit: question, answer, policy source,
  category, validity date, public or internal. Every edit is a new *draft* version; a dispatcher, supervisor or
  admin approves it (it becomes the article's current version, the previous one is superseded) or rejects it with a
  note. Approved versions never change: an answer given on a call cites the exact version used.
- Search: the question and answer are segmented with jieba (`cut_for_search`) and stored as space-separated terms;
  a query is segmented the same way and every term is matched with LIKE; results rank by the number of matching
  terms (a term in the question counts twice). Only current, approved, not retired articles are found; the public
  search also needs `public` and a validity date not past.
- Expired articles (validity date before today) are listed for their unit and flagged once by the sweep (an email
  to the unit's handlers and unit lead).
- Public counters per day and article: suggested on the submission form, opened from it, "this answered my
  question", and submitted anyway after opening one.
"""
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, gettext
from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.domain import audit, calendar
from portal.extensions import db
from portal.models import (
    Case,
    KnowledgeArticle,
    KnowledgeCitation,
    KnowledgeDailyCount,
    KnowledgeVersion,
    Role,
    Unit,
    User,
)
from portal.models.base import utcnow

WRITERS = (Role.HANDLER, Role.UNIT_LEAD, Role.ADMIN)
APPROVERS = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
READERS = (Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_LEAD, Role.SUPERVISOR, Role.ADMIN)
MAX_TERMS = 12
_WORD = re.compile(r"\w", re.UNICODE)


class KnowledgeError(Exception):
    """A refused action; str() is a message for the user."""


# ---- segmentation -------------------------------------------------------------------------------------------

def terms(text: str) -> list[str]:
    """Search terms of `text`: jieba's search-mode words, lower-cased, without punctuation and single Chinese
    characters (too common to mean anything), in order, without repeats."""
    import jieba

    seen: list[str] = []
    for word in jieba.cut_for_search(text or ""):
        word = word.strip().lower()
        if not word or not _WORD.search(word) or "%" in word or "_" in word:
            continue
        if len(word) == 1 and not word.isascii():
            continue
        if word not in seen:
            seen.append(word)
    return seen


def search_text(*parts: str) -> str:
    return " " + " ".join(terms(" ".join(p for p in parts if p))) + " "


# ---- writing and approving ----------------------------------------------------------------------------------

@dataclass
class ArticleData:
    question: str
    answer: str
    policy_source: str
    valid_until: date
    category_id: int | None = None
    public: bool = False
    unit_id: int | None = None  # admins choose; unit staff write for their own unit


def may_write(user: User, article: KnowledgeArticle | None) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role not in WRITERS or user.unit_id is None:
        return False
    return article is None or article.unit_id == user.unit_id


def write(actor: User, article: KnowledgeArticle | None, data: ArticleData) -> KnowledgeVersion:
    """A new draft version (of a new article when `article` is None). Flushes."""
    if not may_write(actor, article):
        raise KnowledgeError(_("Only the responsible unit's staff may write this article."))
    if article is None:
        unit_id = data.unit_id if actor.role == Role.ADMIN else actor.unit_id
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None or unit.retired_at is not None:
            raise KnowledgeError(_("Choose the responsible unit."))
        same = db.session.scalar(select(KnowledgeVersion.article_id).join(
            KnowledgeArticle, KnowledgeArticle.id == KnowledgeVersion.article_id).where(
            KnowledgeArticle.unit_id == unit.id, KnowledgeArticle.retired_at.is_(None),
            KnowledgeVersion.question == data.question.strip()).limit(1))
        if same is not None:  # the same form posted twice, or the question exists: one article per question
            raise KnowledgeError(_("Your unit already has an article with this question: write a new version of "
                                   "it instead."))
        article = KnowledgeArticle(unit_id=unit.id)
        db.session.add(article)
        db.session.flush()
    if data.valid_until < calendar.local_day(utcnow()):
        raise KnowledgeError(_("The validity date is already past: give the date until which the answer holds."))
    latest = db.session.scalar(select(KnowledgeVersion).where(KnowledgeVersion.article_id == article.id)
                               .order_by(KnowledgeVersion.number.desc()).limit(1))
    if latest is not None and latest.status == "draft" and (
            latest.question, latest.answer, latest.policy_source, latest.category_id, latest.valid_until,
            latest.public) == (data.question.strip(), data.answer.strip(), data.policy_source.strip(),
                               data.category_id, data.valid_until, bool(data.public)):
        return latest  # the same draft posted again
    number = (db.session.scalar(select(func.max(KnowledgeVersion.number))
                                .where(KnowledgeVersion.article_id == article.id)) or 0) + 1
    version = KnowledgeVersion(
        article_id=article.id, number=number, status="draft", question=data.question.strip(),
        answer=data.answer.strip(), policy_source=data.policy_source.strip(), category_id=data.category_id,
        valid_until=data.valid_until, public=bool(data.public), written_by_id=actor.id, written_at=utcnow(),
        search_text=search_text(data.question, data.answer))
    db.session.add(version)
    db.session.flush()
    return version


def decide(actor: User, version: KnowledgeVersion, approve: bool, note: str = "") -> None:
    if actor.role not in APPROVERS:
        raise KnowledgeError(_("Only the platform (dispatchers, supervisors, administrators) approves articles."))
    if version.status != "draft":
        raise KnowledgeError(_("This version was already decided."))
    if not approve and not note.strip():
        raise KnowledgeError(_("Say why the version is rejected, so the unit can correct it."))
    article = version.article
    before = {"current_version": article.current_version.number if article.current_version else None}
    version.status = "approved" if approve else "rejected"
    version.decided_by_id, version.decided_at, version.decision_note = actor.id, utcnow(), note.strip() or None
    if approve:
        if article.current_version is not None:
            article.current_version.status = "superseded"
        article.current_version = version
    db.session.flush()
    audit.record(actor, "approve" if approve else "reject", article, before,
                 {"current_version": article.current_version.number if article.current_version else None,
                  "version": version.number, "question": version.question})


# ---- reading ------------------------------------------------------------------------------------------------

def _current():
    return (select(KnowledgeVersion).join(KnowledgeArticle, KnowledgeArticle.current_version_id == KnowledgeVersion.id)
            .where(KnowledgeArticle.retired_at.is_(None), KnowledgeVersion.status == "approved"))


def search(query: str, public_only: bool = False, limit: int = 10, today: date | None = None) -> list[KnowledgeVersion]:
    """Current approved versions matching `query`, best first."""
    words = terms(query)[:MAX_TERMS]
    if not words:
        return []
    in_text = [KnowledgeVersion.search_text.like(f"% {w} %") for w in words]
    in_question = [func.lower(KnowledgeVersion.question).like(f"%{w}%") for w in words]
    score = sum(sql_case((c, 1), else_=0) for c in in_text) + sum(sql_case((c, 1), else_=0) for c in in_question)
    q = _current().where(or_(*in_text, *in_question))
    if public_only:
        q = q.where(KnowledgeVersion.public.is_(True),
                    KnowledgeVersion.valid_until >= (today or calendar.local_day(utcnow())))
    q = q.options(selectinload(KnowledgeVersion.article).selectinload(KnowledgeArticle.unit))
    return list(db.session.scalars(q.order_by(score.desc(), KnowledgeVersion.id.desc()).limit(limit)))


def current_public(version_or_article_id: int, today: date | None = None) -> KnowledgeVersion | None:
    """The public, valid, current version of article `version_or_article_id`, or None."""
    return db.session.scalar(_current().where(
        KnowledgeArticle.id == version_or_article_id, KnowledgeVersion.public.is_(True),
        KnowledgeVersion.valid_until >= (today or calendar.local_day(utcnow()))))


def usable_version(version_id: int | None) -> KnowledgeVersion | None:
    """A version an operator may cite: the current approved one of a live article."""
    if not version_id:
        return None
    return db.session.scalar(_current().where(KnowledgeVersion.id == version_id))


def articles(unit_id: int | None = None, status: str | None = None) -> list[KnowledgeArticle]:
    q = select(KnowledgeArticle).options(selectinload(KnowledgeArticle.current_version),
                                         selectinload(KnowledgeArticle.versions), selectinload(KnowledgeArticle.unit))
    if unit_id:
        q = q.where(KnowledgeArticle.unit_id == unit_id)
    return list(db.session.scalars(q.order_by(KnowledgeArticle.id.desc())))


def drafts() -> list[KnowledgeVersion]:
    return list(db.session.scalars(select(KnowledgeVersion).where(KnowledgeVersion.status == "draft")
                                   .options(selectinload(KnowledgeVersion.article).selectinload(KnowledgeArticle.unit))
                                   .order_by(KnowledgeVersion.id)))


def expired(unit_id: int | None = None, today: date | None = None) -> list[KnowledgeVersion]:
    q = _current().where(KnowledgeVersion.valid_until < (today or calendar.local_day(utcnow())))
    if unit_id:
        q = q.where(KnowledgeArticle.unit_id == unit_id)
    return list(db.session.scalars(q.options(selectinload(KnowledgeVersion.article)
                                             .selectinload(KnowledgeArticle.unit)).order_by(KnowledgeVersion.valid_until)))


def flag_expired(now=None) -> int:
    """The sweep: tell each unit once per expired current version (email to its handlers and unit lead)."""
    from portal.domain import notify

    now = now or utcnow()
    versions = [v for v in expired(today=calendar.local_day(now)) if v.expiry_flagged_at is None]
    emails = notify.unit_emails({v.article.unit_id for v in versions})
    queued = 0
    for v in versions:
        with force_locale("zh_Hans"):
            subject = gettext("Knowledge base: article expired — %(q)s", q=v.question[:60])
            body = gettext("[Fuyang 12345] The knowledge base article “%(q)s” of your unit was valid until %(day)s. "
                           "Check it and write an updated version, or ask the platform to retire it.",
                           q=v.question, day=v.valid_until.isoformat())
        for address in emails.get(v.article.unit_id, []):
            notify.queue("email", address, body, subject=subject)
            queued += 1
        v.expiry_flagged_at = now
    return len(versions)


# ---- citations ----------------------------------------------------------------------------------------------

def citation_data(version: KnowledgeVersion) -> dict:
    """What the answering event's data records: the article and the version number used."""
    return {"knowledge_article": version.article_id, "knowledge_version": version.number,
            "knowledge_version_id": version.id}


def cite(case: Case, version: KnowledgeVersion, actor: User | None) -> KnowledgeCitation:
    """Record that the answer given on `case` used `version`."""
    citation = KnowledgeCitation(case=case, version_id=version.id, actor_id=actor.id if actor else None, at=utcnow())
    db.session.add(citation)
    return citation


def citations_of(case: Case) -> list[KnowledgeCitation]:
    return list(db.session.scalars(select(KnowledgeCitation).where(KnowledgeCitation.case_id == case.id)
                                   .options(selectinload(KnowledgeCitation.version)
                                            .selectinload(KnowledgeVersion.article)
                                            .selectinload(KnowledgeArticle.unit))
                                   .order_by(KnowledgeCitation.id)))


# ---- public counters ----------------------------------------------------------------------------------------

def count(article_ids, kind: str, today: date | None = None) -> None:
    """Add one to today's counter `kind` of each article (an upsert done as update-then-insert)."""
    if kind not in KnowledgeDailyCount.KINDS:
        raise ValueError(kind)
    day = today or calendar.local_day(utcnow())
    for article_id in set(article_ids):
        updated = db.session.execute(update(KnowledgeDailyCount).where(
            KnowledgeDailyCount.day == day, KnowledgeDailyCount.article_id == article_id,
            KnowledgeDailyCount.kind == kind).values(count=KnowledgeDailyCount.count + 1)).rowcount
        if not updated:
            try:
                with db.session.begin_nested():
                    db.session.add(KnowledgeDailyCount(day=day, article_id=article_id, kind=kind, count=1))
            except Exception:  # noqa: BLE001 - someone inserted the row meanwhile: add to it
                db.session.execute(update(KnowledgeDailyCount).where(
                    KnowledgeDailyCount.day == day, KnowledgeDailyCount.article_id == article_id,
                    KnowledgeDailyCount.kind == kind).values(count=KnowledgeDailyCount.count + 1))


def totals(start: date | None = None, end: date | None = None) -> dict[str, int]:
    """{kind: count} over the period, plus "left_without_case" = viewed − submitted anyway (never below 0) and
    "answered_without_case" = that figure, at least the explicit "this answered my question" clicks."""
    q = select(KnowledgeDailyCount.kind, func.sum(KnowledgeDailyCount.count)).group_by(KnowledgeDailyCount.kind)
    if start:
        q = q.where(KnowledgeDailyCount.day >= start)
    if end:
        q = q.where(KnowledgeDailyCount.day <= end)
    out = {k: 0 for k in KnowledgeDailyCount.KINDS}
    out.update({k: int(v or 0) for k, v in db.session.execute(q)})
    out["left_without_case"] = max(out["viewed"] - out["submitted_anyway"], 0)
    out["answered_without_case"] = max(out["left_without_case"], out["answered"])
    return out


def cached_totals(start=None, end=None, refresh: bool = False) -> dict:
    """For the statistics page: questions answered by the common questions without a case, in a period (kept in
    the statistics cache with the other figures; `flask stats warm` refreshes it)."""
    from portal.domain import statistics

    key = f"knowledge:{statistics.CACHE_VERSION}:{start}:{end}"
    return statistics.cached(key, lambda: totals(start, end), refresh=refresh)
