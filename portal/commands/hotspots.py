"""`flask hotspots scan`: the nightly hotspot scan on demand; `nightly_turn()` is the background worker's job.

The worker asks every WORKER_HOTSPOTS_INTERVAL seconds (default 600); the scan runs once a local night
(Asia/Shanghai), on the worker's first turn after HOTSPOT_SCAN_AFTER (default "02:00"). Safe with two workers:
- the worker runs the job under its lock (portal/commands/worker.py), so two turns never overlap;
- the claim is a `hotspot_scan_run` row keyed by the day, inserted in the same transaction as the warnings: a
  second worker finds it and skips the night; one that raced past the check fails on the primary key and rolls
  back (on PostgreSQL its insert waits for the first transaction, then fails) — never a second scan that night;
- the scan itself is idempotent (one open warning per category × town, `open_key` unique), so even the on-demand
  command run the same night refreshes the warnings instead of doubling them.
"""
from datetime import date, datetime, time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import HotspotScanRun
from portal.models.base import utcnow


def nightly_scan(today: date | None = None):
    """Scan, commit, return the result (the on-demand command)."""
    from portal.domain import hotspots

    result = hotspots.scan(today)
    db.session.commit()
    return result


def scan_after() -> time:
    """HOTSPOT_SCAN_AFTER ("HH:MM", local time): the nightly scan runs on the first worker turn after it."""
    return time.fromisoformat(str(current_app.config["HOTSPOT_SCAN_AFTER"]))


def nightly_turn(moment: datetime | None = None) -> str:
    """One worker turn: scan when it is past HOTSPOT_SCAN_AFTER and nobody has scanned this local day yet."""
    from portal.domain import calendar, hotspots

    local = (moment or utcnow()).astimezone(calendar.SHANGHAI)
    day = local.date()
    if local.time() < scan_after():
        return f"waiting until {scan_after():%H:%M}"
    if db.session.get(HotspotScanRun, day) is not None:
        return f"{day} already scanned"
    run = HotspotScanRun(day=day, started_at=utcnow())
    db.session.add(run)
    try:
        db.session.flush()  # the claim
        result = hotspots.scan(day)
        run.created, run.refreshed = len(result.created), len(result.refreshed)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if db.session.get(HotspotScanRun, day) is None:
            raise  # not the claim (a warning refused: an on-demand scan at that moment); the next turn retries
        return f"{day} already scanned"
    return f"{day}: {run.created} new warnings, {run.refreshed} refreshed"


def register_hotspots_cli(app: Flask) -> None:
    group = AppGroup("hotspots", help="Hotspot warnings (热点预警).")

    @group.command("scan")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Scan as if today were this day (default: today in Asia/Shanghai).")
    def scan(today):
        """Find categories × towns rising well above their baseline; create or refresh one warning each."""
        import time as clock

        started = clock.perf_counter()
        result = nightly_scan(today.date() if today else None)
        click.echo(f"{result.groups_read} groups passed the count thresholds; {len(result.created)} new warnings, "
                   f"{len(result.refreshed)} open warnings refreshed ({clock.perf_counter() - started:.1f} s).")

    app.cli.add_command(group)
