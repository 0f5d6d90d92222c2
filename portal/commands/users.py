"""Flask commands: `flask demo`, `flask create-user`."""
import click
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Platform, Role, Unit, User


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--cases", default=2000, show_default=True, help="Historical cases to generate.")
    @click.option("--reset/--no-reset", default=False, help="Delete all data first.")
    def demo(cases: int, reset: bool):
        """Load the demo city (Fuyang): organisation, categories, one user per role, historical cases."""
        from portal.demo import cases as demo_cases
        from portal.demo import reference

        if reset:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
        if db.session.scalar(select(User).limit(1)) is not None:
            click.echo("The database already has data; demo not loaded again (use --reset to start over).")
        else:
            from portal.domain import notify, sweep

            ref = reference.load_reference()
            samples = demo_cases.generate(ref, count=cases)
            demo_cases.repeat_calls(ref)  # a few callers ringing back: flagged repeat calls in the dispatcher's queue
            from portal.demo import oversight
            from portal.demo import salons as demo_salons

            oversight.load(ref)
            demo_salons.load(ref)
            from portal.demo import knowledge as demo_knowledge

            demo_knowledge.load(ref)  # knowledge base articles and reply templates
            from portal.demo import governance as demo_governance

            demo_governance.load(ref)  # two planted hotspots and a published monthly topic
            db.session.commit()
            with notify.muted():  # history: escalate what is overdue today, close what was never rated
                summary = sweep.sweep()
            click.echo(f"Loaded the demo city with {cases} cases; {summary.escalated} overdue escalated, "
                       f"{summary.closed_unevaluated} unrated closed.")
            click.echo("Try tracking: " + ", ".join(f"{no} / {code}" for no, code in samples))
        click.echo("\nDemo logins (password for all: %s):" % reference.DEMO_PASSWORD)
        from portal.demo import oversight

        for username, name, role, *_ in reference.DEMO_USERS:
            click.echo(f"  {username:<15} {role:<16} {name}")
        for username, name, *_ in oversight.DEMO_LOGINS + [oversight.FORMER]:
            if username != "monitor":
                click.echo(f"  {username:<15} {'monitor':<16} {name}")
        click.echo("  h_<unit code> / lead_<unit code>: the handler and unit lead of every unit, e.g. h_jtj")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "display_name", required=True)
    @click.option("--role", type=click.Choice(Role.ALL), required=True)
    @click.option("--unit", "unit_code", default=None, help="Code of the user's unit (handlers, unit leads).")
    @click.option("--platform", "platform_code", default=None, help="Code of the user's platform (operators...).")
    @click.password_option()
    def create_user(username, display_name, role, unit_code, platform_code, password):
        """Create a staff account."""
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"user {username} exists")
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
        platform = db.session.scalar(select(Platform).where(Platform.code == platform_code)) if platform_code else None
        if unit_code and unit is None:
            raise click.ClickException(f"no unit with code {unit_code}")
        if platform_code and platform is None:
            raise click.ClickException(f"no platform with code {platform_code}")
        if role in Role.UNIT_ROLES and unit is None:
            raise click.ClickException("handlers and unit leads need --unit")
        user = User(username=username, display_name=display_name, role=role, unit=unit, platform=platform)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"created {username} ({role})")

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option()
    def set_password(username, password):
        """Change a staff account's password; every session signed in with the old one ends."""
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
        user.set_password(password)
        db.session.commit()
        click.echo(f"password changed for {username}; all their sessions have ended")
