"""Measure the portal on a database filled by generate.py (`make bench N=... DB=...`, or directly):

    .venv/bin/python scripts/bench/run.py --db postgresql://postgres@127.0.0.1:5432/bench_w11 --docs

Serves the portal with the repository's gunicorn.conf.py (PORTAL_WORKERS, default 2 sync workers) on a free port,
then for each page runs --clients keep-alive clients (8) for --seconds: a bare control route (/healthz), the
citizen's tracked case, home, the dispatcher queue, a unit queue, the ledger (first, filtered and deep page),
the staff case page, public statistics (warm; cold is timed in-process with the cache off), the echo wall,
Open311 requests.json with and without filters, staff search (a tracking number, 井盖 city-wide and on a county
sub-platform, a filtered word, a word that matches nothing, 噪声 on the sub-platform), and intake POSTs (the
citizen's form and Open311). Reports req/s, p50/p95/p99, the ratio to the control route and the load average.
Then times the monthly ranking over all units, the sweep, the nightly hotspot scan, and a 100,000-row XLSX ledger
export (in a child process, with its peak memory), wall clock and CPU time.

Results: bench-results/<time>-<backend>.json and .md; with --docs also the table in docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import socket
import statistics as stats
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from client import Client, load  # noqa: E402
from generate import QUERY_CODE, check_scratch, normalise  # noqa: E402

os.environ.setdefault("PORTAL_ENV", "development")  # a benchmark tool: the dev key in instance/ is fine

DOC_START, DOC_END = "<!-- bench:start -->", "<!-- bench:end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> dict:
    """Pick the cases and users the scenarios use; create an Open311 key."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.domain import apikeys, keyset
    from portal.extensions import db
    from portal.models import Case, Category, Region

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        tracked = db.session.execute(select(Case.id, Case.tracking_no).where(
            Case.query_code_hash.like("benchsalt%"), Case.state == "closed").order_by(Case.id.desc()).limit(1)).one()
        total = db.session.scalar(select(func.count()).select_from(Case))
        deep = db.session.execute(select(Case.received_at, Case.id).order_by(Case.received_at.desc(), Case.id.desc())
                                  .offset(int(total * 0.9)).limit(1)).one()
        county = db.session.scalar(select(Region.id).where(Region.parent_id.is_(None)).order_by(Region.id))
        leaf = db.session.scalar(select(Category.code).where(Category.level == 3).order_by(Category.id))
        leaf_path = db.session.execute(select(Category.id, Category.parent_id).where(Category.code == leaf)).one()
        l1 = db.session.scalar(select(Category.parent_id).where(Category.id == leaf_path.parent_id))
        town = db.session.scalar(select(Region.id).where(Region.parent_id == county).order_by(Region.id))
        key = apikeys.create("benchmark", "leader_board", None).secret
        db.session.commit()
        backend = db.engine.dialect.name
        version = db.session.scalar(select(__import__("sqlalchemy").text("sqlite_version()" if backend == "sqlite"
                                                                          else "version()")))
    return {"tracking_no": tracked.tracking_no, "case_id": tracked.id, "deep_cursor": keyset.encode(*deep),
            "county": county, "town": town, "leaf": leaf, "leaf_id": leaf_path.id, "l2": leaf_path.parent_id,
            "l1": l1, "api_key": key, "backend": backend, "db_version": version, "cases": total}


def scenarios(p: dict) -> list[tuple]:
    """(name, login user or None, setup, action) — action(client, i) returns the HTTP status."""
    month = f"{date.today():%Y-%m}"

    def get(path):
        return lambda c, i: c.get(path)[0]

    def track_setup(c):
        token = c.csrf("/track")
        c.post("/track", {"csrf_token": token, "tracking_no": p["tracking_no"], "query_code": QUERY_CODE})

    def submit_setup(c):
        c.token = c.csrf("/submit")

    def submit(c, i):
        return c.post("/submit", {
            "csrf_token": c.token, "category_l1": p["l1"], "category_l2": p["l2"], "category_id": p["leaf_id"],
            "county_id": p["county"], "town_id": p["town"], "address": f"人民路{i % 997}号",
            "title": f"路灯不亮{i}", "description": f"人民路{i % 997}号门前的路灯已经坏了一周，晚上行人看不清路。",
            "citizen_name": "王五", "citizen_phone": "13912345678", "publish_consent": "y"})[0]

    def open311(c, i):
        return c.post("/open311/v2/requests.json", {
            "api_key": p["api_key"], "service_code": p["leaf"], "lat": "32.890100", "long": "115.814200",
            "attribute[county]": "yingzhou", "attribute[publish]": "yes", "first_name": "六", "last_name": "赵",
            "description": f"第{i}号：颍州路口的信号灯故障，早晚高峰拥堵严重。", "phone": "13812345678"})[0]

    return [
        ("control (/healthz)", None, None, get("/healthz"), (200,)),
        ("citizen's tracked case", None, track_setup, get(f"/track/{p['tracking_no']}"), (200,)),
        ("home", None, None, get("/"), (200,)),
        ("dispatcher queue", "dispatcher", None, get("/staff/queue?tab=assign"), (200,)),
        ("unit queue", "handler", None, get("/staff/unit?tab=handling"), (200,)),
        ("ledger, first page", "dispatcher", None, get("/staff/ledger"), (200,)),
        ("ledger, filtered", "dispatcher", None,
         get(f"/staff/ledger?state=closed&county={p['county']}&channel=hotline"), (200,)),
        ("ledger, deep page (90 %)", "dispatcher", None, get(f"/staff/ledger?after={p['deep_cursor']}"), (200,)),
        ("staff case list", "dispatcher", None, get("/staff/cases"), (200,)),
        ("staff case page", "dispatcher", None, get(f"/staff/cases/{p['case_id']}"), (200,)),
        ("statistics (warm)", None, None, get("/stats"), (200,)),
        ("statistics, a month (warm)", None, None, get(f"/stats?period={month}"), (200,)),
        ("echo wall", None, None, get("/echo"), (200,)),
        ("Open311 requests.json", None, None, get("/open311/v2/requests.json"), (200,)),
        ("Open311 requests.json, filtered", None, None,
         get(f"/open311/v2/requests.json?service_code={p['leaf']}&status=closed"), (200,)),
        ("search: tracking number", "dispatcher", None, get(f"/staff/search?q={p['tracking_no']}"), (303,)),
        ("search: 井盖, whole city", "dispatcher", None, get(f"/staff/search?q={quote('井盖')}"), (200,)),
        ("search: 井盖, sub-platform", "dispatcher_yz", None, get(f"/staff/search?q={quote('井盖')}"), (200,)),
        ("search: 路灯 + state + county", "dispatcher", None,
         get(f"/staff/search?q={quote('路灯')}&state=closed&county={p['county']}"), (200,)),
        ("search: no match (火箭)", "dispatcher", None, get(f"/staff/search?q={quote('火箭')}"), (200,)),
        ("search: 噪声, sub-platform", "dispatcher_yz", None, get(f"/staff/search?q={quote('噪声')}"), (200,)),
        ("intake POST, citizen form", None, submit_setup, submit, (303,)),
        ("intake POST, Open311", None, None, open311, (200, 201)),
    ]


def serve(url: str, port: int, workers: int, threads: int, redis: str | None):
    env = dict(os.environ, DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
               SECRET_KEY=secrets.token_hex(32), PORTAL_BIND=f"127.0.0.1:{port}", PORTAL_WORKERS=str(workers),
               PORTAL_THREADS=str(threads), PORTAL_ACCESS_LOG="", PORTAL_LOG_LEVEL="warning",
               PYTHONPATH=f"{HERE}:{ROOT}")
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                             "bench_wsgi:app"], cwd=ROOT, env=env)
    probe = Client("127.0.0.1", port)
    for _ in range(200):
        try:
            if probe.get("/healthz")[0] == 200:
                return proc
        except OSError:
            probe = Client("127.0.0.1", port)
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def timed_in_process(url: str) -> dict:
    """Statistics cold (cache off), the monthly ranking over all units, the sweep."""
    from portal import create_app
    from portal.domain import notify, rankings, sweep
    from portal.extensions import init_cache

    out = {}
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STATS_CACHE_TYPE": "NullCache"})
    init_cache(app, "NullCache")
    client = app.test_client()
    runs = []
    for _ in range(3):
        began = time.perf_counter()
        status = client.get("/stats").status_code
        runs.append((time.perf_counter() - began) * 1000)
    out["statistics_cold_ms"] = {"runs": [round(r) for r in runs], "median": round(stats.median(runs)),
                                 "status": status}
    with app.app_context():
        today = date.today()
        month = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"
        began, cpu = time.perf_counter(), time.process_time()
        tables = rankings.compute(month)
        out["monthly_ranking_ms"] = round((time.perf_counter() - began) * 1000)
        out["monthly_ranking_cpu_ms"] = round((time.process_time() - cpu) * 1000)
        out["ranking_month"] = month
        out["ranked_units"] = sum(len(rows) for rows in tables.values())
        began, cpu = time.perf_counter(), time.process_time()
        with notify.muted():
            summary = sweep.sweep()
        out["sweep_ms"] = round((time.perf_counter() - began) * 1000)
        out["sweep_cpu_ms"] = round((time.process_time() - cpu) * 1000)
        out["sweep"] = str(summary)
        from portal.commands.hotspots import nightly_scan

        began, cpu = time.perf_counter(), time.process_time()
        with notify.muted():
            result = nightly_scan()
        out["hotspot_scan_ms"] = round((time.perf_counter() - began) * 1000)
        out["hotspot_scan_cpu_ms"] = round((time.process_time() - cpu) * 1000)
        out["hotspot_scan"] = {"groups_read": result.groups_read, "created": len(result.created),
                               "refreshed": len(result.refreshed)}
    return out


def xlsx_export(url: str, rows: int) -> dict:
    """A `rows`-row XLSX ledger export of the dispatcher's ledger, streamed to a file (run in a child process)."""
    import tempfile

    from sqlalchemy import select

    from portal import create_app
    from portal.domain import exports, ledger
    from portal.domain.deadlines import LightBounds
    from portal.extensions import db
    from portal.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "dispatcher"))
        ref = ledger.load_reference()
        filters = ledger.parse_filters({}, ref)
        bounds = LightBounds.at()
        query = ledger.ledger_query(user, filters, bounds).limit(rows)
        began, cpu = time.perf_counter(), time.process_time()
        with tempfile.TemporaryFile() as out:
            exports.write_xlsx(ledger.export_rows(query, ref, bounds.now), ledger.export_header(), out, title="Ledger",
                               widths=ledger.LEDGER_COLUMN_WIDTHS)
            size = out.tell()
        seconds = time.perf_counter() - began
        cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "bytes": size, "peak_rss_mb": round(peak / 1024),
            "rss_before_mb": round(before / 1024)}


def machine(p: dict) -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")))
    except (OSError, StopIteration):
        mem_kb = 0
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(), "database": p["db_version"]}


def markdown(report: dict) -> str:
    m, t = report["machine"], report["timed"]
    lines = [f"Measured {report['at']} on {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, {m['os']}; "
             f"Python {m['python']}; {m['database'].split(',')[0]}. {report['cases']:,} cases; gunicorn "
             f"{report['workers']} workers × {report['threads']} thread(s); {report['clients']} concurrent clients, "
             f"{report['seconds']} s per page; the load generator runs on the same machine. Load average (1 min) "
             f"during the run: {report['load_average']['mean']} (from {report['load_average']['min']} to "
             f"{report['load_average']['max']}) on {m['cores']} cores: other engineers' test suites share the machine."]
    g = report.get("generation")
    if g:
        ph = g.get("phases", {})
        lines += ["", f"Generation: {g.get('loaded_cases', g.get('cases')):,} cases and {g['events']:,} events "
                  f"({'complete' if g.get('complete', True) else 'stopped early, newest days first'}) in "
                  f"{ph.get('load_s')} s of loading ({g.get('cases_per_second')} cases/s, {g.get('workers')} worker "
                  f"processes, load average {g.get('load_average_during_load')}), then indexes "
                  f"{ph.get('indexes_s')} s, {'VACUUM ANALYZE ' + str(ph['vacuum_analyze_s']) if 'vacuum_analyze_s' in ph else 'ANALYZE ' + str(ph.get('analyze_s'))} s; "
                  f"{g['seconds']} s in all."]
    lines += ["", "| page | req/s | p50 ms | p95 ms | p99 ms | × control | errors | load |",
              "|---|---|---|---|---|---|---|---|"]
    for r in report["pages"]:
        ratio = f"{r['ratio_to_control'] * 100:.1f} %" if r["ratio_to_control"] else "—"
        lines.append(f"| {r['name']} | {r['req_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {ratio} | "
                     f"{r['errors']} | {r.get('load', '')} |")
    x = report["xlsx"]
    lines += ["", f"- public statistics cold (cache off, in-process, 3 runs): {t['statistics_cold_ms']['runs']} ms",
              f"- monthly ranking over all units ({t['ranking_month']}, {t['ranked_units']} rows): "
              f"{t['monthly_ranking_ms']} ms (CPU of this process {t.get('monthly_ranking_cpu_ms')} ms)",
              f"- sweep (what `flask sweep` runs): {t['sweep_ms']} ms, CPU {t.get('sweep_cpu_ms')} ms ({t['sweep']})",
              f"- nightly hotspot scan (portal.commands.hotspots.nightly_scan): {t['hotspot_scan_ms']} ms, CPU "
              f"{t.get('hotspot_scan_cpu_ms')} ms "
              f"({t['hotspot_scan']['groups_read']} groups read, {t['hotspot_scan']['created']} warnings created, "
              f"{t['hotspot_scan']['refreshed']} refreshed)",
              f"- XLSX ledger export of {x['rows']:,} rows: {x['seconds']} s (CPU {x.get('cpu_seconds')} s), "
              f"{x['bytes'] / 1e6:.1f} MB file, "
              f"peak RSS {x['peak_rss_mb']} MB (process at {x['rss_before_mb']} MB before)"]
    return "\n".join(lines) + "\n"


def update_docs(text: str, backend: str) -> None:
    path = ROOT / "docs" / "performance.md"
    doc = path.read_text()
    start, end = f"<!-- bench:{backend}:start -->", f"<!-- bench:{backend}:end -->"
    if start in doc:
        doc = doc[:doc.index(start) + len(start)] + "\n" + text + doc[doc.index(end):]
    else:
        doc += f"\n### {backend}\n\n{start}\n{text}{end}\n"
    path.write_text(doc)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"), required=False)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per page")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--redis", default=None, help="REDIS_URL for the served app (shared cache and limits)")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--generation", default=None, help="generate.py --summary file: the load's figures")
    parser.add_argument("--only", default="", help="comma-separated page names to run (default all)")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    parser.add_argument("--docs", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument("--i-know", action="store_true")
    parser.add_argument("--xlsx-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.db:
        parser.error("--db (or BENCH_DATABASE_URL) is required")
    check_scratch(args.db, args.i_know)
    url = normalise(args.db)
    if args.xlsx_child:
        print(json.dumps(xlsx_export(url, args.xlsx_rows)))
        return 0
    p = prepare(url)
    port = free_port()
    proc = serve(url, port, args.workers, args.threads, args.redis)
    pages, control, loads = [], None, []
    try:
        for name, user, setup, action, ok in scenarios(p):
            if args.only and name not in args.only.split(","):
                continue
            clients = [Client("127.0.0.1", port) for _ in range(args.clients)]
            for c in clients:
                if user:
                    c.login(user)
                if setup:
                    setup(c)
            result = load(name, clients, action, args.seconds, ok=ok)
            if control is None:
                control = result.requests / result.seconds
            summary = result.summary(control)
            summary["load"] = round(os.getloadavg()[0], 1)
            loads.append(summary["load"])
            pages.append(summary)
            print(f"{name:<36} {summary['req_s']:>8} req/s  p50 {summary['p50_ms']:>7} ms  p95 {summary['p95_ms']:>7} ms"
                  f"  p99 {summary['p99_ms']:>7} ms  errors {summary['errors']} {summary['statuses']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
    timed = timed_in_process(url)
    print(json.dumps(timed, ensure_ascii=False))
    child = subprocess.run([sys.executable, __file__, "--db", args.db, "--xlsx-child", "--xlsx-rows",
                            str(args.xlsx_rows)] + (["--i-know"] if args.i_know else []),
                           capture_output=True, text=True, check=True)
    xlsx = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(xlsx))
    report = {"at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cases": p["cases"],
              "backend": p["backend"], "clients": args.clients, "seconds": args.seconds, "workers": args.workers,
              "threads": args.threads, "machine": machine(p), "pages": pages, "timed": timed, "xlsx": xlsx,
              "load_average": {"mean": round(stats.mean(loads), 1) if loads else None,
                               "min": min(loads, default=None), "max": max(loads, default=None)}}
    if args.generation:
        report["generation"] = json.loads(Path(args.generation).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now():%Y%m%d-%H%M%S}-{p['backend']}-{p['cases']}"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    text = markdown(report)
    (out / f"{stem}.md").write_text(text)
    print(text)
    if args.docs:
        update_docs(text, p["backend"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
