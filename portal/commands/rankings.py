"""`flask rankings publish --month 2026-10` and `flask rankings show --month 2026-10`: the monthly ranking."""
import time

import click
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.commands import terminal_locale
from portal.domain import metrics, rankings
from portal.domain.rates import percent
from portal.extensions import db
from portal.models import Unit


def echo_table(table: dict[str, list[rankings.TableRow]]) -> None:
    keys = metrics.RATE_KEYS
    header = [_("Rank"), _("Unit"), str(metrics.METRIC_LABELS["volume"])] + \
        [str(metrics.METRIC_LABELS[k]) for k in keys] + [str(metrics.METRIC_LABELS["score"])]
    for group, rows in table.items():
        click.echo(f"\n== {rankings.GROUP_LABELS[group]} ==")
        click.echo("\t".join(header))
        for r in rows:
            rank = "—" if r.rank is None else str(r.rank)
            mark = {"top": "▲", "bottom": "▼"}.get(r.position or "", " ")
            score = "—" if r.score is None else f"{r.score:.2f}"
            click.echo("\t".join([f"{mark}{rank}", r.name, str(r.volume)]
                                 + [percent(r.rates.get(k)) for k in keys] + [score]))


def register_rankings_cli(app: Flask) -> None:
    @app.cli.group("rankings")
    def rankings_group():
        """Monthly rankings of the handling units (亮晒比)."""

    @rankings_group.command("publish")
    @click.option("--month", default=None, help="YYYY-MM (default: last month).")
    def publish(month):
        """Publish a month's ranking as an immutable snapshot and list units for interviews."""
        with force_locale(terminal_locale()):
            started = time.perf_counter()
            try:
                result = rankings.publish(month or rankings.last_month())
            except rankings.RankingError as err:
                db.session.rollback()
                raise click.ClickException(str(err)) from None
            db.session.commit()
            elapsed = time.perf_counter() - started
            echo_table(rankings.snapshot_table(result.snapshot))
            click.echo("")
            click.echo(_("Published the ranking for %(month)s (%(n)d units) in %(s).2f s.",
                         month=result.snapshot.month, n=len(result.snapshot.rows), s=elapsed))
            for interview in result.interviews:
                unit = db.session.get(Unit, interview.unit_id)
                click.echo(_("Interview list: %(unit)s (bottom 3 in two consecutive months).", unit=unit.name))

    @rankings_group.command("show")
    @click.option("--month", default=None, help="YYYY-MM (default: last month).")
    def show(month):
        """Show a month's published ranking, or its live figures when not published."""
        with force_locale(terminal_locale()):
            try:
                month = rankings.parse_month(month or rankings.last_month())
            except rankings.RankingError as err:
                raise click.ClickException(str(err)) from None
            snapshot = rankings.snapshot_for(month)
            if snapshot is not None:
                click.echo(_("Ranking for %(month)s, published %(at)s.", month=month,
                             at=snapshot.published_at.astimezone(rankings.calendar.SHANGHAI)
                             .strftime("%Y-%m-%d %H:%M")))
                echo_table(rankings.snapshot_table(snapshot))
            else:
                click.echo(_("%(month)s is not published: live figures, which may still change.", month=month))
                echo_table(rankings.compute(month))
