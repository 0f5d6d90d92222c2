"""`flask backup FILE` and `flask restore FILE`: a consistent copy of the whole database and its way back.

- SQLite: the online backup API (a consistent snapshot while the portal keeps serving; WAL included).
- PostgreSQL: `pg_dump -Fc` / `pg_restore --clean --if-exists --no-owner` against DATABASE_URL (the client tools
  of the server's major version must be on PATH).

Uploaded photos live in UPLOAD_DIR: back that directory up with the database (e.g. rsync/tar).
"""
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with fixed arguments, no shell
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.engine import make_url

from portal.extensions import db


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url(url) -> str:
    """postgresql+psycopg://… → postgresql://… (the form the client tools understand)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise click.ClickException("This SQLite database is in memory: nothing to back up.")
    return url.database


def _sqlite_copy(source_path, dest_path) -> None:
    """Copy one SQLite database over another with the online backup API (a consistent snapshot)."""
    source = sqlite3.connect(source_path)
    dest = sqlite3.connect(dest_path)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()


def backup(target: Path) -> None:
    url = _url()
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
    elif url.get_backend_name() == "postgresql":
        result = subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), "-d", _libpq_url(url)],  # nosec B603 B607
                                capture_output=True, text=True)
        if result.returncode:
            raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise click.ClickException(f"No backup for the {url.get_backend_name()} database.")


def restore(source_file: Path) -> None:
    url = _url()
    if not source_file.is_file():
        raise click.ClickException(f"{source_file}: no such file.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold a lock on the tables being replaced
    if url.get_backend_name() == "sqlite":
        with open(source_file, "rb") as head:
            if head.read(16) != b"SQLite format 3\x00":
                raise click.ClickException(f"{source_file} is not a SQLite backup.")
        _sqlite_copy(source_file, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",  # nosec B603 B607
                                 "-d", _libpq_url(url), str(source_file)], capture_output=True, text=True)
        if result.returncode:
            raise click.ClickException(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise click.ClickException(f"No restore for the {url.get_backend_name()} database.")
    db.engine.dispose()


def register_backup_cli(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(file: Path):
        """Write a consistent copy of the whole database to FILE (SQLite backup / pg_dump -Fc)."""
        backup(file)
        click.echo(f"Backed up the database to {file} ({file.stat().st_size:,} bytes).")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(file: Path, yes: bool):
        """Replace the whole database with the copy in FILE (made by `flask backup`)."""
        if not yes:
            click.confirm("This replaces every table of the database with the backup. Continue?", abort=True)
        restore(file)
        click.echo(f"Restored the database from {file}.")
