"""Crash safety: submit N cases concurrently to the production server (gunicorn, `wsgi:app`, 2 workers) while
a worker is killed with SIGKILL several times; afterwards every submission that got a tracking number must
exist, intact, exactly once, and no submission may exist twice.

    .venv/bin/python scripts/crash_test.py -n 3000 --kills 10                 # a fresh SQLite file (WAL)
    .venv/bin/python scripts/crash_test.py -n 3000 --kills 10 \\
        --database-url postgresql://postgres@127.0.0.1:5432/scratch            # an EMPTY PostgreSQL database

The script migrates the database, loads the demo organisation and an Open311 API key, then submits through
Open311 POST (threads, no retries: a request cut by a kill simply got no tracking number). tests/test_crash.py
runs a small version (300 submissions, 3 kills) on the test database.
"""
import argparse
import json
import os
import signal
import socket
import subprocess  # nosec B404 - starts gunicorn and flask with fixed arguments
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Outcome:
    submitted: int = 0
    acknowledged: dict = field(default_factory=dict)  # tracking number -> marker
    failed: int = 0  # refused, cut or timed out: no tracking number
    kills: int = 0
    problems: list = field(default_factory=list)
    seconds: float = 0.0
    unacknowledged_but_saved: int = 0

    def summary(self) -> str:
        return (f"{self.submitted} submitted, {len(self.acknowledged)} acknowledged with a tracking number, "
                f"{self.failed} without (cut by a kill or refused), {self.unacknowledged_but_saved} saved without "
                f"an acknowledgement, {self.kills} worker(s) killed with SIGKILL, {self.seconds:.0f} s; "
                + ("every acknowledged submission exists intact exactly once" if not self.problems else
                   f"{len(self.problems)} PROBLEM(S): " + "; ".join(self.problems[:10])))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, settings_file: Path) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "PORTAL_SETTINGS": str(settings_file), "FLASK_APP": "wsgi.py",
                "SECRET_KEY": env.get("SECRET_KEY") or uuid.uuid4().hex + uuid.uuid4().hex})
    env.pop("REDIS_URL", None)  # in-memory rate limits: the settings file raises the Open311 one
    return env


def write_settings(workdir: Path) -> Path:
    settings = workdir / "crash_settings.py"
    settings.write_text(f'UPLOAD_DIR = {str(workdir / "uploads")!r}\n'
                        'OPEN311_POST_RATE_LIMIT = "1000000 per minute"\n'
                        'RATELIMIT_STORAGE_URI = "memory://"\n')
    return settings


def prepare(database_url: str, env: dict) -> str:
    """Migrate, load the demo organisation, return a new API key."""
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,  # nosec B603
                   capture_output=True)
    code = ("from portal import create_app\nfrom portal.extensions import db\n"
            "from portal.demo import reference\nfrom portal.domain import apikeys\n"
            "app = create_app()\nwith app.app_context():\n"
            "    reference.load_reference()\n    key = apikeys.create('crash test', 'web', None)\n"
            "    db.session.commit()\n    print(key.secret)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,  # nosec B603
                            capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def workers_of(master_pid: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        return []


def wait_ready(base: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            urllib.request.urlopen(base + "/open311/v2/services.json", timeout=5).read()  # nosec B310 - our server
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def submit(base: str, api_key: str, service_code: str, county: str, marker: str) -> str | None:
    body = urllib.parse.urlencode({
        "api_key": api_key, "service_code": service_code, "address_string": "人民路88号",
        "attribute[county]": county, "attribute[publish]": "no",
        "description": f"崩溃测试 {marker}：路面有坑，请修复。", "first_name": "测试", "last_name": "张",
        "phone": "13812345678"}).encode()
    request = urllib.request.Request(base + "/open311/v2/requests.json", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # nosec B310 - our server
            if response.status != 201:
                return None
            return json.loads(response.read())[0]["service_request_id"]
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError, KeyError, IndexError):
        return None


def verify(database_url: str, outcome: Outcome, run_id: str, markers: list[str]) -> None:
    from sqlalchemy import create_engine, text

    url = database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT c.id, c.tracking_no, c.description, c.citizen_phone, "
                                 "(SELECT count(*) FROM case_event e WHERE e.case_id = c.id AND e.action = 'submit') "
                                 'FROM "case" c WHERE c.description LIKE :pattern'),
                            {"pattern": f"%{run_id}%"}).all()
    engine.dispose()
    by_marker: dict[str, list] = {}
    for row in rows:
        marker = row.description.split(" ", 1)[1].split("：", 1)[0]
        by_marker.setdefault(marker, []).append(row)
    for marker, found in by_marker.items():
        if len(found) > 1:
            outcome.problems.append(f"{marker} saved {len(found)} times")
    acknowledged_markers = set(outcome.acknowledged.values())
    for tracking_no, marker in outcome.acknowledged.items():
        found = by_marker.get(marker, [])
        if len(found) != 1:
            outcome.problems.append(f"{tracking_no} acknowledged but found {len(found)} time(s)")
            continue
        row = found[0]
        if row.tracking_no != tracking_no or row.citizen_phone != "13812345678" or row[4] != 1 or \
                not row.description.startswith(f"崩溃测试 {marker}："):
            outcome.problems.append(f"{tracking_no} not intact")
    outcome.unacknowledged_but_saved = len(set(by_marker) - acknowledged_markers)
    unknown = set(by_marker) - set(markers)
    if unknown:
        outcome.problems.append(f"{len(unknown)} unexpected case(s)")


def run(database_url: str, n: int = 300, kills: int = 3, threads: int = 12, workers: int = 2,
        api_key: str | None = None, service_code: str = "", county: str = "yingzhou",
        workdir: Path | None = None, log=print) -> Outcome:
    workdir = Path(workdir or tempfile.mkdtemp(prefix="crash-"))
    env = server_env(database_url, write_settings(workdir))
    if api_key is None:
        api_key = prepare(database_url, env)
    if not service_code:
        service_code = _first_service(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # nosec B603
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=open(workdir / "gunicorn.log", "wb"), stderr=subprocess.STDOUT)
    outcome = Outcome()
    run_id = uuid.uuid4().hex[:8]
    markers = [f"{run_id}-{i:06d}" for i in range(n)]
    lock = threading.Lock()
    started = time.monotonic()
    try:
        wait_ready(base, server)
        done = threading.Event()

        def killer():
            for k in range(kills):
                target = (k + 1) * n // (kills + 1)
                while outcome.submitted < target and not done.is_set():
                    time.sleep(0.02)
                if done.is_set():
                    return
                pids = workers_of(server.pid)
                if pids:
                    os.kill(pids[k % len(pids)], signal.SIGKILL)
                    outcome.kills += 1
                    log(f"killed worker {pids[k % len(pids)]} after {outcome.submitted} submissions")

        def one(marker):
            tracking_no = submit(base, api_key, service_code, county, marker)
            with lock:
                outcome.submitted += 1
                if tracking_no:
                    outcome.acknowledged[tracking_no] = marker
                else:
                    outcome.failed += 1

        killing = threading.Thread(target=killer, daemon=True)
        killing.start()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(one, markers))
        done.set()
        killing.join(timeout=10)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    outcome.seconds = time.monotonic() - started
    verify(database_url, outcome, run_id, markers)
    if len(outcome.acknowledged) != len(set(outcome.acknowledged.values())):
        outcome.problems.append("a tracking number was given twice")
    return outcome


def _first_service(database_url: str) -> str:
    from sqlalchemy import create_engine, text

    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.connect() as conn:
        code = conn.execute(text("SELECT c.code FROM category c WHERE NOT EXISTS "
                                 "(SELECT 1 FROM category k WHERE k.parent_id = c.id) ORDER BY c.id")).scalar()
    engine.dispose()
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=3000, help="submissions (default 3000)")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of a worker during the run (default 10)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database to use (default: a new SQLite file in a temporary directory)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crash-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'crash.sqlite3'}"
    print(f"database {database_url.split('@')[-1]}, work directory {workdir}")
    outcome = run(database_url, n=args.n, kills=args.kills, threads=args.threads, workers=args.workers,
                  workdir=workdir)
    print(outcome.summary())
    return 1 if outcome.problems or outcome.kills < args.kills else 0


if __name__ == "__main__":
    sys.exit(main())
