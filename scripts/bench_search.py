"""Time staff full-text search (portal.domain.search) on a large database, read-only:

    .venv/bin/python scripts/bench_search.py --url postgresql://postgres@127.0.0.1:5432/bench10m --runs 30

In-process, the way the search page calls it: `search.search()` (the bounded candidates, the page's cases and their
eager loads, highlighting) for the city dispatcher (`dispatcher`) and the Yingzhou (颍州) sub-platform dispatcher
(`dispatcher_yz`), with the queries of scripts/bench/run.py: 井盖 city-wide and on the sub-platform, 噪声 on the
sub-platform, 路灯 + state closed + the first county, 火箭 (matches nothing) and a tracking number (the lookup the page
does before searching). Each query runs once to warm the caches, then --runs times; prints p50/p95/max in ms, the
number of candidates (and whether capped) and the load average before and after. Writes nothing to the database.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_ENV", "development")  # a benchmark tool: the dev key in instance/ is fine

from sqlalchemy import select  # noqa: E402

from portal import create_app  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(q * (len(ordered) - 1))), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="postgresql://… (or sqlite:///…) of a filled database")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from portal.domain import ledger, search
    from portal.extensions import db
    from portal.models import Case, Region, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url})
    with app.app_context():
        county = db.session.scalar(select(Region.id).where(Region.parent_id.is_(None)).order_by(Region.id))
        tracking_no = db.session.scalar(select(Case.tracking_no).order_by(Case.id.desc()).limit(1))
        users = {name: db.session.scalar(select(User).where(User.username == name))
                 for name in ("dispatcher", "dispatcher_yz")}
        scenarios = [
            ("井盖, whole city", "dispatcher", "井盖", {}),
            ("井盖, sub-platform", "dispatcher_yz", "井盖", {}),
            ("噪声, sub-platform", "dispatcher_yz", "噪声", {}),
            ("路灯 + state + county", "dispatcher", "路灯", {"state": "closed", "county": str(county)}),
            ("no match (火箭)", "dispatcher", "火箭", {}),
            ("tracking number", "dispatcher", tracking_no, {}),
        ]
        print(f"{db.engine.dialect.name}, {args.runs} runs each; load average before: {os.getloadavg()}")
        print(f"{'scenario':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  candidates")
        for name, username, query, raw in scenarios:
            user = users[username]
            with app.test_request_context():
                filters = ledger.parse_filters(raw, ledger.load_reference())
            times, outcome = [], ""
            for run in range(args.runs + 1):
                db.session.rollback()
                began = time.perf_counter()
                if search.looks_like_tracking_number(query):
                    found = search.case_by_tracking_number(user, query)
                    outcome = "found" if found else "not found"
                else:
                    results = search.search(user, query, filters)
                    outcome = f"{results.total}{' (capped)' if results.capped else ''}"
                if run:  # the first run warms the caches
                    times.append((time.perf_counter() - began) * 1000)
            print(f"{name:28} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} {max(times):8.1f}"
                  f"  {outcome}")
        print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
