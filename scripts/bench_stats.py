"""Benchmark the public statistics at scale (not a test).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_h4c .venv/bin/python scripts/bench_stats.py --cases 1000000

Migrates the database if needed, loads the demo organisation if it has none, bulk-inserts N synthetic cases with
core INSERTs (executemany, batches of 10,000) spread over the last ~500 days (about 2,000 a day, Fuyang's volume),
then times each statistics query cold (no cache), the whole figure set cold, and the /stats, /echo and home pages
cold and warm (in-memory cache). The daily case counts the statistics read are rebuilt after the inserts (which
bypass the application) and on a database where they are empty. `--skip-insert` re-times an already filled database
(`--rebuild` recomputes its daily counts first); `--explain` prints the PostgreSQL plans. The data stays in the database: point it at a scratch database only.
"""
import os

os.environ.setdefault("PORTAL_ENV", "development")  # a benchmark tool: the dev key in instance/ is fine
import argparse
import os
import random
import statistics as pystats
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNEL_WEIGHTS = {"hotline": 62, "web": 18, "mayor_mailbox": 5, "leader_board": 6, "media_hotline": 3,
                   "opinion_monitoring": 5, "tea_salon": 1}
# state, share: about 90 % closed (the article's 90.4 %), the rest open, replied, awaiting rating, dissatisfied…
STATE_WEIGHTS = {"closed": 880, "archived": 24, "awaiting_evaluation": 30, "handling": 25, "assigned": 10,
                 "submitted": 5, "accepted": 4, "declined": 10, "dissatisfied": 7, "merged": 5}
SATISFACTION_WEIGHTS = {"satisfied": 80, "basically_satisfied": 14, "dissatisfied": 6}


def normalise(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def timed(fn, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return result, (pystats.median(times) if len(times) > 1 else times[0])


def prepare(app):
    from flask_migrate import upgrade

    from portal.demo import reference
    from portal.extensions import db
    from portal.models import Category

    with app.app_context():
        print("migrating (if needed)…", flush=True)
        upgrade()
        if db.session.scalar(select(func.count(Category.id))) == 0:
            print("loading the demo organisation…", flush=True)
            reference.load_reference()
            db.session.commit()


def insert_cases(app, n: int, batch: int, seed: int = 12345):
    from portal.extensions import db
    from portal.models import Case, Category, Platform, Region

    rng = random.Random(seed)
    with app.app_context():
        leaves = [c.id for c in db.session.scalars(select(Category).where(Category.level == 3))]
        counties = list(db.session.scalars(select(Region).where(Region.parent_id.is_(None))))
        towns = {c.id: [t.id for t in db.session.scalars(select(Region).where(Region.parent_id == c.id))]
                 for c in counties}
        platforms = {p.region_id: p.id for p in db.session.scalars(select(Platform).where(Platform.kind == "county"))}
        start_no = db.session.scalar(select(func.count(Case.id))) or 0
        now = datetime.now(timezone.utc)
        days = max(1, n // 2000)
        channels, channel_w = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
        states, state_w = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
        sats, sat_w = list(SATISFACTION_WEIGHTS), list(SATISFACTION_WEIGHTS.values())
        table = Case.__table__
        started = time.perf_counter()
        done = 0
        while done < n:
            rows = []
            for i in range(done, min(n, done + batch)):
                received_at = now - timedelta(seconds=rng.randrange(days * 86400))
                county = rng.choice(counties)
                state = rng.choices(states, state_w)[0]
                replied = state in ("closed", "archived", "awaiting_evaluation", "dissatisfied")
                satisfaction = None
                if state == "dissatisfied":
                    satisfaction = "dissatisfied"
                elif state in ("closed", "archived") and rng.random() < 0.85:
                    satisfaction = rng.choices(sats[:2], sat_w[:2])[0]
                local = received_at.astimezone(SHANGHAI)
                rows.append({
                    "tracking_no": f"BX{local:%Y%m%d}{start_no + i:09d}", "query_code_hash": "bench$0",
                    "channel": rng.choices(channels, channel_w)[0], "state": state, "priority": "general",
                    "category_id": rng.choice(leaves), "county_id": county.id, "town_id": rng.choice(towns[county.id]),
                    "address": "人民路88号", "title": "基准测试诉求", "description": "用于统计性能测试的合成数据。",
                    "citizen_name": "测试", "citizen_phone": "13800000000", "hide_name": False,
                    "confidential": rng.random() < 0.02, "publish_consent": rng.random() < 0.4,
                    "platform_id": platforms[county.id], "received_at": received_at, "received_day": local.date(),
                    "replied_at": received_at + timedelta(days=3) if replied else None,
                    "closed_at": received_at + timedelta(days=6) if state in ("closed", "archived") else None,
                    "satisfaction": satisfaction, "resolution": "resolved" if satisfaction else None,
                    "updated_at": now, "version": 1, "rehandle_count": 0, "return_count": 0,
                    "due_is_provisional": False,
                })
            db.session.execute(insert(table), rows)
            db.session.commit()
            done += len(rows)
            if done % 100_000 == 0 or done == n:
                print(f"  inserted {done:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text('VACUUM ANALYZE "case"'))
        return time.perf_counter() - started


def bench(app, explain: bool):
    from portal.domain import statistics
    from portal.extensions import db
    from portal.models import Case

    with app.test_request_context():
        total = db.session.scalar(select(func.count(Case.id)))
        print(f"\n{total:,} cases in the database ({db.engine.dialect.name})")
        periods = {"this year": statistics.period("year"), "last 12 months": statistics.period("12m"),
                   "last month": statistics.period("month", f"{statistics.add_months(statistics.today(), -1):%Y-%m}")}
        print("\ncold queries (no cache), ms:")
        print(f"  {'period':16} {'totals':>8} {'channel':>8} {'county':>8} {'category':>8} {'trend':>8} "
              f"{'issues':>8} {'figures':>8}")
        for label, p in periods.items():
            cells = []
            for fn in (statistics.totals, statistics.by_channel, statistics.by_county, statistics.by_category,
                       lambda q: statistics.monthly_trend(statistics.trend_period(q)), statistics.top_issues):
                _, ms = timed(lambda fn=fn, p=p: fn(p), repeat=3)
                cells.append(ms)
            statistics.clear_cache()
            result, ms = timed(lambda p=p: statistics.figures(p))
            cells.append(ms)
            print(f"  {label:16} " + " ".join(f"{c:8.0f}" for c in cells)
                  + f"   (received {result['totals']['received']:,})")
        if explain and db.engine.dialect.name == "postgresql":
            p = periods["last 12 months"]
            from sqlalchemy.dialects import postgresql

            for name, stmt in (("totals", select(*statistics._measures()).where(statistics._rows_of("channel", p))),):
                sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
                print(f"\nEXPLAIN ANALYZE {name}:")
                for (line,) in db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)):
                    print("   ", line)

    client = app.test_client()
    print("\npages, ms (cold = cache cleared; warm = median of 10 cached requests):")
    for path in ("/stats", "/stats?period=12m", "/", "/echo"):
        with app.app_context():
            statistics.clear_cache()
        response, cold = timed(lambda path=path: client.get(path))
        assert response.status_code == 200, (path, response.status_code)
        _, warm = timed(lambda path=path: client.get(path), repeat=10)
        print(f"  {path:20} cold {cold:8.0f}   warm {warm:6.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--skip-insert", action="store_true", help="time an already filled database")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL plans")
    parser.add_argument("--rebuild", action="store_true", help="recompute the daily case counts first")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")

    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise(args.database_url), "STATS_CACHE_TYPE": "SimpleCache"})
    prepare(app)
    if not args.skip_insert:
        print(f"inserting {args.cases:,} cases in batches of {args.batch:,}…", flush=True)
        seconds = insert_cases(app, args.cases, args.batch)
        print(f"inserted in {seconds:.0f} s ({args.cases / max(seconds, 0.001):,.0f} rows/s)")
    rebuild_daily_counts(app, always=not args.skip_insert or args.rebuild)
    bench(app, args.explain)


def rebuild_daily_counts(app, always: bool) -> None:
    """The bulk inserts bypass the ORM listener that keeps the daily counts current: recompute them (set-based)."""
    from portal.domain import daily_counts
    from portal.extensions import db
    from portal.models import DailyCaseCount

    with app.app_context():
        if not always and db.session.scalar(select(func.count()).select_from(DailyCaseCount)):
            return
        started = time.perf_counter()
        rows = daily_counts.rebuild()
        db.session.commit()
        print(f"daily case counts rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
