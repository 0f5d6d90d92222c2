"""Public statistics (亮晒): received, closed, share closed (结案占比), satisfaction (满意度), daily average; by channel,
county and top-level category; monthly trend. Each figure is one GROUP BY query over the daily counts of a period.

Definitions (cases *received in the period* form the cohort every figure is about):
- received: cases whose `received_day` (the Asia/Shanghai calendar day of receipt) lies in the period;
- closed: those of them now closed or archived;
- share closed (结案占比) = closed ÷ received. Not the units' 办结率 (completion rate, closed ÷ cases whose
  deadline fell in the period), which `portal.domain.metrics` computes for the rankings;
- satisfaction = (satisfied + basically satisfied) ÷ rated (cases with a citizen's rating);
- daily average = received ÷ days in the period (up to today for the current year/month);
- repeat calls: received cases linked to an earlier case of the same caller about the same matter
  (`repeat_of_id`, see portal.domain.callers); "excluding repeat calls" = received − repeat calls.

The figures are sums over the pre-aggregated daily counts (`DailyCaseCount`, kept current by
`portal.domain.daily_counts` in the transaction that changes a case): a year is at most 366 × (channels + counties +
categories) small rows, whatever the number of cases. Days and month buckets come from `received_day`, which is
already the Shanghai date, so a case received at 23:30 on 31 October in Fuyang counts in October whatever the
server's time zone.

The figures are cached (Flask-Caching, `portal.extensions.cache`, bound by `init_cache(app)` in the factory); Redis
when REDIS_URL is set, else in-process memory; tests get no cache unless they ask for one (`STATS_CACHE_TYPE`).
"""
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, and_, cast, func, select
from sqlalchemy.orm import aliased

from portal.domain import daily_counts  # noqa: F401  (the listener that keeps DailyCaseCount current)
from portal.domain.periods import PeriodError, add_months, first_of_month, last_of_month, parse_month, today
from portal.domain.rates import ratio
from portal.extensions import cache, db
from portal.models import Case, Category, DailyCaseCount, Region

CACHE_VERSION = "v4"  # bump when the shape of the cached figures changes

def clear_cache() -> None:
    cache.clear()


def cached(key: str, compute, refresh: bool = False, timeout: int | None = None):
    """The cached value, or compute and store it (always, with `refresh`: `flask stats warm`), for `timeout`
    seconds (default STATS_CACHE_TIMEOUT). A cache that is down (Redis restarting) only costs speed."""
    try:
        value = None if refresh else cache.get(key)
    except Exception:  # noqa: BLE001
        current_app.logger.warning("statistics cache unavailable", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=timeout)
        except Exception:  # noqa: BLE001
            current_app.logger.warning("statistics cache unavailable", exc_info=True)
    return value


# ---------------------------------------------------------------------------------------------- periods
PERIOD_LABELS = {"year": _l("This year"), "12m": _l("Last 12 months"), "month": _l("A month")}


@dataclass(frozen=True)
class Period:
    kind: str  # year / 12m / month
    start: date  # first day, inclusive
    end: date  # last day, inclusive (today for a period still running)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.start.isoformat()}:{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"


def period(kind: str = "year", month: str | None = None, on: date | None = None) -> Period:
    """This year (1 January to today), the last 12 months (12 calendar months including this one) or a month."""
    on = on or today()
    if kind == "year":
        return Period("year", date(on.year, 1, 1), on)
    if kind == "12m":
        return Period("12m", add_months(on, -11), on)
    if kind == "month":
        start = parse_month(month or f"{on:%Y-%m}")
        if start > on:
            raise PeriodError(str(_l("That month has not begun yet.")))
        return Period("month", start, min(last_of_month(start), on))
    raise PeriodError(str(_l("Choose one of the periods offered.")))


def trend_period(p: Period) -> Period:
    """The months the trend chart covers: the period's own months, or the 12 months up to a chosen month."""
    if p.kind == "month":
        return Period("month-trend", add_months(p.start, -11), p.end)
    return p


# ---------------------------------------------------------------------------------------------- SQL pieces
T = DailyCaseCount  # the figures are sums of its rows (portal.domain.daily_counts keeps them current)


def _measures():
    """received, closed, satisfied (incl. basically), rated: the four numbers every row carries."""
    return tuple(func.coalesce(func.sum(getattr(T, m)), 0).label(m)
                 for m in ("received", "closed", "satisfied", "rated"))


def _rows_of(dimension: str, p: Period):
    """The table's rows of one dimension over the period's days (every case is in each dimension once)."""
    return and_(T.dimension == dimension, T.day.between(p.start, p.end))


def _member_id():
    return cast(T.member, Integer)


def month_bucket(column):
    """The month of a DATE column as an expression both databases group by; `month_key` turns it into "YYYY-MM"."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return func.date_trunc("month", cast(column, DateTime(timezone=False)))
    return func.strftime("%Y-%m", column)


def month_key(value) -> str:
    if isinstance(value, str):
        return value[:7]
    return f"{value:%Y-%m}"


def _row(key, received, closed, satisfied, rated, **labels) -> dict:
    """A plain dict (cache-friendly, pickles into Redis) with the figures and the derived rates."""
    received, closed, satisfied, rated = int(received or 0), int(closed or 0), int(satisfied or 0), int(rated or 0)
    return {"key": key, "received": received, "closed": closed, "satisfied": satisfied, "rated": rated,
            "share_closed": ratio(closed, received), "satisfaction": ratio(satisfied, rated), **labels}


# ---------------------------------------------------------------------------------------------- figures
def totals(p: Period) -> dict:
    """One query: the headline figures of the period."""
    row = db.session.execute(select(*_measures(), func.coalesce(func.sum(T.repeat_calls), 0))
                             .where(_rows_of("channel", p))).one()
    result = _row("total", *row[:4])
    # repeat calls (重复件: the same caller about the same matter within days) are counted apart
    result["repeat_calls"] = int(row[4] or 0)
    result["received_excluding_repeats"] = result["received"] - result["repeat_calls"]
    result["days"] = p.days
    result["daily_average"] = result["received"] / p.days if p.days else 0.0
    return result


def by_channel(p: Period) -> list[dict]:
    """One query: every channel in the model's order, with zeros for channels without cases."""
    rows = {r.member: r for r in db.session.execute(
        select(T.member, *_measures()).where(_rows_of("channel", p)).group_by(T.member))}
    out = []
    for channel in Case.CHANNELS:
        r = rows.pop(channel, None)
        out.append(_row(channel, *(r[1:] if r else (0, 0, 0, 0))))
    for channel, r in sorted(rows.items()):  # a channel the model no longer lists still counts
        if r.received:
            out.append(_row(channel, *r[1:]))
    return out


def by_county(p: Period) -> list[dict]:
    """One query: every county (Region level 1), aggregated first and then joined to the regions."""
    agg = (select(_member_id().label("county_id"), *_measures()).where(_rows_of("county", p))
           .group_by(T.member).subquery())
    rows = db.session.execute(
        select(Region.id, Region.name_zh, Region.name_en, agg.c.received, agg.c.closed, agg.c.satisfied,
               agg.c.rated)
        .outerjoin(agg, agg.c.county_id == Region.id)
        .where(Region.parent_id.is_(None)).order_by(Region.sort, Region.id))
    return [_row(r.id, r.received, r.closed, r.satisfied, r.rated, name_zh=r.name_zh, name_en=r.name_en)
            for r in rows]


def _category_tree():
    """Aliases leaf, parent, grandparent and the top-level id (first non-null walking up) for joins in SQL."""
    leaf, parent, grand = aliased(Category), aliased(Category), aliased(Category)
    top_id = func.coalesce(grand.id, parent.id, leaf.id)
    return leaf, parent, grand, top_id


def by_category(p: Period, limit: int | None = None) -> list[dict]:
    """One query: counts by leaf category, rolled up to the top-level category through the tree."""
    agg = (select(_member_id().label("category_id"), *_measures()).where(_rows_of("category", p))
           .group_by(T.member).subquery())
    leaf, parent, grand, top_id = _category_tree()
    rolled = (select(top_id.label("top_id"), func.sum(agg.c.received).label("received"),
                     func.sum(agg.c.closed).label("closed"), func.sum(agg.c.satisfied).label("satisfied"),
                     func.sum(agg.c.rated).label("rated"))
              .select_from(agg)
              .join(leaf, leaf.id == agg.c.category_id)
              .outerjoin(parent, parent.id == leaf.parent_id)
              .outerjoin(grand, grand.id == parent.parent_id)
              .group_by(top_id).subquery())
    top = aliased(Category)
    received = func.coalesce(rolled.c.received, 0)
    query = (select(top.id, top.name_zh, top.name_en, received, rolled.c.closed, rolled.c.satisfied,
                    rolled.c.rated)
             .outerjoin(rolled, rolled.c.top_id == top.id)
             .where(top.parent_id.is_(None)))
    if limit:
        query = query.where(received > 0).order_by(received.desc(), top.sort, top.id).limit(limit)
    else:
        query = query.order_by(top.sort, top.id)
    return [_row(r[0], *r[3:], name_zh=r[1], name_en=r[2]) for r in db.session.execute(query)]


def top_issues(p: Period, limit: int = 5) -> list[dict]:
    """One query: the leaf categories raised most often, with their top-level category's names."""
    received_sum = func.sum(T.received)
    agg = (select(_member_id().label("category_id"), received_sum.label("received"))
           .where(_rows_of("category", p)).group_by(T.member).having(received_sum > 0)
           .order_by(received_sum.desc(), _member_id()).limit(limit).subquery())
    leaf, parent, grand, top_id = _category_tree()
    top = aliased(Category)
    rows = db.session.execute(
        select(leaf.id, leaf.name_zh, leaf.name_en, top.id, top.name_zh, top.name_en, agg.c.received)
        .select_from(agg)
        .join(leaf, leaf.id == agg.c.category_id)
        .outerjoin(parent, parent.id == leaf.parent_id)
        .outerjoin(grand, grand.id == parent.parent_id)
        .join(top, top.id == top_id)
        .order_by(agg.c.received.desc(), leaf.id))
    return [{"key": r[0], "name_zh": r[1], "name_en": r[2], "top_id": r[3], "top_name_zh": r[4],
             "top_name_en": r[5], "received": int(r[6])} for r in rows]


def monthly_trend(p: Period) -> list[dict]:
    """One query: every month of the period (zeros included), bucketed on the Shanghai date of receipt."""
    bucket = month_bucket(T.day).label("bucket")
    rows = {month_key(r[0]): r for r in db.session.execute(
        select(bucket, *_measures()).where(_rows_of("channel", p)).group_by(bucket))}
    out, month = [], first_of_month(p.start)
    while month <= p.end:
        key = f"{month:%Y-%m}"
        r = rows.get(key)
        out.append(_row(key, *(r[1:] if r else (0, 0, 0, 0)), month=month))
        month = add_months(month, 1)
    return out


def figures(p: Period, refresh: bool = False) -> dict:
    """Everything the statistics page shows for a period (5 queries), cached."""
    def compute():
        return {"period": p, "totals": totals(p), "channels": by_channel(p), "counties": by_county(p),
                "categories": by_category(p), "trend": monthly_trend(trend_period(p)),
                "trend_period": trend_period(p)}
    return cached(f"{CACHE_VERSION}:figures:{p.key}", compute, refresh)


def hot_topics(on: date | None = None, limit: int = 5, refresh: bool = False) -> dict:
    """"Most raised this month": top-level categories, counties and specific issues by cases received (3 queries),
    cached. Counts only: no case is shown, so every case counts, confidential ones included."""
    p = period("month", on=on)

    def compute():
        counties = [c for c in by_county(p) if c["received"]]
        counties.sort(key=lambda c: -c["received"])
        return {"period": p, "categories": by_category(p, limit=limit), "counties": counties[:limit],
                "issues": top_issues(p, limit=limit), "total": sum(c["received"] for c in counties)}
    return cached(f"{CACHE_VERSION}:hot:{p.key}:{limit}", compute, refresh)
