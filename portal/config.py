"""Configuration: defaults for the embedded SQLite setup, overridden by environment variables."""
import os
from pathlib import Path


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app from DATABASE_URL or instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # 5 photos of at most 10 MB each plus the text fields; larger bodies get a friendly 413 page.
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    MAX_PHOTOS = 5
    MAX_PHOTO_BYTES = 10 * 1024 * 1024
    UPLOAD_DIR = None  # instance/uploads unless set
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans": "简体中文", "en": "English"}
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session: a citizen may type slowly
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    TRACK_RATE_LIMIT = "10 per minute;60 per hour"
    LOGIN_RATE_LIMIT = "10 per minute"
    TRACKING_PREFIX = "FY"
    RECENT_PUBLISHED_ON_HOME = 8
    # `flask retention run`: contact details of cases closed more than this many years ago are anonymised
    RETENTION_YEARS = 5
    # SQLite only: seconds a connection waits for another worker's write lock (busy_timeout); WAL journal mode
    SQLITE_BUSY_TIMEOUT = 30


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")
