"""`flask retention run [--years N] [--dry-run]`: anonymise the contact details of cases closed more than N
years ago (RETENTION_YEARS by default). Meant for a monthly cron job:

    0 3 1 * *   cd /srv/portal && FLASK_APP=wsgi.py .venv/bin/flask retention run
"""
import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger("portal.retention")


def register_retention_cli(app: Flask) -> None:
    retention_cli = AppGroup("retention", help="Anonymise contact details once the retention period is over.")

    @retention_cli.command("run")
    @click.option("--years", type=click.IntRange(min=1), default=None,
                  help="Cases closed more than this many years ago (default: RETENTION_YEARS, 5).")
    @click.option("--dry-run", is_flag=True, help="Count and list the cases, change nothing.")
    def run(years, dry_run):
        """Anonymise name, phone and e-mail (and mask them in the case's text) of long-closed cases."""
        from portal.domain import retention
        from portal.extensions import db

        years = years or int(current_app.config.get("RETENTION_YEARS", 5))
        result = retention.run(years, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        verb = "would anonymise" if dry_run else "anonymised"
        summary = (f"{verb} {len(result.cases)} case(s) closed before {result.cutoff.date().isoformat()} "
                   f"(retention {years} years)")
        log.info("retention: %s: %s", summary, ", ".join(result.cases))
        click.echo(summary + (": " + ", ".join(result.cases[:20]) + (" …" if len(result.cases) > 20 else "")
                              if result.cases else ""))

    app.cli.add_command(retention_cli)
