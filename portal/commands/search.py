"""`flask search reindex`: rebuild the full-text index of every case (after a bulk import, or to repair it)."""
import click
from flask import Flask
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The full-text index of cases.")


@search_cli.command("reindex")
@click.option("--batch", default=1000, show_default=True, help="Cases per transaction.")
def reindex_command(batch):
    """Segment every case's text again and rewrite its index entry (also fills missing caller phone keys)."""
    from portal.domain import callers, search
    from portal.extensions import db
    from portal.models import Case

    filled = 0
    for case in db.session.scalars(db.select(Case).where(Case.caller_phone_key.is_(None))
                                   .execution_options(yield_per=batch)):
        key = callers.phone_key(case.citizen_phone)
        if key:
            case.caller_phone_key = key
            filled += 1
    db.session.commit()
    count = search.reindex(batch=batch)
    click.echo(f"Indexed {count} cases; filled {filled} caller phone keys.")


def register_search_cli(app: Flask) -> None:
    app.cli.add_command(search_cli)
