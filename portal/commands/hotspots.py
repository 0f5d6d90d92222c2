"""`flask hotspots scan`: the nightly hotspot scan on demand (the background worker calls hotspots.scan itself)."""
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db


def nightly_scan(today: date | None = None):
    """The job the background worker runs every night: scan, commit, return the result."""
    from portal.domain import hotspots

    result = hotspots.scan(today)
    db.session.commit()
    return result


def register_hotspots_cli(app: Flask) -> None:
    group = AppGroup("hotspots", help="Hotspot warnings (热点预警).")

    @group.command("scan")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Scan as if today were this day (default: today in Asia/Shanghai).")
    def scan(today):
        """Find categories × towns rising well above their baseline; create or refresh one warning each."""
        import time

        started = time.perf_counter()
        result = nightly_scan(today.date() if today else None)
        click.echo(f"{result.groups_read} groups passed the count thresholds; {len(result.created)} new warnings, "
                   f"{len(result.refreshed)} open warnings refreshed ({time.perf_counter() - started:.1f} s).")

    app.cli.add_command(group)
