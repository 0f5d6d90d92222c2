"""`flask backup FILE` / `flask restore FILE` round-trip every table (row counts and a checksum of each table's
rows), on SQLite (online backup API) and on PostgreSQL (pg_dump -Fc / pg_restore --clean)."""
import hashlib

from security_world import build_world
from sqlalchemy import inspect, text

from portal.extensions import db


def table_digests(app) -> dict[str, tuple[int, str]]:
    """Every table of the database (the migrations' own table included): row count and a digest of its rows."""
    digests = {}
    with app.app_context():
        db.session.remove()
        for name in sorted(inspect(db.engine).get_table_names()):
            rows = db.session.execute(text(f'SELECT * FROM "{name}"')).all()  # noqa: S608 (names from the catalogue)
            lines = sorted(repr(tuple(str(value) for value in row)) for row in rows)
            digests[name] = (len(rows), hashlib.sha256("\n".join(lines).encode()).hexdigest())
        db.session.remove()
    return digests


def test_backup_and_restore_round_trip_every_table(app, tmp_path):
    build_world(app)
    before = table_digests(app)
    assert before["case"][0] > 50 and before["salon"][0] > 0 and before["alembic_version"][0] == 1
    runner = app.test_cli_runner()
    file = tmp_path / "portal.backup"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert file.stat().st_size > 0 and "Backed up" in result.output

    with app.app_context():  # damage: rows deleted from one table, changed in another
        db.session.execute(text("DELETE FROM case_event WHERE id % 2 = 0"))
        db.session.execute(text("UPDATE \"case\" SET title = 'changed'"))
        db.session.commit()
    assert table_digests(app) != before

    result = runner.invoke(args=["restore", "--yes", str(file)])
    assert result.exit_code == 0, result.output
    after = table_digests(app)
    assert after == before
    with app.app_context():  # the app works on the restored database
        assert db.session.execute(text('SELECT count(*) FROM "case"')).scalar() == before["case"][0]


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"hello")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "missing")])
    assert result.exit_code != 0 and "no such file" in result.output
