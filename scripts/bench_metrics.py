"""Benchmark `metrics.unit_metrics` on a large synthetic history.

    .venv/bin/python scripts/bench_metrics.py --url postgresql://postgres@127.0.0.1:5432/bench --cases 200000 --wipe

Migrates the database, loads the demo organisation when it has none, bulk-inserts N synthetic cases with their
event log and lead-unit rows directly (COPY on PostgreSQL, executemany on SQLite; not through the workflow, which would take hours),
spread over the six months up to the end of --month, then times unit_metrics for --month and the ranking.
--wipe empties every table except the working-day calendar first: never point it at a database you care about.
"""
import os

os.environ.setdefault("PORTAL_ENV", "development")  # a benchmark tool: the dev key in instance/ is fine
import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import database_url  # noqa: E402

BATCH = 5000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: $DATABASE_URL)")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--month", default="2026-10", help="month to measure (YYYY-MM)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wipe", action="store_true", help="empty the database first (calendar kept)")
    parser.add_argument("--seed", type=int, default=4)
    return parser.parse_args()


def wipe(db):
    from portal.models import CalendarDay, CalendarYear  # noqa: F401

    keep = {"calendar_day", "calendar_year", "alembic_version"}
    tables = [t for t in db.metadata.sorted_tables if t.name not in keep]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


def copy_rows(db, table, rows):
    """PostgreSQL COPY of dict rows (every column, scalar defaults filled in): much faster than INSERTs."""
    given = set().union(*(row.keys() for row in rows))
    defaults = {c.name: c.default.arg for c in table.columns if c.default is not None and c.default.is_scalar}
    columns = [c for c in table.columns if c.name in given or c.name in defaults]  # others: server default
    json_columns = {c.name for c in columns if c.type.__class__.__name__ == "JSON"}
    names = ", ".join(f'"{c.name}"' for c in columns)
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = []
            for c in columns:
                value = row.get(c.name, defaults.get(c.name))
                if c.name in json_columns and value is not None:
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value)
            copy.write_row(values)


def generate(db, n: int, last_day: date, seed: int):
    """Insert n cases received over the 183 days up to last_day, each pushed some way along the loop."""
    from portal.domain import calendar
    from portal.models import Case, CaseEvent, CaseUnit, Category, Platform, Region, Unit

    rng = random.Random(seed)
    units = db.session.scalars(select(Unit)).all()
    leaves = db.session.scalars(select(Category.id).where(Category.level == 3)).all()
    counties = db.session.scalars(select(Region).where(Region.parent_id.is_(None))).all()
    platform = db.session.scalar(select(Platform.id).where(Platform.kind == "city"))
    next_case = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    next_event = (db.session.scalar(select(func.max(CaseEvent.id))) or 0) + 1
    first_day = last_day - timedelta(days=182)
    due_cache: dict = {}

    def due(at: datetime, days: int) -> datetime:
        key = (calendar.local_day(at), days)
        if key not in due_cache:
            due_cache[key] = calendar.add_working_days(at, days).due_at
        return due_cache[key]

    cases, events, leads = [], [], []

    postgres = db.engine.dialect.name == "postgresql"

    def flush():
        nonlocal cases, events, leads
        if cases:
            for model, rows in ((Case, cases), (CaseUnit, leads), (CaseEvent, events)):
                if postgres:
                    copy_rows(db, model.__table__, rows)
                else:
                    db.session.execute(insert(model), rows)
            db.session.commit()
        cases, events, leads = [], [], []

    started = time.perf_counter()
    for i in range(n):
        case_id = next_case + i
        day = first_day + timedelta(days=rng.randrange(183))
        received = datetime.combine(day, dtime(8 + rng.randrange(10), rng.randrange(60)), tzinfo=calendar.SHANGHAI)
        county = rng.choice(counties)
        row = dict(id=case_id, tracking_no=f"BX{day:%Y%m%d}{i:08d}", query_code_hash="bench$0", channel="hotline",
                   state="submitted", priority=None, category_id=rng.choice(leaves), county_id=county.id,
                   address="测试地址", title="测试诉求", description="基准测试生成的诉求。", citizen_name="测试",
                   citizen_phone="13800000000", platform_id=platform, received_at=received, received_day=day,
                   updated_at=received, version=1)
        log = []

        def ev(action, at, frm, to, unit_id=None, data=None, log=log, case_id=case_id):
            log.append(dict(case_id=case_id, at=at, action=action, from_state=frm, to_state=to, public=True,
                            unit_id=unit_id, data=data))

        ev("submit", received, None, "submitted")
        t = received + timedelta(hours=rng.uniform(0.5, 4))
        ev("accept", t, "submitted", "accepted")
        unit = rng.choice(units)
        priority = rng.choices(["urgent", "simple", "general"], weights=[10, 15, 75])[0]
        limit = 2 if priority != "general" else 5
        t += timedelta(hours=rng.uniform(0.2, 4))
        if rng.random() < 0.05:  # returned, then re-assigned
            ev("assign", t, "accepted", "assigned", unit.id, {"due_at": due(t, limit).isoformat()})
            leads.append(dict(case_id=case_id, unit_id=unit.id, role="lead", active=False, assigned_at=t))
            t += timedelta(hours=rng.uniform(1, 10))
            ev("return", t, "assigned", "accepted", unit.id, {"reason": "wrong_locality"})
            row["return_count"] = 1
            unit = rng.choice(units)
            t += timedelta(hours=rng.uniform(1, 10))
        ev("assign", t, "accepted", "assigned", unit.id, {"due_at": due(t, limit).isoformat()})
        leads.append(dict(case_id=case_id, unit_id=unit.id, role="lead", active=True, assigned_at=t))
        row.update(state="assigned", priority=priority, lead_unit_id=unit.id, due_at=due(t, limit),
                   sign_due_at=due(t, 1))
        rounds = 2 if rng.random() < 0.06 else 1
        t += timedelta(hours=rng.uniform(1, 30))
        ev("sign_for", t, "assigned", "handling", unit.id)
        row.update(state="handling", signed_at=t)
        for r in range(rounds):
            t += timedelta(hours=rng.uniform(6, 140))
            ev("draft_reply", t, "handling", "handling", unit.id, {"reply_type": "resolved"})
            t += timedelta(hours=rng.uniform(0.5, 8))
            ev("reply", t, "handling", "replied", unit.id)
            t += timedelta(hours=rng.uniform(1, 20))
            ev("release", t, "replied", "awaiting_evaluation", unit.id, {"reply_type": "resolved"})
            row.update(state="awaiting_evaluation", replied_at=t)
            t += timedelta(hours=rng.uniform(2, 190))
            if r + 1 < rounds:
                ev("evaluate", t, "awaiting_evaluation", "dissatisfied", None,
                   {"resolution": "not_resolved", "satisfaction": "dissatisfied"})
                t += timedelta(hours=rng.uniform(2, 48))
                ev("rehandle", t, "dissatisfied", "handling", unit.id, {"due_at": due(t, 2).isoformat()})
                row.update(state="handling", due_at=due(t, 2), rehandle_count=1)
            else:
                res, sat = rng.choice([("resolved", "satisfied"), ("resolved", "basically_satisfied"),
                                       ("partly", "basically_satisfied"), ("not_resolved", "dissatisfied")])
                ev("evaluate", t, "awaiting_evaluation", "dissatisfied" if sat == "dissatisfied" else "closed",
                   None, {"resolution": res, "satisfaction": sat})
                row.update(state="dissatisfied" if sat == "dissatisfied" else "closed", resolution=res,
                           satisfaction=sat, closed_at=None if sat == "dissatisfied" else t)
        for e in log:
            e["id"] = next_event
            next_event += 1
        row["updated_at"] = log[-1]["at"]
        cases.append(row)
        events.extend(log)
        if len(cases) >= BATCH:
            flush()
            print(f"  {i + 1:>8} cases, {next_event - 1:>9} events  {time.perf_counter() - started:6.1f} s",
                  end="\r", flush=True)
    flush()
    if db.engine.dialect.name == "postgresql":
        for table in ("case", "case_event", "case_unit"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                    f"(SELECT max(id) FROM \"{table}\"))"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"\ninserted {n} cases and {next_event - 1} events in {time.perf_counter() - started:.1f} s")


def main():
    args = parse_args()
    url = args.url or database_url("instance")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        from portal.demo import reference
        from portal.domain import metrics, periods, rankings
        from portal.extensions import db
        from portal.models import Case, CaseEvent, Unit

        upgrade()
        if args.wipe:
            wipe(db)
        if db.session.scalar(select(Unit.id).limit(1)) is None:
            reference.load_reference()
            db.session.commit()
        first, last = periods.month_bounds(args.month)
        if args.cases:
            generate(db, args.cases, last, args.seed)
        print(f"database: {db.engine.dialect.name}, {db.session.scalar(select(func.count(Case.id)))} cases, "
              f"{db.session.scalar(select(func.count(CaseEvent.id)))} events, "
              f"{db.session.scalar(select(func.count(Unit.id)))} units")
        timings = []
        for _ in range(args.repeat):
            db.session.expire_all()
            started = time.perf_counter()
            result = metrics.unit_metrics(first, last)
            timings.append(time.perf_counter() - started)
        volume = sum(f.volume for f in result.values())
        print(f"unit_metrics({first}..{last}): {len(result)} units, volume {volume}; "
              f"min {min(timings) * 1000:.0f} ms, median {statistics.median(timings) * 1000:.0f} ms, "
              f"max {max(timings) * 1000:.0f} ms over {args.repeat} runs")
        started = time.perf_counter()
        rankings.compute(args.month)
        print(f"rankings.compute({args.month}): {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
