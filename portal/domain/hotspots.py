"""Hotspot warnings (热点预警): a kind of problem rising in one place, found before more people have to call.

The rule (a supervisor reads and tunes its figures on /staff/governance/settings; stored in `hotspot_settings`):

- The **window** is the last `window_days` days (default 7) up to and including today (Asia/Shanghai days).
- The **baseline** is the `baseline_weeks` weeks (default 8) just before the window, in the same category and the
  same town: that place's own history. Its count scaled to the window's length is the **expected** count.
- A category × town **fires** when, in the window, at least `min_count` (default 5) cases share the subject and
  their number is at least `ratio_threshold` (default 3) times the expected count.
- **Similar text**: the cases of the window are cut into words with jieba, as search does
  (portal.domain.search.words). The **top words** are the words most of them share (generic words and the names of
  the category and the town left out). The cases that contain at least one of the top words are the warning's
  cases; the counts above are counted on them, so that a handful of unrelated reports in the same place does not
  make a cluster.

Cost: one SQL aggregate over the window and baseline days (`GROUP BY category_id, town_id`, served index-only by
`ix_case_hotspot_day_category_town` on (received_day, category_id, town_id)), so the nightly scan reads about
(window + baseline) days of cases whatever the size of the whole table (about 126,000 index entries at 2,000
cases a day), then segments the text of the few groups whose raw count already passes the thresholds
(at most `MAX_CASES_READ` cases each). Every case is counted, merged duplicates too: each one is a report.

Idempotent: a warning that is not closed holds `open_key` = "category:town" (unique in the database); a new scan
refreshes that warning's figures and cases instead of adding another. Once closed, a later rise makes a new one.

`scan()` is the plain function the background worker calls every night; `flask hotspots scan` runs it on demand.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case

from portal.domain import calendar, periods, routing, scope, search
from portal.extensions import db
from portal.models import Case, Category, HotspotSettings, HotspotWarning, Region, Unit, User
from portal.models.base import utcnow

DEFAULTS = {"window_days": 7, "baseline_weeks": 8, "ratio_threshold": 3.0, "min_count": 5}
LIMITS = {"window_days": (1, 31), "baseline_weeks": (1, 52), "ratio_threshold": (1.0, 50.0), "min_count": (2, 1000)}
TOP_WORDS = 5
MATCH_WORDS = 5  # a case belongs to the cluster when it contains one of the first MATCH_WORDS top words
MAX_CASES_READ = 500
# Words every complaint uses; they say nothing about the subject.
GENERIC_WORDS = frozenset("""问题 反映 希望 请求 请 尽快 处理 解决 部门 有关 相关 帮忙 协调 市民 群众 居民 周边 附近
影响 严重 一直 已经 多次 恳请 重视 核实 答复 给予 情况 存在 目前 现在 没有 不能 无法 一下 一个 这个 那个 我们 你们
他们 什么 时候 怎么 为什么 投诉 举报 建议 咨询 要求 持续 出现 发生 导致 造成 很多 非常 天天 每天 今天 昨天 最近 小区 门前 旁边""".split())


@dataclass
class Rule:
    window_days: int
    baseline_weeks: int
    ratio_threshold: float
    min_count: int

    def window(self, today: date) -> tuple[date, date, date]:
        """(baseline start, window start, window end): baseline = [baseline start, window start)."""
        start = today - timedelta(days=self.window_days - 1)
        return start - timedelta(weeks=self.baseline_weeks), start, today

    def expected(self, baseline_count: int) -> float:
        return baseline_count * self.window_days / (7 * self.baseline_weeks)

    def fires(self, recent: int, baseline_count: int) -> bool:
        return recent >= self.min_count and recent >= self.ratio_threshold * self.expected(baseline_count)


@dataclass
class ScanResult:
    groups_read: int = 0
    created: list[HotspotWarning] = field(default_factory=list)
    refreshed: list[HotspotWarning] = field(default_factory=list)


def current_rule() -> Rule:
    row = db.session.get(HotspotSettings, 1)
    if row is None:
        return Rule(**DEFAULTS)
    return Rule(row.window_days, row.baseline_weeks, row.ratio_threshold, row.min_count)


def settings_row() -> HotspotSettings | None:
    return db.session.get(HotspotSettings, 1)


def save_rule(rule: Rule, actor: User) -> None:
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(rule, name) <= high:
            raise ValueError(name)
    row = db.session.get(HotspotSettings, 1) or HotspotSettings(id=1)
    row.window_days, row.baseline_weeks = rule.window_days, rule.baseline_weeks
    row.ratio_threshold, row.min_count = rule.ratio_threshold, rule.min_count
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.add(row)


# ---------------------------------------------------------------------------------------------- the rule
def candidate_groups(rule: Rule, today: date) -> list[tuple[int, int, int, int]]:
    """(category_id, town_id, recent, baseline) of every group whose raw recent count could fire: one aggregate."""
    base_start, start, end = rule.window(today)
    recent = func.sum(sql_case((Case.received_day >= start, 1), else_=0))
    baseline = func.sum(sql_case((Case.received_day < start, 1), else_=0))
    query = (select(Case.category_id, Case.town_id, recent, baseline)
             .where(Case.received_day >= base_start, Case.received_day <= end, Case.town_id.is_not(None))
             .group_by(Case.category_id, Case.town_id)
             .having(recent >= rule.min_count))
    return [(c, t, int(r), int(b)) for c, t, r, b in db.session.execute(query)
            if rule.fires(int(r), int(b))]


def _subject_words(category: Category | None, town: Region | None) -> set[str]:
    names = " ".join(filter(None, [category.name_zh if category else "", category.parent.name_zh
                                   if category and category.parent else "", town.name_zh if town else ""]))
    return set(search.words(names))


def top_words(texts: list[str], exclude: set[str] = frozenset(), limit: int = TOP_WORDS) -> list[tuple[str, int]]:
    """The words shared by most texts (document frequency), at least two characters, generic words left out."""
    counts = Counter()
    for value in texts:
        counts.update({w for w in search.words(value)
                       if len(w) >= 2 and w not in GENERIC_WORDS and w not in exclude and not w.isdigit()})
    return [(w, n) for w, n in counts.most_common() if n >= 2][:limit]


def cluster(rule: Rule, category_id: int, town_id: int, today: date) -> dict | None:
    """The similar-text cluster of one group's window, or None when too few cases share a subject."""
    _, start, end = rule.window(today)
    rows = db.session.execute(
        select(Case.id, Case.title, Case.description, Case.confidential).where(
            Case.category_id == category_id, Case.town_id == town_id,
            Case.received_day >= start, Case.received_day <= end)
        .order_by(Case.id.desc()).limit(MAX_CASES_READ)).all()
    texts = {row.id: f"{row.title} {row.description}" for row in rows}
    # the words are shown to everyone who sees the warning: only cases that are not confidential supply them
    shareable = [texts[row.id] for row in rows if not row.confidential]
    words = top_words(shareable, _subject_words(db.session.get(Category, category_id),
                                                db.session.get(Region, town_id)))
    if not words:
        return None
    key_words = {w for w, _ in words[:MATCH_WORDS]}
    members = sorted(cid for cid, value in texts.items() if key_words & set(search.words(value)))
    return {"case_ids": members, "top_words": [[w, n] for w, n in words]}


def responsible_unit(category_id: int, town_id: int) -> Unit | None:
    """The routing table's unit for the category in the town's county; else the town's own office."""
    town = db.session.get(Region, town_id)
    county_id = town.parent_id if town else None

    class _Probe:  # routing.suggest_unit reads only these two attributes
        pass

    probe = _Probe()
    probe.category_id, probe.county_id = category_id, county_id
    unit = routing.suggest_unit(probe)
    if unit is None:
        unit = db.session.scalar(select(Unit).where(Unit.region_id == town_id, Unit.retired_at.is_(None)))
    return unit


def scan(today: date | None = None, rule: Rule | None = None) -> ScanResult:
    """The nightly job: find the groups that fire, create or refresh one open warning per category × town."""
    rule = rule or current_rule()
    today = today or calendar.local_day(utcnow())
    base_start, start, end = rule.window(today)
    result = ScanResult()
    for category_id, town_id, _recent, baseline in candidate_groups(rule, today):
        result.groups_read += 1
        found = cluster(rule, category_id, town_id, today)
        if found is None or not rule.fires(len(found["case_ids"]), baseline):
            continue
        key = f"{category_id}:{town_id}"
        warning = db.session.scalar(select(HotspotWarning).where(HotspotWarning.open_key == key))
        if warning is None:
            town = db.session.get(Region, town_id)
            unit = responsible_unit(category_id, town_id)
            warning = HotspotWarning(category_id=category_id, town_id=town_id, county_id=town.parent_id or town_id,
                                     unit_id=unit.id if unit else None, open_key=key, status="open",
                                     detected_at=utcnow(), case_ids=[])
            db.session.add(warning)
            result.created.append(warning)
        else:
            result.refreshed.append(warning)
        warning.window_start, warning.window_end, warning.baseline_weeks = start, end, rule.baseline_weeks
        warning.recent_count = len(found["case_ids"])
        warning.baseline_count = baseline
        warning.expected = round(rule.expected(baseline), 2)
        warning.ratio_threshold, warning.min_count = rule.ratio_threshold, rule.min_count
        warning.top_words = found["top_words"]
        warning.case_ids = sorted(set(warning.case_ids or []) | set(found["case_ids"]))
        warning.refreshed_at = utcnow()
    db.session.flush()
    return result


def baseline_start_of(warning: HotspotWarning) -> date:
    return warning.window_start - timedelta(weeks=warning.baseline_weeks)


def window_cases(warning: HotspotWarning, viewer: User, limit: int = 200) -> list[Case]:
    """The warning's cases that `viewer` may see (scope: a unit's staff see their own unit's cases, never another
    unit's or a confidential one they do not handle), newest first (for the explanation)."""
    ids = list(warning.case_ids or [])[-limit:]
    if not ids:
        return []
    return list(db.session.scalars(scope.visible_cases(viewer).where(Case.id.in_(ids))
                                   .order_by(Case.received_at.desc())))


def weekly_counts(warning: HotspotWarning) -> list[tuple[date, int]]:
    """Cases a week in the category × town over the baseline and the window (the explanation's small table)."""
    start = baseline_start_of(warning)
    rows = db.session.execute(select(Case.received_day, func.count()).where(
        and_(Case.category_id == warning.category_id, Case.town_id == warning.town_id,
             Case.received_day >= start, Case.received_day <= warning.window_end))
        .group_by(Case.received_day)).all()
    weeks: dict[date, int] = {}
    for day, n in rows:
        day = periods.as_date(day)
        index = (day - start).days // 7
        week = start + timedelta(weeks=index)
        weeks[week] = weeks.get(week, 0) + n
    return [(start + timedelta(weeks=i), weeks.get(start + timedelta(weeks=i), 0))
            for i in range(((warning.window_end - start).days // 7) + 1)]
