"""SQLite runs in WAL mode with a busy timeout (several gunicorn workers share the file)."""
import pytest
from sqlalchemy import text

from portal.extensions import db


def test_sqlite_connections_use_wal_and_wait_for_locks(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT"] * 1000
