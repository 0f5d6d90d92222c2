"""`flask stats warm`: recompute the cached statistics so that no visitor waits for them (`flask worker` runs it
too). `flask stats rebuild-daily` / `check-daily`: recompute / verify the pre-aggregated daily case counts."""
import time

import click
from flask import Flask, current_app
from flask_babel import force_locale

from portal.domain import charts, daily_counts, knowledge, periods, rankings, statistics
from portal.extensions import db


def warm_statistics() -> int:
    """Recompute and store the cached public figures and charts; returns the number of periods warmed."""
    on = periods.today()
    chosen = [statistics.period("year", on=on), statistics.period("12m", on=on), statistics.period("month", on=on),
              statistics.period("month", periods.month_text(periods.add_months(on, -1)), on=on)]
    with current_app.test_request_context():
        for p in chosen:
            figures = statistics.figures(p, refresh=True)
            knowledge.cached_totals(p.start, p.end, refresh=True)  # questions answered without a case
            for language in current_app.config["LANGUAGES"]:
                with force_locale(language):
                    charts.cached_charts(p, figures, refresh=True)
        statistics.hot_topics(on, refresh=True)
        for month in (periods.month_text(on), rankings.last_month(on)):  # the supervisors' live rankings
            rankings.preview(month, refresh=True)
    return len(chosen)


def register_stats_cli(app: Flask) -> None:
    @app.cli.group("stats")
    def stats_group():
        """The public statistics."""

    @stats_group.command("warm")
    def warm_command():
        """Recompute the cached statistics (this year, last 12 months, this and last month, hot topics) in both
        languages, so that no visitor waits for them. Run it from cron more often than the cache timeout (e.g.
        every 5 minutes), or let `flask worker` do it; it only helps a cache the web workers share (REDIS_URL)."""
        started = time.perf_counter()
        count = warm_statistics()
        click.echo(f"statistics cache warmed ({count} periods) in {time.perf_counter() - started:.1f} s")

    @stats_group.command("rebuild-daily")
    def rebuild_daily_command():
        """Recompute the daily case counts the public statistics read from the cases (set-based SQL): after a
        bulk load that bypassed the application, or to repair them."""
        started = time.perf_counter()
        rows = daily_counts.rebuild()
        db.session.commit()
        statistics.clear_cache()
        click.echo(f"daily case counts rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s")

    @stats_group.command("check-daily")
    def check_daily_command():
        """Compare the daily case counts with the cases; exits 1 when some rows differ."""
        diffs = daily_counts.differences()
        for d in diffs[:20]:
            click.echo(f"{d['day']} {d['dimension']}={d['member']}: stored {d['stored']}, cases say {d['expected']}")
        if diffs:
            click.echo(f"{len(diffs)} rows differ: run `flask stats rebuild-daily`")
            raise SystemExit(1)
        click.echo("daily case counts are current")
