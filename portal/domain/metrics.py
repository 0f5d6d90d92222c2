"""Per-unit figures for a period (办理量, 响应率, 办结率, 按时办结率, 解决率, 满意度, 回退率, 重办率) and the
composite score. Every figure is a SQL aggregate computed here and nowhere else.

`unit_metrics(start_day, end_day)` runs a fixed number of GROUP BY queries (five, whatever the number of units or
cases) and returns, per unit, the volume and each rate as numerator and denominator.

Period
    Local dates in Asia/Shanghai, both ends included: `start_day` 00:00 up to `end_day + 1` 00:00 Beijing time.

Attribution (roll-up)
    With `roll_up=True` (the default, used for the rankings) a unit without a ranking group whose parent has one —
    a town/street office under its county government — counts for its parent: the office's cases are the county's
    cases. Town offices then have no figures of their own; with `roll_up=False` every unit stands alone.

Cohorts — each rate has its own, as the hotline's rules define them:

* volume 办理量 — (case, unit) pairs whose *first* lead assignment to the unit falls in the period: a `CaseUnit`
  row with role lead, written by assign, consult, keep and re-handling to a new unit. A case that comes back to the
  same unit (the dispatcher rules it keeps a returned case, a re-handling, a consultation that confirms the lead)
  is not counted again; a case returned and re-assigned counts once for each unit that received it.
* response 响应率 — of that volume, the pairs the unit took on within the sign-for limit (1 working day after the
  first assignment, on the official calendar): it signed for the case, or received it already under way (re-handling
  or a consultation on a case in handling, where the workflow signs for it). Returning a case is not taking it on:
  the case stays in the denominator (and counts in the return rate).
* completion 办结率 — (not the public statistics' 结案占比, closed ÷ received) cases whose current deadline (`Case.due_at`) falls in the period, by their current lead unit:
  closed (or archived) ÷ all of them. Merged duplicates are left out (they follow the earlier case). The figure is as
  of the moment of computing; a published snapshot freezes it.
* on-time 按时办结率 — replies the unit's lead approved (the `reply` event, when the case becomes "replied") in the
  period: replied on or before the deadline then in force ÷ replies. The deadline in force is the one set by the
  latest assign / consult / re-handle / approved extension before the reply (its `data["due_at"]`, the end of a
  local working day; that last second counts as in time). The reply records that deadline (its own
  `data["due_at"]`); replies written before it did are looked up.
* resolution 解决率, satisfaction 满意度 — citizens' ratings (`evaluate` events) in the period, each counted for the
  unit whose reply was rated (the latest `release` before it; the rating records it as `data["rated_unit_id"]`). resolution = rated "resolved" ÷ rated; satisfaction =
  (satisfied + basically satisfied) ÷ rated. Cases closed without a rating are not rated. A re-handled case rated
  twice counts twice: each rating judges one reply.
* return 回退率 — of the volume, the pairs the unit handed back to the dispatcher (a `return` event), at most once
  per pair.
* re-handling 重办率 — of the replies in the on-time cohort, those the citizen rejected and a supervisor sent back
  for re-handling (a `rehandle` event after that reply with no other reply in between) ÷ replies. The denominator is
  replies rather than assignments because only a replied case can be re-handled.

A rate whose denominator is 0 has no value (None, shown "—"), never 0 % or 100 %.

Composite score (0–100): a weighted mean of rates, weights from `app.config["RANKING_WEIGHTS"]` (default
`DEFAULT_WEIGHTS`: response 30, resolution 35, satisfaction 35). Rates where lower is better (return,
re-handling) enter as 1 − rate. A rate without a value is left out and the remaining weights are renormalised; a
unit with no assigned cases in the period (volume 0), or with no weighted rate at all, has no score and is not
ranked. Scores are rounded to two decimals before ranking, so equal figures tie exactly.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, func, literal, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from portal.domain import calendar, periods
from portal.domain.rates import Rate
from portal.extensions import db
from portal.models import Case, CaseEvent, CaseUnit, Unit

RATE_KEYS = ("response", "completion", "on_time", "resolution", "satisfaction", "return", "rehandling")
LOWER_IS_BETTER = frozenset({"return", "rehandling"})
DEFAULT_WEIGHTS = {"response": 30, "resolution": 35, "satisfaction": 35}

METRIC_LABELS = {
    "volume": _l("Cases assigned"),
    "response": _l("Response rate"),
    "completion": _l("Completion rate"),
    "on_time": _l("On-time rate"),
    "resolution": _l("Resolution rate"),
    "satisfaction": _l("Satisfaction"),
    "return": _l("Return rate"),
    "rehandling": _l("Re-handling rate"),
    "score": _l("Composite score"),
}
METRIC_DEFINITIONS = {
    "volume": _l("Cases first assigned to the unit as lead unit in the month (cases of town and street offices "
                 "count for their county)."),
    "response": _l("Signed for within 1 working day of assignment ÷ cases assigned."),
    "completion": _l("Closed ÷ cases whose deadline fell in the month."),
    "on_time": _l("Replies approved by the deadline ÷ replies approved in the month."),
    "resolution": _l("Citizens who said the matter was resolved ÷ ratings in the month."),
    "satisfaction": _l("Satisfied or basically satisfied ÷ ratings in the month."),
    "return": _l("Cases handed back to the dispatcher ÷ cases assigned (lower is better)."),
    "rehandling": _l("Replies the citizen rejected and that were sent back for re-handling ÷ replies approved "
                     "(lower is better)."),
    "score": _l("Weighted mean of the rates, 0–100; a rate without cases is left out and the other weights "
                "count in its place."),
}

# Events that set the handling deadline; each stores it in data["due_at"] (ISO, Beijing time).
DEADLINE_ACTIONS = ("assign", "consult", "rehandle", "approve_extension")


@dataclass
class UnitFigures:
    unit: Unit
    volume: int = 0
    rates: dict[str, Rate] = field(default_factory=lambda: {k: Rate(0, 0) for k in RATE_KEYS})

    @property
    def unit_id(self) -> int:
        return self.unit.id

    def as_dict(self) -> dict:
        return {"volume": self.volume, "rates": {k: r.as_dict() for k, r in self.rates.items()}}

    @classmethod
    def from_dict(cls, unit: Unit, data: dict) -> "UnitFigures":
        return cls(unit=unit, volume=data["volume"],
                   rates={k: Rate(r["num"], r["den"]) for k, r in data["rates"].items()})


# ---- SQL helpers --------------------------------------------------------------------------------------------

class deadline_end(FunctionElement):  # noqa: N801  (reads like a SQL function)
    """The last instant of a deadline stored as ISO text with its offset ("2026-10-19T23:59:59+08:00"): the
    deadline's second included, so `at <= deadline_end(...)` means "by the deadline". Comparable with UTC
    timestamp columns on both databases (SQLite keeps them as naive UTC text)."""

    type = String()
    name = "deadline_end"
    inherit_cache = True


@compiles(deadline_end)
def _deadline_end_sqlite(element, compiler, **kw):
    return "(datetime(%s) || '.999999')" % compiler.process(element.clauses, **kw)


@compiles(deadline_end, "postgresql")
def _deadline_end_postgresql(element, compiler, **kw):
    return ("(CAST(%s AS TIMESTAMP WITH TIME ZONE) + INTERVAL '999999 microseconds')"
            % compiler.process(element.clauses, **kw))


def sign_due_on(day: date) -> datetime:
    """The end of the sign-for limit (1 working day, official calendar) of an assignment made on a local day,
    inclusive to the microsecond."""
    return calendar.sign_for_deadline(datetime.combine(day, time(12), tzinfo=calendar.SHANGHAI)).due_at \
        + timedelta(microseconds=999999)


def _sign_due_of(assigned_at, start_day: date, end_day: date):
    """CASE giving the end of the sign-for limit (1 working day, official calendar) of an assignment made in the
    period: one branch per local day, evaluated once per (case, unit), not per event."""
    instant = Case.__table__.c.due_at.type
    whens, day = [], start_day
    while day <= end_day:
        next_midnight = calendar.midnight(day + timedelta(days=1))
        whens.append((assigned_at < literal(next_midnight, instant), literal(sign_due_on(day), instant)))
        day += timedelta(days=1)
    return case(*whens, else_=None)


def _ranking_key(unit, roll_up: bool):
    """The unit a row counts for: a town/street office (no ranking group, has a parent) counts for its parent."""
    if not roll_up:
        return unit.id
    return case((and_(unit.ranking_group.is_(None), unit.parent_id.is_not(None)), unit.parent_id), else_=unit.id)


def ranking_keys(roll_up: bool) -> dict[int, int]:
    """unit id → the unit its cases count for: `_ranking_key` for every unit, read once."""
    key = _ranking_key(Unit, roll_up)
    return dict(db.session.execute(select(Unit.id, key)).all())


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# ---- the figures --------------------------------------------------------------------------------------------

def unit_metrics(start_day: date, end_day: date, unit_ids=None, roll_up: bool = True) -> dict[int, UnitFigures]:
    """Figures of every unit (or of `unit_ids`) for local dates start_day..end_day: {unit id: UnitFigures}.

    Units without any case get zero counts (rates None). With `roll_up`, town/street offices are not listed unless
    asked for (their cases count for their county)."""
    if end_day < start_day:
        raise ValueError("end_day before start_day")
    start, end = periods.instants(start_day, end_day)
    wanted = set(unit_ids) if unit_ids is not None else None
    U = aliased(Unit, name="ru")
    key = _ranking_key(U, roll_up)

    # 1. assignment cohort: volume, response, return. A (case, unit) pair's first lead assignment is in the period
    # when it has one there and none before: lead rows of the period, less those whose case had an earlier lead row
    # for the same unit (looked up by case, so the cost follows the period's assignments, not the table's size).
    cu, ea, eau = aliased(CaseUnit, name="cu"), aliased(CaseUnit, name="ea"), aliased(Unit, name="eau")
    # (a scalar sub-select with LIMIT 1 rather than NOT EXISTS: PostgreSQL would turn that into a hash anti-join
    # over every earlier assignment in the table)
    assigned_before = (select(ea.id).join(eau, eau.id == ea.unit_id)
                       .where(ea.case_id == cu.case_id, ea.role == "lead", ea.assigned_at < start,
                              _ranking_key(eau, roll_up) == key).limit(1).scalar_subquery())
    first_at = func.min(cu.assigned_at)
    pairs = (select(cu.case_id.label("case_id"), key.label("unit_id"),
                    _sign_due_of(first_at, start_day, end_day).label("sign_due"))
             .join(U, U.id == cu.unit_id)
             .where(cu.role == "lead", cu.assigned_at >= start, cu.assigned_at < end, assigned_before.is_(None))
             .group_by(cu.case_id, key)
             .cte("pairs"))

    def first_event(condition, at_from, at_to=None):
        """(case, unit after rolling up, first time) of the events meeting `condition` in [at_from, at_to]: one
        range scan by (action, at), grouped on its own and hashed against the pairs, not a look-up per pair."""
        e, eu = aliased(CaseEvent, name="pe"), aliased(Unit, name="peu")
        unit_key = _ranking_key(eu, roll_up)
        window = [e.at >= at_from] + ([e.at <= at_to] if at_to is not None else [])
        return (select(e.case_id.label("case_id"), unit_key.label("unit_id"), func.min(e.at).label("at"))
                .join(eu, eu.id == e.unit_id).where(condition(e), *window)
                .group_by(e.case_id, unit_key).subquery())

    # took it on within the limit: signed for, or received it under way (re-handling, a consultation in
    # handling). A unit acts on a case after its first assignment (in the period) and by the last sign-for due
    # date of the period's assignments: the events looked at are those between.
    last_sign_due = sign_due_on(end_day)
    took_on = first_event(lambda e: or_(e.action.in_(("sign_for", "rehandle")),
                                        and_(e.action == "consult", e.from_state == "handling")),
                          start, last_sign_due)
    returned = first_event(lambda e: e.action == "return", start)

    def joined(sub):
        return and_(sub.c.case_id == pairs.c.case_id, sub.c.unit_id == pairs.c.unit_id)

    q_assigned = (select(pairs.c.unit_id, func.count(), _count_if(took_on.c.at <= pairs.c.sign_due),
                         func.count(returned.c.case_id))
                  .select_from(pairs).outerjoin(took_on, joined(took_on)).outerjoin(returned, joined(returned))
                  .group_by(pairs.c.unit_id))

    # 2. deadline cohort: completion
    q_due = (select(key, func.count(Case.id), _count_if(Case.state.in_(Case.CLOSED_STATES)))
             .select_from(Case).join(U, U.id == Case.lead_unit_id)
             .where(Case.due_at >= start, Case.due_at < end, Case.state != "merged")
             .group_by(key))

    # 3. reply cohort: on-time, re-handling
    r = aliased(CaseEvent, name="r")
    # the deadline in force: recorded on the reply (data["due_at"]); replies written before it was recorded look
    # up the latest deadline event before them (COALESCE evaluates that look-up only for those)
    dl, d = aliased(CaseEvent, name="dl"), aliased(CaseEvent, name="d")
    latest_deadline_id = (select(func.max(dl.id))
                          .where(dl.case_id == r.case_id, dl.action.in_(DEADLINE_ACTIONS), dl.id < r.id)
                          .correlate(r).scalar_subquery())
    looked_up = (select(d.data["due_at"].as_string()).where(d.id == latest_deadline_id)
                 .correlate(r).scalar_subquery())
    deadline = deadline_end(func.coalesce(r.data["due_at"].as_string(), looked_up))
    # rejected replies, found from the (rare) re-handlings of the period: the latest reply before each one
    x, y = aliased(CaseEvent, name="x"), aliased(CaseEvent, name="y")
    reply_before = (select(func.max(y.id)).where(y.case_id == x.case_id, y.action == "reply", y.id < x.id)
                    .correlate(x).scalar_subquery())
    rejected = (select(reply_before.label("id")).where(x.action == "rehandle", x.at >= start)
                .distinct().subquery("rejected"))
    q_replied = (select(key, func.count(r.id), _count_if(r.at <= deadline), func.count(rejected.c.id))
                 .select_from(r).join(U, U.id == r.unit_id).outerjoin(rejected, rejected.c.id == r.id)
                 .where(r.action == "reply", r.at >= start, r.at < end)
                 .group_by(key))

    # 4. rating cohort: resolution, satisfaction. The rated unit is recorded on the rating (data["rated_unit_id"]);
    # older ratings look up the unit of the latest release before them
    v, rl = aliased(CaseEvent, name="v"), aliased(CaseEvent, name="rl")
    released_by = (select(rl.unit_id).where(rl.case_id == v.case_id, rl.action == "release", rl.id < v.id)
                   .order_by(rl.id.desc()).limit(1).correlate(v).scalar_subquery())
    rated_unit = func.coalesce(v.data["rated_unit_id"].as_integer(), released_by)
    # grouped by the rated unit first, so that any look-up runs once per rating
    ratings = (select(rated_unit.label("unit_id"), func.count().label("n"),
                      _count_if(v.data["resolution"].as_string() == "resolved").label("resolved"),
                      _count_if(v.data["satisfaction"].as_string().in_(Case.SATISFIED)).label("satisfied"))
               .where(v.action == "evaluate", v.at >= start, v.at < end)
               .group_by(rated_unit)
               .subquery("ratings"))
    q_rated = (select(key, func.sum(ratings.c.n), func.sum(ratings.c.resolved), func.sum(ratings.c.satisfied))
               .select_from(ratings).join(U, U.id == ratings.c.unit_id)
               .group_by(key))

    if wanted is not None:
        q_assigned = q_assigned.where(pairs.c.unit_id.in_(wanted))
        q_due, q_replied, q_rated = (q.where(key.in_(wanted)) for q in (q_due, q_replied, q_rated))

    # 5. the units
    units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
    if wanted is not None:
        scope = [u for u in units if u.id in wanted]
    elif roll_up:
        by_id = {u.id: u for u in units}
        scope = [u for u in units if not (u.ranking_group is None and u.parent_id in by_id)]
    else:
        scope = list(units)
    result = {u.id: UnitFigures(unit=u) for u in scope}

    if db.session.get_bind().dialect.name == "postgresql":
        # a month's cohorts are sorted and hashed by the hundred thousand: room for that in memory, not on disk,
        # for this transaction only (the server default of 4 MB suits the pages' small queries)
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))

    def rows(query):
        for unit_id, *counts in db.session.execute(query):
            if unit_id in result:
                yield result[unit_id], [int(c or 0) for c in counts]

    for figures, (volume, responded_n, returned_n) in rows(q_assigned):
        figures.volume = volume
        figures.rates["response"] = Rate(responded_n, volume)
        figures.rates["return"] = Rate(returned_n, volume)
    for figures, (due_n, closed_n) in rows(q_due):
        figures.rates["completion"] = Rate(closed_n, due_n)
    for figures, (replied_n, on_time_n, rejected_n) in rows(q_replied):
        figures.rates["on_time"] = Rate(on_time_n, replied_n)
        figures.rates["rehandling"] = Rate(rejected_n, replied_n)
    for figures, (rated_n, resolved_n, satisfied_n) in rows(q_rated):
        figures.rates["resolution"] = Rate(resolved_n, rated_n)
        figures.rates["satisfaction"] = Rate(satisfied_n, rated_n)
    return result


def cached_unit_metrics(start_day: date, end_day: date, roll_up: bool = True,
                        refresh: bool = False) -> tuple[datetime, dict[int, UnitFigures]]:
    """(computed at, `unit_metrics` of every unit) from the shared cache, for pages that show live figures (the
    supervisors' ranking preview, a unit's own figures): at city scale a month takes seconds and a year far more.
    Kept RANKING_CACHE_SECONDS; `flask worker` recomputes this and last month's (see `flask stats warm`).
    Published rankings never use them: a snapshot is computed when it is taken."""
    from portal.domain import statistics

    def compute():
        figures = unit_metrics(start_day, end_day, roll_up=roll_up)
        return datetime.now(calendar.SHANGHAI), {uid: f.as_dict() for uid, f in figures.items()}

    key = f"unit-metrics:{statistics.CACHE_VERSION}:{start_day}:{end_day}:{roll_up}"
    computed_at, raw = statistics.cached(key, compute, refresh=refresh,
                                         timeout=current_app.config["RANKING_CACHE_SECONDS"])
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(list(raw))))}
    return computed_at, {uid: UnitFigures.from_dict(units[uid], d) for uid, d in raw.items() if uid in units}


# ---- the composite score ------------------------------------------------------------------------------------

def weights() -> dict[str, float]:
    """The composite's weights: app.config["RANKING_WEIGHTS"] or DEFAULT_WEIGHTS, checked."""
    configured = current_app.config.get("RANKING_WEIGHTS") or DEFAULT_WEIGHTS
    unknown = set(configured) - set(RATE_KEYS)
    if unknown:
        raise ValueError(f"RANKING_WEIGHTS: unknown rates {sorted(unknown)}; use {', '.join(RATE_KEYS)}")
    if any(w < 0 for w in configured.values()) or not any(w > 0 for w in configured.values()):
        raise ValueError("RANKING_WEIGHTS: weights must be >= 0 and at least one > 0")
    return {k: float(w) for k, w in configured.items() if w > 0}


def composite(figures: UnitFigures, weight_map: dict[str, float] | None = None) -> float | None:
    """0–100, or None when the unit had no assigned case or none of the weighted rates has a value."""
    if figures.volume == 0:
        return None
    weight_map = weights() if weight_map is None else weight_map
    total = weight_sum = 0.0
    for key, weight in weight_map.items():
        value = figures.rates[key].value
        if value is None or weight <= 0:
            continue
        total += weight * (1 - value if key in LOWER_IS_BETTER else value)
        weight_sum += weight
    return round(100 * total / weight_sum, 2) if weight_sum else None
