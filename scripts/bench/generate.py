"""Load N synthetic cases into a SCRATCH database for the benchmark (`make bench`, or directly):

    .venv/bin/python scripts/bench/generate.py --n 300000 --db postgresql://postgres@127.0.0.1:5432/bench_w11 --reset
    .venv/bin/python scripts/bench/generate.py --n 100000 --db sqlite:////tmp/bench.sqlite3 --reset

It migrates the database, loads the demo organisation (`portal.demo.reference`, the appointed monitors and
their orders, the tea salons with their suggestions), then streams N cases received over --days days up to now,
each pushed along the real loop as far as its age makes plausible (`synthetic.py`: submit, accept, assign,
returns, sign-for, drafts, approval, release, ratings, the dissatisfied zone, re-handling, escalation,
supervision orders), in batches of --batch cases: PostgreSQL through COPY (secondary indexes dropped during the
load and rebuilt after, foreign-key triggers off for the session), SQLite through executemany in one
transaction per batch. Memory stays constant whatever N (10 M works; it only takes time).

Every synthetic case answers to the query code 246810 on the citizen's tracking page.

It REFUSES a database whose name does not start with `bench` (unless --i-know), and always refuses names starting
with `test`, the `postgres`/`template` databases and the development database `instance/portal.sqlite3`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

os.environ.setdefault("PORTAL_ENV", "development")  # a benchmark tool: the dev key in instance/ is fine

QUERY_CODE = "246810"
BULK_TABLES = ("case", "case_unit", "case_event", "supervision_order")


class NotScratch(SystemExit):
    pass


def normalise(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def check_scratch(url: str, i_know: bool = False) -> str:
    """The database's name if it may be filled with synthetic data; raises NotScratch otherwise."""
    parsed = make_url(normalise(url))
    database = parsed.database or ""
    name = Path(database).stem if parsed.get_backend_name() == "sqlite" else database
    dev = (ROOT / "instance" / "portal.sqlite3").resolve()
    if parsed.get_backend_name() == "sqlite" and (not database or database == ":memory:"):
        raise NotScratch("refusing an in-memory SQLite database: the benchmark needs a file")
    if name.lower().startswith("test") or name in ("postgres",) or name.startswith("template"):
        raise NotScratch(f"refusing database {name!r}: test and system databases are never benchmark scratch")
    if parsed.get_backend_name() == "sqlite" and Path(database).resolve() == dev:
        raise NotScratch("refusing the development database instance/portal.sqlite3")
    if not name.lower().startswith("bench") and not i_know:
        raise NotScratch(f"refusing database {name!r}: a scratch database's name starts with 'bench' "
                         "(or pass --i-know to fill it anyway)")
    return name


def reset_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", ".worker.lock"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# ---------------------------------------------------------------------------------------------- writers
class Writer:
    def __init__(self, db, tables):
        self.db = db
        self.tables = tables  # name -> Table
        self.raw = db.session.connection().connection.driver_connection

    def columns(self, name):
        return [c.name for c in self.tables[name].columns]

    def json_columns(self, name):
        return {c.name for c in self.tables[name].columns if c.type.__class__.__name__ == "JSON"}


class PostgresWriter(Writer):
    def begin(self):
        cur = self.raw.cursor()
        cur.execute("SET session_replication_role = replica")  # no FK triggers during the bulk load
        self.saved = []
        for name in BULK_TABLES:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
                        "AND indexname NOT IN (SELECT conname FROM pg_constraint)", (name,))
            for index_name, definition in cur.fetchall():
                self.saved.append(definition)
                cur.execute(f'DROP INDEX "{index_name}"')
        self.raw.commit()

    def write(self, name, rows):
        cols = self.columns(name)
        json_cols = self.json_columns(name)
        names = ", ".join(f'"{c}"' for c in cols)
        with self.raw.cursor() as cur, cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_cols and row.get(c) is not None
                                else row.get(c) for c in cols])

    def commit(self):
        self.raw.commit()

    def finish(self):
        cur = self.raw.cursor()
        for definition in self.saved:
            cur.execute(definition)
        cur.execute("SET session_replication_role = DEFAULT")
        for name in ("case", "case_event", "case_unit", "supervision_order"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM \"{name}\"))")
        self.raw.commit()
        self.raw.autocommit = True
        cur = self.raw.cursor()
        cur.execute("VACUUM ANALYZE")
        self.raw.autocommit = False


class SqliteWriter(Writer):
    def begin(self):
        self.raw.execute("PRAGMA synchronous = OFF")

    @staticmethod
    def _value(value, is_json):
        if value is None:
            return None
        if is_json:
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, bool):
            return int(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    def write(self, name, rows):
        cols = self.columns(name)
        json_cols = self.json_columns(name)
        sql = f'INSERT INTO "{name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) ' \
              f'VALUES ({", ".join("?" for _ in cols)})'
        self.raw.executemany(sql, ([self._value(row.get(c), c in json_cols) for c in cols] for row in rows))

    def commit(self):
        self.raw.commit()

    def finish(self):
        self.raw.execute("PRAGMA synchronous = FULL")
        self.raw.execute("ANALYZE")
        self.raw.commit()


# ---------------------------------------------------------------------------------------------- the load
def load_organisation():
    from portal.demo import oversight, reference
    from portal.demo import salons as demo_salons
    from portal.domain import notify
    from portal.extensions import db

    with notify.muted():
        ref = reference.load_reference()
        oversight.load(ref)
        demo_salons.load(ref)
        db.session.commit()
    return ref


def world(ref, now):
    from synthetic import World

    from portal.domain import intake
    from portal.extensions import db
    from portal.models import Platform, User

    staff = {}
    for user in db.session.scalars(select(User).where(User.unit_id.is_not(None))):
        handler, lead = staff.get(user.unit_id, (None, None))
        if user.role == "handler" and handler is None:
            handler = user.id
        if user.role == "unit_lead" and lead is None:
            lead = user.id
        staff[user.unit_id] = (handler, lead)
    staff = {unit: (handler or lead, lead or handler) for unit, (handler, lead) in staff.items()}
    platforms = {p.region_id: p.id for p in db.session.scalars(select(Platform).where(Platform.region_id.is_not(None)))}
    users = ref["users"]
    return World(
        leaves=[(leaf.id, leaf.name_zh, owner.id) for leaf, owner in ref["leaves"]],
        counties=[(c.id, c.code, c.name_zh, [(t.id, t.name_zh) for t in ref["towns"][c.code]]) for c in ref["counties"]],
        county_gov={c.code: ref["units"][f"gov-{c.code}"].id for c in ref["counties"]},
        staff=staff, platform_of_county=platforms, operator=users["operator"].id,
        dispatcher=users["dispatcher"].id, supervisor=users["supervisor"].id,
        query_code_hash=intake.hash_query_code(QUERY_CODE, "benchsalt0000000"), now=now)


def per_day(n: int, days: int, rng: random.Random) -> list[int]:
    """How many cases arrive on each of `days` days (weekdays busier, slowly growing), summing to n."""
    weights = [(0.75 if d % 7 in (5, 6) else 1.0) * (0.7 + 0.6 * d / max(days - 1, 1)) for d in range(days)]
    total = sum(weights)
    counts, carried = [], 0.0
    for weight in weights:
        exact = n * weight / total + carried
        counts.append(int(exact))
        carried = exact - int(exact)
    counts[-1] += n - sum(counts)
    return counts


def generate(url: str, n: int, days: int = 1095, seed: int = 12345, batch: int = 20000, reset: bool = False,
             i_know: bool = False, quiet: bool = False) -> dict:
    """Fill the scratch database at `url` with the demo organisation and `n` cases; returns a summary."""
    check_scratch(url, i_know)
    url = normalise(url)
    if reset:
        reset_database(url)
    from flask_migrate import upgrade
    from synthetic import Ids, one_case

    from portal import create_app
    from portal.domain import calendar
    from portal.extensions import db
    from portal.models import Case, CaseEvent, DailyCounter

    # demo passwords hashed cheaply: 87 scrypt hashes would take longer than loading 20 k cases
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        if db.session.scalar(select(Case.id).limit(1)) is not None:
            raise NotScratch("the database already has cases: pass --reset to start from an empty one")
        ref = load_organisation()
        now = datetime.now(timezone.utc)
        w = world(ref, now)
        tables = {t.name: t for t in db.metadata.sorted_tables}
        writer = (PostgresWriter if db.engine.dialect.name == "postgresql" else SqliteWriter)(db, tables)
        prefix = app.config["TRACKING_PREFIX"]
        counters = {row.day: row.value for row in db.session.scalars(select(DailyCounter))}
        next_id = {name: (db.session.scalar(text(f'SELECT max(id) FROM "{name}"')) or 0) + 1 for name in BULK_TABLES}
        db.session.commit()
        writer.begin()
        rng = random.Random(seed)
        case_id = Ids(next_id["case"])
        event_id, unit_id, order_id = Ids(next_id["case_event"]), Ids(next_id["case_unit"]), Ids(next_id["supervision_order"])
        out = {name: [] for name in BULK_TABLES}
        loaded, events = 0, 0

        def flush():
            nonlocal events
            for name in BULK_TABLES:
                if out[name]:
                    writer.write(name, out[name])
            writer.commit()
            events += len(out["case_event"])
            for name in BULK_TABLES:
                out[name].clear()

        first_day = calendar.local_day(now) - timedelta(days=days - 1)
        for offset, count in enumerate(per_day(n, days, rng)):
            day = first_day + timedelta(days=offset)
            start = datetime.combine(day, dtime(0, 0), tzinfo=calendar.SHANGHAI)
            span = min(24 * 3600, (now - start).total_seconds() - 60) if offset == days - 1 else 24 * 3600
            moments = sorted(start + timedelta(seconds=rng.uniform(7 * 3600 if span > 8 * 3600 else 0, span))
                             for _ in range(count))
            seq = counters.get(day, 0)
            for received in moments:
                seq += 1
                one_case(w, rng, case_id(), f"{prefix}{day:%Y%m%d}{seq:06d}", received, event_id, unit_id, order_id,
                         out)
            counters[day] = seq
            loaded += count
            if len(out["case"]) >= batch:
                flush()
                if not quiet:
                    print(f"  {loaded:>9} cases, {events:>10} events  {time.perf_counter() - started:7.1f} s",
                          end="\r", flush=True)
        flush()
        writer.finish()
        _store_counters(db, prefix, counters)
        summary = {"cases": db.session.scalar(select(func.count()).select_from(Case)),
                   "events": db.session.scalar(select(func.count()).select_from(CaseEvent)),
                   "synthetic_cases": n, "days": days, "seconds": round(time.perf_counter() - started, 1),
                   "backend": db.engine.dialect.name, "query_code": QUERY_CODE}
    if not quiet:
        print(f"\nloaded {summary['cases']} cases and {summary['events']} events in {summary['seconds']} s")
    return summary


def _store_counters(db, prefix, counters):
    """Intake after the load continues each day's tracking-number sequence."""
    from sqlalchemy.dialects import postgresql, sqlite

    from portal.models import DailyCounter

    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    rows = [{"prefix": prefix, "day": day, "value": value} for day, value in counters.items()]
    for start in range(0, len(rows), 500):
        stmt = insert(DailyCounter).values(rows[start:start + 500])
        db.session.execute(stmt.on_conflict_do_update(index_elements=["prefix", "day"],
                                                      set_={"value": stmt.excluded.value}))
    db.session.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="synthetic cases (default 20000)")
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="database URL (default $BENCH_DATABASE_URL); its name must start with 'bench'")
    parser.add_argument("--days", type=int, default=1095, help="spread over this many days up to now (3 years)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--batch", type=int, default=20000, help="cases per COPY/transaction")
    parser.add_argument("--reset", action="store_true", help="drop everything in the scratch database first")
    parser.add_argument("--i-know", action="store_true", help="accept a database whose name lacks 'bench'")
    args = parser.parse_args(argv)
    if not args.db:
        parser.error("--db (or BENCH_DATABASE_URL) is required")
    try:
        generate(args.db, args.n, args.days, args.seed, args.batch, args.reset, args.i_know)
    except NotScratch as refusal:
        print(f"generate.py: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
