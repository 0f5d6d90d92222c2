"""The background worker: `flask worker` — one long-lived process that runs the portal's periodic jobs.

| job | every (setting, seconds) | what |
| --- | --- | --- |
| outbox | WORKER_OUTBOX_INTERVAL, 60 | deliver queued texts and emails (`outbox.deliver_pending`) |
| sweep | WORKER_SWEEP_INTERVAL, 300 | escalate overdue cases, remind units, close unrated cases (`sweep.sweep`) |
| statistics | WORKER_STATS_INTERVAL, 300 | recompute the cached public statistics and the supervisors' live rankings of this and last month (useful with a shared REDIS_URL cache) |
| hotspots | WORKER_HOTSPOTS_INTERVAL, 600 | once a local night, after HOTSPOT_SCAN_AFTER: the hotspot scan (`hotspots.nightly_turn`) |

Safe to run more than once at a time (two machines, or a restart overlapping the old process):
- every job runs under a lock named after it. PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) held
  on its own connection while the job runs; SQLite: an exclusive `flock` on a file beside the database (all jobs
  share one lock there, since SQLite has one writer anyway). A worker that finds the lock taken skips the job
  until its next turn: another worker is doing it right now.
- the nightly hotspot scan also claims its night with a `hotspot_scan_run` row (one per day, primary key), so a
  worker that comes after the first one the same night skips it.
- on PostgreSQL the outbox needs no job lock: each message row is taken with `FOR UPDATE SKIP LOCKED`, so two
  workers share the queue and never send one message twice.

`flask worker --once` runs every job once and exits (cron-style use, and tests).
"""
from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import click
from flask import Flask, current_app
from sqlalchemy import text

from portal.extensions import db


@dataclass(frozen=True)
class Job:
    name: str
    interval_setting: str
    default_interval: int
    run: Callable[[], str]
    row_locked_on_postgres: bool = False  # rows are taken with SKIP LOCKED: no job lock needed there


def _outbox() -> str:
    from portal.domain import outbox

    result = outbox.deliver_pending()
    return f"sent {result.sent}, failed {result.failed}"


def _sweep() -> str:
    from portal.domain import sweep

    summary = sweep.sweep()
    return (f"escalated {summary.escalated}, sign-for reminders {summary.sign_reminders}, "
            f"closed unevaluated {summary.closed_unevaluated}")


def _statistics() -> str:
    from portal.commands.stats import warm_statistics

    return f"warmed {warm_statistics()} periods"


def _hotspots() -> str:
    from portal.commands.hotspots import nightly_turn

    return nightly_turn()


JOBS = (
    Job("outbox", "WORKER_OUTBOX_INTERVAL", 60, _outbox, row_locked_on_postgres=True),
    Job("sweep", "WORKER_SWEEP_INTERVAL", 300, _sweep),
    Job("statistics", "WORKER_STATS_INTERVAL", 300, _statistics),
    Job("hotspots", "WORKER_HOTSPOTS_INTERVAL", 600, _hotspots),
)


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def lock_key(name: str) -> int:
    """A stable 31-bit advisory-lock key per job name."""
    return zlib.crc32(f"portal-worker:{name}".encode()) & 0x7FFFFFFF


@contextmanager
def job_lock(name: str):
    """Yields True when this process holds the job's lock (and keeps it until the block ends), False when another
    worker holds it."""
    if _is_postgres():
        conn = db.engine.connect()
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)}))
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
                    conn.commit()
        finally:
            conn.close()
        return
    path = _sqlite_lock_path()
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_lock_path() -> str:
    database = db.engine.url.database
    if not database or database == ":memory:":
        return os.path.join(current_app.instance_path, "worker.lock")
    return database + ".worker.lock"


def run_job(job: Job) -> str:
    """Run one job under its lock; returns what it did ("skipped: ..." when another worker has it)."""
    if job.row_locked_on_postgres and _is_postgres():
        return job.run()
    with job_lock(job.name if _is_postgres() else "jobs") as got:
        if not got:
            return "skipped: another worker is running it"
        return job.run()


def run_once(only: tuple[str, ...] = ()) -> dict[str, str]:
    """Every job (or those named) once, in order; a failing job is logged and rolled back, the others still run."""
    results = {}
    for job in JOBS:
        if only and job.name not in only:
            continue
        try:
            results[job.name] = run_job(job)
        except Exception as exc:  # noqa: BLE001 - a worker outlives a failing job; the next turn retries it
            db.session.rollback()
            current_app.logger.exception("worker job %s failed", job.name)
            results[job.name] = f"failed: {type(exc).__name__}: {exc}"
        finally:
            db.session.remove()
    return results


def run_forever(stop: threading.Event, only: tuple[str, ...] = ()) -> None:
    """Run each job when its interval has passed, until `stop` is set (SIGTERM/SIGINT)."""
    next_run = {job.name: 0.0 for job in JOBS if not only or job.name in only}
    while not stop.is_set():
        now = time.monotonic()
        due = tuple(name for name, at in next_run.items() if at <= now)
        if due:
            for name, result in run_once(due).items():
                click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {name}: {result}")
            for job in JOBS:
                if job.name in due:
                    interval = int(current_app.config.get(job.interval_setting) or job.default_interval)
                    next_run[job.name] = time.monotonic() + interval
        stop.wait(max(0.5, min(next_run.values()) - time.monotonic()))


def register_worker_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Run every job once and exit.")
    @click.option("--only", multiple=True, type=click.Choice([job.name for job in JOBS]),
                  help="Run only this job (repeatable).")
    def worker(once, only):
        """Long-lived background worker: outbox every minute, sweep and statistics every 5 minutes, the hotspot scan
        once a night."""
        if once:
            for name, result in run_once(tuple(only)).items():
                click.echo(f"{name}: {result}")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo("worker started (outbox every minute, sweep and statistics every 5 minutes, hotspot scan "
                   "nightly); Ctrl-C stops it")
        run_forever(stop, tuple(only))
        click.echo("worker stopped")
