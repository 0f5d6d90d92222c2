"""Daily case counts: the public statistics pre-aggregated per local day of receipt (`DailyCaseCount`).

A case counts on the day it was received (`Case.received_day`, the Asia/Shanghai date) in one row per dimension:
its channel, its county, its (leaf) category. Each row holds the *current* figures of those cases, the ones
`portal.domain.statistics` defines: received, closed (closed or archived), satisfied (satisfied or basically
satisfied), rated (has a rating), repeat calls. A period's figures are sums of rows: at most 366 days × (7 channels
+ 8 counties + the leaf categories), whatever the number of cases.

Kept current in the transaction that changes a case: an `after_flush` listener compares, for every case the flush
inserted, changed or deleted, what the case contributed before the flush with what it contributes now (SQLAlchemy's
attribute history of the columns the figures read), and adds the difference with one upsert
(`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, on SQLite and PostgreSQL alike). So intake, every workflow
step (a rating, a re-handling that clears it, closing, archiving, merging) and any later change of channel, county
or category move the counts without the workflow knowing about them. Writes that bypass the ORM (the benchmark
generator's COPY, a manual UPDATE) are repaired with `rebuild()` (`flask stats rebuild-daily`), which recomputes the
rows from the cases in set-based SQL; `differences()` (`flask stats check-daily`) lists rows that disagree.
"""
from datetime import date

from sqlalchemy import String, and_, case, cast, delete, event, func, inspect, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Case, DailyCaseCount

MEASURES = DailyCaseCount.MEASURES
DIMENSIONS = DailyCaseCount.DIMENSIONS
# the columns of a case that its contribution depends on
UPSERT_ROWS = 1000  # rows per statement: 8 parameters each, well under SQLite's limit of 32,766
WATCHED = ("received_day", "channel", "county_id", "category_id", "state", "satisfaction", "repeat_of_id")


def contribution(values: dict) -> dict[tuple, tuple[int, ...]]:
    """{(day, dimension, member): measures} that one case with these column values adds to the table."""
    day = values.get("received_day")
    if day is None:
        return {}
    satisfaction = values.get("satisfaction")
    measures = (1, int(values.get("state") in Case.CLOSED_STATES), int(satisfaction in Case.SATISFIED),
                int(satisfaction is not None), int(values.get("repeat_of_id") is not None))
    members = {"channel": values.get("channel"), "county": values.get("county_id"),
               "category": values.get("category_id")}
    return {(day, dimension, str(member)): measures for dimension, member in members.items()}


def add_deltas(deltas: dict[tuple, list[int]], before: dict | None, after: dict | None) -> None:
    for key, measures in contribution(before or {}).items():
        row = deltas.setdefault(key, [0] * len(MEASURES))
        for i, n in enumerate(measures):
            row[i] -= n
    for key, measures in contribution(after or {}).items():
        row = deltas.setdefault(key, [0] * len(MEASURES))
        for i, n in enumerate(measures):
            row[i] += n


def upsert(connection, deltas: dict[tuple, list[int]]) -> None:
    """Add `deltas` to the table (one statement per UPSERT_ROWS rows), rows in key order: two transactions lock
    the rows they share in the same order."""
    rows = [{"day": day, "dimension": dimension, "member": member, **dict(zip(MEASURES, values, strict=True))}
            for (day, dimension, member), values in sorted(deltas.items()) if any(values)]
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = DailyCaseCount.__table__
    for i in range(0, len(rows), UPSERT_ROWS):
        stmt = dialect.insert(table).values(rows[i:i + UPSERT_ROWS])
        stmt = stmt.on_conflict_do_update(index_elements=["day", "dimension", "member"],
                                          set_={m: table.c[m] + stmt.excluded[m] for m in MEASURES})
        connection.execute(stmt)


@event.listens_for(Session, "after_flush")
def _count_changes(session: Session, flush_context) -> None:
    deltas: dict[tuple, list[int]] = {}
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Case):
            continue
        state = inspect(obj)
        if obj in session.new:
            before, after = None, {name: getattr(obj, name) for name in WATCHED}
        elif obj in session.deleted:
            before, after = _committed(state), None
        else:
            if not any(state.attrs[name].history.has_changes() for name in WATCHED):
                continue
            before, after = _committed(state), {name: getattr(obj, name) for name in WATCHED}
        add_deltas(deltas, before, after)
    if deltas:
        upsert(session.connection(), deltas)


def _committed(state) -> dict:
    """The watched values as the database had them before this flush (history keeps the replaced value: the
    attributes load it on change, see `_load_old_values`)."""
    before = {}
    for name in WATCHED:
        history = state.attrs[name].history
        if history.deleted:
            before[name] = history.deleted[0]
        elif history.unchanged:
            before[name] = history.unchanged[0]
        elif history.added:  # set where no value was loaded, and there was none to load
            before[name] = None
        else:
            before[name] = getattr(state.obj(), name)
    return before


def _load_old_values(target, value, oldvalue, initiator):
    """Nothing to do: listening with active_history is what makes the old value load."""


# Changing a watched attribute of a loaded case loads its old value first (active history), so that the flush
# knows what the case counted for before, even when the attribute had been expired by a commit.
for _name in WATCHED:
    event.listen(getattr(Case, _name), "set", _load_old_values, active_history=True)


# ---- recomputing --------------------------------------------------------------------------------------------

def _grouped(start: date | None = None, end: date | None = None):
    """SELECT day, dimension, member, measures… FROM case GROUP BY day and each dimension (UNION ALL): the table's
    rows computed from the cases themselves."""
    measures = (func.count().label("received"),
                func.coalesce(func.sum(case((Case.state.in_(Case.CLOSED_STATES), 1), else_=0)), 0).label("closed"),
                func.coalesce(func.sum(case((Case.satisfaction.in_(Case.SATISFIED), 1), else_=0)), 0)
                .label("satisfied"),
                func.count(Case.satisfaction).label("rated"), func.count(Case.repeat_of_id).label("repeat_calls"))
    conditions = [Case.received_day.is_not(None), *_days(Case.received_day, start, end)]
    parts = []
    for dimension, column in (("channel", cast(Case.channel, String)), ("county", cast(Case.county_id, String)),
                              ("category", cast(Case.category_id, String))):
        parts.append(select(Case.received_day.label("day"), literal(dimension, String).label("dimension"),
                            column.label("member"), *measures)
                     .where(and_(*conditions)).group_by(Case.received_day, column))
    return union_all(*parts)


def rebuild(start: date | None = None, end: date | None = None) -> int:
    """Recompute the rows of the days start..end (all days by default) from the cases, in SQL; returns the number
    of rows written. For back-fill, repair, and after a bulk load that bypassed the ORM. Flushes; the caller
    commits."""
    db.session.flush()
    table = DailyCaseCount.__table__
    wipe = delete(table).where(*_days(table.c.day, start, end))
    db.session.execute(wipe)
    columns = ["day", "dimension", "member", *MEASURES]
    db.session.execute(table.insert().from_select(columns, _grouped(start, end)))
    return db.session.scalar(select(func.count()).select_from(table).where(*_days(table.c.day, start, end)))


def _days(column, start: date | None, end: date | None) -> list:
    return ([column >= start] if start is not None else []) + ([column <= end] if end is not None else [])


def differences(start: date | None = None, end: date | None = None) -> list[dict]:
    """Rows where the table and the cases disagree (empty when the counts are current)."""
    expected = {(r.day, r.dimension, r.member): tuple(int(getattr(r, m)) for m in MEASURES)
                for r in db.session.execute(_grouped(start, end))}
    q = select(DailyCaseCount).where(*_days(DailyCaseCount.day, start, end))
    stored = {(r.day, r.dimension, r.member): tuple(getattr(r, m) for m in MEASURES) for r in db.session.scalars(q)}
    out = []
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, (0,) * len(MEASURES)), stored.get(key, (0,) * len(MEASURES))
        if want != have:
            out.append({"day": key[0], "dimension": key[1], "member": key[2], "expected": want, "stored": have})
    return out
