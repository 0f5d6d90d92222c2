"""`flask calendar import FILE` and `flask calendar status`: the official working-day schedule."""
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.commands import terminal_locale
from portal.domain import calendar
from portal.extensions import db


def register_calendar_cli(app: Flask) -> None:
    @app.cli.group("calendar")
    def calendar_group():
        """The official working-day schedule (holidays, 调休 weekend working days)."""

    @calendar_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_file(file: Path):
        """Load the official schedule from a CSV of date,kind,name (kind: holiday or workday).

        Each year in the file replaces that year's schedule; on any error nothing is changed."""
        with force_locale(terminal_locale()):
            try:
                schedule = calendar.parse_schedule_csv(calendar.decode_schedule(file.read_bytes()))
                years = calendar.load_schedule(schedule, calendar.import_source(file.name))
            except calendar.CalendarImportError as err:
                db.session.rollback()
                raise click.ClickException(f"{file}: {err}") from None
            db.session.commit()
            click.echo(calendar.loaded_message(schedule, years))

    @calendar_group.command("status")
    def status():
        """List the loaded years and the missing ones (this year and next)."""
        with force_locale(terminal_locale()):
            years = calendar.loaded_years()
            if years:
                click.echo(_("Loaded years:"))
                for y in years:
                    click.echo(f"  {y.year}  {y.source:<40} {y.loaded_at.astimezone(calendar.SHANGHAI):%Y-%m-%d %H:%M}")
            else:
                click.echo(_("No year is loaded: every deadline is provisional."))
            missing = calendar.missing_years(calendar.local_day(datetime.now(timezone.utc)))
            for year in missing:
                click.echo(_("%(year)d schedule not loaded: deadlines in %(year)d are counted Monday–Friday and "
                             "flagged provisional.", year=year))
            if not missing:
                click.echo(_("This year's and next year's schedules are loaded."))
