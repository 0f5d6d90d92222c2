"""Configuration: defaults for the embedded SQLite setup, overridden by environment variables."""
import os
from pathlib import Path


class Config:
    # Required outside development: create_app refuses to start without a real key (see portal/web/guard.py).
    SECRET_KEY = os.environ.get("SECRET_KEY")
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
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Secure cookies when served over HTTPS: true when PREFERRED_URL_SCHEME is https unless set explicitly.
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SESSION_COOKIE_SECURE = {"1": True, "true": True, "0": False, "false": False}.get(
        os.environ.get("SESSION_COOKIE_SECURE", "").lower())
    # Reverse proxies in front of the app whose X-Forwarded-For (and -Proto) are trusted; 0: none (direct).
    # The address the public reaches the portal at (Open311 discovery, feed ids); the Host header is never used.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    REMEMBER_COOKIE_HTTPONLY = True
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    TRACK_RATE_LIMIT = "10 per minute;60 per hour"
    LOGIN_RATE_LIMIT = "10 per minute"  # failed sign-ins per address
    LOGIN_USER_RATE_LIMIT = "20 per hour"  # failed sign-ins per user name, whatever the address
    TRACK_CASE_RATE_LIMIT = "10 per hour"  # wrong query codes per tracking number, whatever the address
    SUBMIT_RATE_LIMIT = "20 per hour;60 per day"  # anonymous web submissions per address
    # the form's inline checks and similar-case look-ups per address (each a query; a script could loop on them)
    TYPING_HELP_RATE_LIMIT = "120 per minute;1500 per hour"
    KNOWLEDGE_ANSWERED_RATE_LIMIT = "30 per hour"  # "this answered my question" clicks per address (a counter)
    MAX_PHOTO_PIXELS = 40_000_000  # larger photos (and decompression bombs) are refused before decoding
    TRACKING_PREFIX = "FY"
    RECENT_PUBLISHED_ON_HOME = 8
    RANKING_CACHE_SECONDS = 600  # the supervisors' live ranking preview (flask worker refreshes it sooner)
    HOME_CACHE_SECONDS = 60  # the home page's content (published cases, figures) is rendered once a minute
    STATS_PAGE_CACHE_SECONDS = 60  # the public statistics of a period are rendered once a minute per language
    # The one reverse proxy whose X-Forwarded-For/-Proto/-Host are believed (gunicorn.conf.py passes
    # PORTAL_TRUSTED_PROXY on); unset: direct connections, forwarded headers ignored.
    TRUSTED_PROXY = os.environ.get("TRUSTED_PROXY", "")
    LANG_MARKS = True  # Chinese on English pages carries lang="zh-Hans" (portal/lang_marks.py)
    LANG_MARKS_LATIN = False  # ...and Latin words on Chinese pages lang="en"
    # the background worker's nightly hotspot scan runs on its first turn after this local (Asia/Shanghai) time
    HOTSPOT_SCAN_AFTER = "02:00"
    REPEAT_CALL_DAYS = 7  # a new case from the same phone about the same thing within this many days: 重复件
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
