"""The monthly topic (每月一题): one high-frequency, hard problem a month, governed as a whole and reported publicly.

Supervisors read proposals ranked from the last 12 months of data (category × county: volume, repeat calls,
dissatisfied ratings and re-handling), pick one for a month, name a lead unit and co-units, 2–3 concrete problems
and tasks with owners and working-day deadlines (the same calendar engine as cases), and publish it.

The public page shows only published topics and only figures (counts per month): never a case's text or a
citizen's name. "Before" is the six months before the topic's month, "since" is from the topic's month on.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.domain import atom, calendar, organisation, periods
from portal.extensions import db
from portal.models import Case, Category, MonthlyTopic, Region, TopicTask, Unit, User
from portal.models.base import utcnow

PROPOSALS = 15
BEFORE_MONTHS = 6
MAX_TASK_DAYS = 120
TASK_STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done")}
# weights of the proposal score: a repeat call, a dissatisfied rating and a re-handling say more than volume
WEIGHTS = {"volume": 1, "repeats": 2, "dissatisfied": 3, "rehandled": 2}


class TopicError(ValueError):
    """A topic that cannot be created or changed as asked (message for the user)."""


@dataclass
class Proposal:
    category: Category
    county: Region
    volume: int
    repeats: int
    dissatisfied: int
    rehandled: int
    score: int


def topic_categories() -> list[Category]:
    """The categories a topic can be about: the leaves of the tree (level 3) still in use."""
    return organisation.categories_in_tree_order(level=3)


def proposals(today: date | None = None, limit: int = PROPOSALS) -> list[Proposal]:
    """Category × county over the last 12 months, ranked by the weighted score (one aggregate query)."""
    today = today or calendar.local_day(utcnow())
    since = periods.add_months(periods.first_of_month(today), -11)
    volume = func.count()
    repeats = func.sum(sql_case((Case.repeat_of_id.is_not(None), 1), else_=0))
    dissatisfied = func.sum(sql_case((Case.satisfaction == "dissatisfied", 1), else_=0))
    rehandled = func.sum(sql_case((Case.rehandle_count > 0, 1), else_=0))
    score = (volume * WEIGHTS["volume"] + repeats * WEIGHTS["repeats"] + dissatisfied * WEIGHTS["dissatisfied"]
             + rehandled * WEIGHTS["rehandled"])
    rows = db.session.execute(
        select(Case.category_id, Case.county_id, volume, repeats, dissatisfied, rehandled, score)
        .where(Case.received_day >= since).group_by(Case.category_id, Case.county_id)
        .order_by(score.desc(), Case.category_id, Case.county_id).limit(limit)).all()
    categories = {c.id: c for c in db.session.scalars(select(Category).where(
        Category.id.in_({r[0] for r in rows})))}
    counties = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_({r[1] for r in rows})))}
    return [Proposal(categories[c], counties[k], int(v), int(rp or 0), int(d or 0), int(rh or 0), int(s or 0))
            for c, k, v, rp, d, rh, s in rows]


@dataclass
class TaskPlan:
    title: str
    unit_id: int
    days: int


def create(actor: User, *, month: date, title: str, summary: str, category_id: int, county_id: int | None,
           lead_unit_id: int, co_unit_ids: list[int], problems: list[str], tasks: list[TaskPlan]) -> MonthlyTopic:
    """A draft topic for `month` (one topic a month: a second one for the same month is refused)."""
    month = periods.first_of_month(month)
    if db.session.scalar(select(MonthlyTopic.id).where(MonthlyTopic.month == month)):
        raise TopicError(_("There is already a topic for this month."))
    problems = [p for p in problems if p]
    if not 2 <= len(problems) <= 3:
        raise TopicError(_("Name two or three concrete problems."))
    if not tasks:
        raise TopicError(_("Give the topic at least one task."))
    now = utcnow()
    topic = MonthlyTopic(month=month, title=title, summary=summary, category_id=category_id, county_id=county_id,
                         lead_unit_id=lead_unit_id, co_unit_ids=[u for u in co_unit_ids if u != lead_unit_id],
                         problems=problems, status="draft", created_at=now, created_by_id=actor.id)
    db.session.add(topic)
    for plan in tasks:
        db.session.add(TopicTask(topic=topic, title=plan.title, unit_id=plan.unit_id, status="planned",
                                 due_at=calendar.add_working_days(now, plan.days).due_at))
    db.session.flush()
    return topic


def publish(topic: MonthlyTopic) -> bool:
    """Make the topic public; False when it already was (posting twice publishes once)."""
    if topic.status == "published":
        return False
    topic.status, topic.published_at = "published", utcnow()
    return True


def set_task_status(task: TopicTask, status: str) -> None:
    if status not in TopicTask.STATUSES:
        raise TopicError(_("Choose a status from the list."))
    task.status = status
    task.done_at = utcnow() if status == "done" else None


def all_topics() -> list[MonthlyTopic]:
    return list(db.session.scalars(select(MonthlyTopic).options(selectinload(MonthlyTopic.category),
                                                                selectinload(MonthlyTopic.lead_unit))
                                   .order_by(MonthlyTopic.month.desc())))


def published_topics(limit: int = 50) -> list[MonthlyTopic]:
    return list(db.session.scalars(
        select(MonthlyTopic).where(MonthlyTopic.status == "published")
        .options(selectinload(MonthlyTopic.category), selectinload(MonthlyTopic.county),
                 selectinload(MonthlyTopic.lead_unit))
        .order_by(MonthlyTopic.month.desc()).limit(limit)))


def published_topic(topic_id: int) -> MonthlyTopic | None:
    topic = db.session.get(MonthlyTopic, topic_id)
    return topic if topic is not None and topic.status == "published" else None


def co_units(topic: MonthlyTopic) -> list[Unit]:
    ids = topic.co_unit_ids or []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id))) if ids else []


def tasks_of(topic: MonthlyTopic) -> list[TopicTask]:
    return list(db.session.scalars(select(TopicTask).where(TopicTask.topic_id == topic.id)
                                   .options(selectinload(TopicTask.unit)).order_by(TopicTask.id)))


# ---------------------------------------------------------------------------------------------- effect
def monthly_counts(topic: MonthlyTopic, today: date | None = None) -> list[dict]:
    """Cases a month in the topic's category (and county) from BEFORE_MONTHS before the topic's month to this month:
    [{"month", "count", "since": bool}]. Counts only: nothing about any one case."""
    today = today or calendar.local_day(utcnow())
    first = periods.add_months(topic.month, -BEFORE_MONTHS)
    last = max(periods.first_of_month(today), topic.month)
    query = select(Case.received_day, func.count()).where(
        Case.category_id == topic.category_id, Case.received_day >= first,
        Case.received_day < periods.add_months(last, 1)).group_by(Case.received_day)
    if topic.county_id:
        query = query.where(Case.county_id == topic.county_id)
    per_month = {}
    # grouping by month differs between databases: count the days, then fold them into months here
    for day, n in db.session.execute(query):
        day = periods.as_date(day)
        per_month[periods.first_of_month(day)] = per_month.get(periods.first_of_month(day), 0) + n
    rows, month = [], first
    while month <= last:
        rows.append({"month": month, "count": per_month.get(month, 0), "since": month >= topic.month})
        month = periods.add_months(month, 1)
    return rows


def effect_summary(rows: list[dict]) -> dict:
    before = [r["count"] for r in rows if not r["since"]]
    since = [r["count"] for r in rows if r["since"]]
    avg_before = round(sum(before) / len(before), 1) if before else 0
    avg_since = round(sum(since) / len(since), 1) if since else 0
    return {"before": sum(before), "since": sum(since), "avg_before": avg_before, "avg_since": avg_since}


# ---------------------------------------------------------------------------------------------- Atom
def atom_feed(items: list[MonthlyTopic], *, title: str, self_url: str, alternate_url: str, topic_url,
              author: str, lang: str = atom.CONTENT_LANG) -> bytes:
    """The published topics as an Atom feed (figures only: title and summary, never a case's text)."""
    entries = [atom.Entry(url=topic_url(t), title=t.title, published=t.published_at, summary=t.summary)
               for t in items]
    return atom.feed(entries, feed_id=alternate_url, title=title, self_url=self_url, alternate_url=alternate_url,
                     author=author, lang=lang)
