"""SQLite as a multi-process production database: WAL journal (readers never block the writer, a crashed
writer's half-written transaction is rolled back from the log) and a busy timeout (a worker waits for another
worker's write lock instead of failing with "database is locked")."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def sqlite_wal(engine: Engine, busy_timeout_seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")  # answers 'memory' for :memory:, which is fine
            cursor.execute("PRAGMA synchronous = FULL")  # an acknowledged commit survives a power cut too
        finally:
            cursor.close()
