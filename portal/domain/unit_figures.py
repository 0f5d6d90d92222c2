"""A unit's own figures (this month, last month, this year) with its rank, and the cases behind each number.

The figures are `portal.domain.metrics.unit_metrics` — the rankings' formulas, nothing recomputed here — and the
rank is the rankings' competition rank within the unit's group (`rankings.rank_group` over `metrics.composite`).

`cohort(unit, period, metric)` lists the cases behind one figure: the cohort (denominator) and, marked on each
case, whether it counts in the numerator. It follows metrics.py's definitions case by case (see that module's
docstring); tests/test_unit_figures.py checks that its counts equal `unit_metrics` for every unit and metric.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.domain import calendar, metrics, periods, rankings
from portal.extensions import db
from portal.models import Case, CaseEvent, CaseUnit, Unit

PERIODS = ("this_month", "last_month", "year")
PERIOD_LABELS = {"this_month": _l("This month"), "last_month": _l("Last month"), "year": _l("This year")}
METRICS = ("volume",) + metrics.RATE_KEYS
RESPONDED = ("sign_for", "rehandle")


@dataclass
class Period:
    key: str
    start: date
    end: date

    @property
    def label(self):
        return PERIOD_LABELS[self.key]


def period(key: str, today: date | None = None) -> Period:
    today = today or periods.today()
    if key == "this_month":
        return Period(key, *periods.month_bounds(today))
    if key == "last_month":
        return Period(key, *periods.month_bounds(periods.add_months(today, -1)))
    if key == "year":
        return Period(key, date(today.year, 1, 1), date(today.year, 12, 31))
    raise ValueError(key)


def rolls_up(unit: Unit) -> bool:
    """A town/street office has no ranking of its own: its cases count for its county (metrics' roll-up)."""
    return unit.ranking_group is not None or unit.parent_id is None


@dataclass
class PeriodFigures:
    period: Period
    figures: metrics.UnitFigures
    score: float | None
    rank: int | None
    ranked: int  # units ranked in the group


def figures_for(unit: Unit, today: date | None = None) -> list[PeriodFigures]:
    out = []
    weight_map = metrics.weights()
    for key in PERIODS:
        p = period(key, today)
        if not rolls_up(unit):  # a town office: its own cases, no rank
            f = metrics.cached_unit_metrics(p.start, p.end, roll_up=False)[1].get(unit.id) \
                or metrics.UnitFigures(unit=unit)
            out.append(PeriodFigures(p, f, metrics.composite(f, weight_map), None, 0))
            continue
        every = metrics.cached_unit_metrics(p.start, p.end)[1]  # live figures, shared cache (see metrics)
        rows = [rankings.TableRow(unit_id=f.unit.id, group=f.unit.ranking_group, name_zh=f.unit.name_zh,
                                  name_en=f.unit.name_en or "", rank=None, bottom_rank=None, position=None,
                                  volume=f.volume, rates={}, score=metrics.composite(f, weight_map))
                for f in every.values() if unit.ranking_group and f.unit.ranking_group == unit.ranking_group]
        ranked = rankings.rank_group(rows, rankings.positions().get(unit.ranking_group, 3)) if rows else []
        mine = next((r for r in ranked if r.unit_id == unit.id), None)
        f = every.get(unit.id) or metrics.UnitFigures(unit=unit)
        out.append(PeriodFigures(p, f, metrics.composite(f, weight_map), mine.rank if mine else None,
                                 sum(1 for r in ranked if r.rank is not None)))
    return out


# ---- the cases behind a figure ------------------------------------------------------------------------------

def _deadline_end(iso: str | None) -> datetime | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso) + timedelta(microseconds=999999)


def _sign_due(first_at: datetime) -> datetime:
    return metrics.sign_due_on(calendar.local_day(first_at))


def _events(case_ids, actions=None) -> dict[int, list[CaseEvent]]:
    out: dict[int, list[CaseEvent]] = {}
    ids = list(case_ids)
    for i in range(0, len(ids), 500):
        q = select(CaseEvent).where(CaseEvent.case_id.in_(ids[i:i + 500]))
        if actions:
            q = q.where(CaseEvent.action.in_(actions))
        for e in db.session.scalars(q.order_by(CaseEvent.id)):
            out.setdefault(e.case_id, []).append(e)
    return out


def cohort(unit: Unit, p: Period, metric: str) -> list[tuple[int, bool]]:
    """[(case id, counts in the numerator)] behind `metric` for `unit` in period `p`, one entry per item the figure
    counts (a case replied or rated twice in the period appears twice, as in the metrics)."""
    roll_up = rolls_up(unit)
    key = metrics.ranking_keys(roll_up)
    start, end = periods.instants(p.start, p.end)
    target = unit.id
    if metric in ("volume", "response", "return"):
        touched = select(CaseUnit.case_id).where(CaseUnit.role == "lead", CaseUnit.assigned_at >= start,
                                                 CaseUnit.assigned_at < end)
        first: dict[int, datetime] = {}
        for cu in db.session.scalars(select(CaseUnit).where(CaseUnit.role == "lead", CaseUnit.case_id.in_(touched))):
            if key.get(cu.unit_id) == target and (cu.case_id not in first or cu.assigned_at < first[cu.case_id]):
                first[cu.case_id] = cu.assigned_at
        pairs = {cid: at for cid, at in first.items() if start <= at < end}
        if metric == "volume":
            return [(cid, True) for cid in pairs]
        events = _events(pairs, ("sign_for", "rehandle", "consult", "return"))
        out = []
        for cid, at in pairs.items():
            mine = [e for e in events.get(cid, []) if e.unit_id is not None and key.get(e.unit_id) == target]
            if metric == "return":
                out.append((cid, any(e.action == "return" for e in mine)))
            else:
                due = _sign_due(at)
                out.append((cid, any((e.action in RESPONDED or (e.action == "consult" and e.from_state == "handling"))
                                     and e.at <= due for e in mine)))
        return out
    if metric == "completion":
        rows = db.session.execute(select(Case.id, Case.state, Case.lead_unit_id).where(
            Case.due_at >= start, Case.due_at < end, Case.state != "merged", Case.lead_unit_id.is_not(None))).all()
        return [(r.id, r.state in Case.CLOSED_STATES) for r in rows if key.get(r.lead_unit_id) == target]
    if metric in ("on_time", "rehandling"):
        replies = [e for e in db.session.scalars(select(CaseEvent).where(
            CaseEvent.action == "reply", CaseEvent.at >= start, CaseEvent.at < end, CaseEvent.unit_id.is_not(None)))
            if key.get(e.unit_id) == target]
        events = _events({r.case_id for r in replies}, metrics.DEADLINE_ACTIONS + ("reply", "rehandle"))
        out = []
        for r in replies:
            history = events.get(r.case_id, [])
            if metric == "on_time":
                earlier = [d for d in history if d.action in metrics.DEADLINE_ACTIONS and d.id < r.id]
                deadline = _deadline_end((earlier[-1].data or {}).get("due_at")) if earlier else None
                hit = deadline is not None and r.at <= deadline
            else:
                later = [x for x in history if x.id > r.id and x.action in ("reply", "rehandle")]
                hit = bool(later) and later[0].action == "rehandle"
            out.append((r.case_id, hit))
        return out
    if metric in ("resolution", "satisfaction"):
        ratings = list(db.session.scalars(select(CaseEvent).where(
            CaseEvent.action == "evaluate", CaseEvent.at >= start, CaseEvent.at < end)))
        releases = _events({v.case_id for v in ratings}, ("release",))
        out = []
        for v in ratings:
            before = [e for e in releases.get(v.case_id, []) if e.id < v.id]
            if not before or before[-1].unit_id is None or key.get(before[-1].unit_id) != target:
                continue
            data = v.data or {}
            hit = data.get("resolution") == "resolved" if metric == "resolution" \
                else data.get("satisfaction") in Case.SATISFIED
            out.append((v.case_id, hit))
        return out
    raise ValueError(metric)


def cohort_counts(unit: Unit, p: Period, metric: str) -> tuple[int, int]:
    """(numerator, denominator) of the figure, from the cases behind it."""
    items = cohort(unit, p, metric)
    return sum(1 for _cid, hit in items if hit), len(items)
