"""`flask stats warm`: recompute the cached statistics so that no visitor waits for them."""
import time

import click
from flask import Flask, current_app
from flask_babel import force_locale

from portal.domain import charts, periods, statistics


def register_stats_cli(app: Flask) -> None:
    @app.cli.group("stats")
    def stats_group():
        """The public statistics."""

    @stats_group.command("warm")
    def warm_command():
        """Recompute the cached statistics (this year, last 12 months, this and last month, hot topics) in both
        languages, so that no visitor waits for them. Run it from cron more often than the cache timeout (e.g.
        every 5 minutes); it only helps a cache the web workers share (REDIS_URL)."""
        started = time.perf_counter()
        on = periods.today()
        chosen = [statistics.period("year", on=on), statistics.period("12m", on=on),
                  statistics.period("month", on=on),
                  statistics.period("month", periods.month_text(periods.add_months(on, -1)), on=on)]
        with current_app.test_request_context():
            for p in chosen:
                figures = statistics.figures(p, refresh=True)
                for language in current_app.config["LANGUAGES"]:
                    with force_locale(language):
                        charts.cached_charts(p, figures, refresh=True)
            statistics.hot_topics(on, refresh=True)
        click.echo(f"statistics cache warmed ({len(chosen)} periods) in {time.perf_counter() - started:.1f} s")
