"""Extensions are created bare here and bound to the app in create_app()."""
import os
from functools import cached_property
from pathlib import Path

from flask import Flask, g, has_request_context, session
from flask_babel import Babel, Domain
from flask_babel import lazy_gettext as _l
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData

from portal.search_schema import include_object

# Named constraints so Alembic migrations behave the same on SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
# include_object: the full-text index (tsvector column / FTS5 table) is not in the models, see portal.search_schema
migrate = Migrate(render_as_batch=True, compare_type=True, include_object=include_object)


class _SignedInProtection(LoginManager):
    """Flask-Login with its "strong" session binding checked on signed-in sessions only. Stock Flask-Login also
    "protects" an anonymous session that holds nothing but the CSRF token: it empties it and sets the cookie again
    on every anonymous response, static files and the favicon included. A slow anonymous response that finished
    after the sign-in answer then put the old cookie back over the signed-in one, and the next page asked to sign
    in again."""

    def _session_protection_failed(self):
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


login_manager = _SignedInProtection()
csrf = CSRFProtect()


class _RequestDomain(Domain):
    """Flask-Babel's message domain, keeping this request's catalogue beside the request's locale: Flask-Babel's
    own look-up walks the request context four times and spells the locale's name for every string, and a staff
    list translates hundreds of them (a column name per cell for phones, a state per row). Looked up again when
    the locale changes (force_locale)."""

    def get_translations(self):
        ctx = g.get("_flask_babel") if has_request_context() else None
        locale = getattr(ctx, "babel_locale", None)
        if locale is None:
            return super().get_translations()
        kept = getattr(ctx, "portal_translations", None)
        if kept is None or kept[0] is not locale:
            kept = ctx.portal_translations = (locale, super().get_translations())
        return kept[1]


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _RequestDomain(domain=self.domain)


babel = _Babel()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address)
cache = Cache(with_jinja2_ext=False)  # the statistics figures and charts (portal.domain.statistics)
CACHE_TIMEOUT = 600


def init_cache(app: Flask, cache_type: str | None = None) -> None:
    """Bind the cache to `app` (may be called again, e.g. by a test that wants a real cache)."""
    redis_url = app.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    cache_type = cache_type or app.config.get("STATS_CACHE_TYPE")
    if not cache_type:
        if app.testing:
            cache_type = "NullCache"  # tests see fresh figures; tests of the cache itself opt in
        elif redis_url:
            cache_type = "RedisCache"
        else:
            cache_type = "SimpleCache"
    config = {"CACHE_TYPE": cache_type, "CACHE_KEY_PREFIX": "portal-stats:", "CACHE_NO_NULL_WARNING": True,
              "CACHE_DEFAULT_TIMEOUT": app.config.get("STATS_CACHE_TIMEOUT", CACHE_TIMEOUT)}
    if cache_type == "RedisCache":
        config["CACHE_REDIS_URL"] = redis_url
    cache.init_app(app, config=config)


def select_locale() -> str:
    if not has_request_context():
        return "zh_Hans"  # commands and cron jobs speak the default language
    chosen = session.get("lang")
    if chosen in ("zh_Hans", "en"):
        return chosen
    return "zh_Hans"  # Chinese is the default whatever the browser says; English is one click away


def register_extensions(app: Flask) -> None:
    from portal.web import guard

    package = Path(__file__).parent
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from portal.db_sqlite import sqlite_wal

        with app.app_context():
            sqlite_wal(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
    migrate.init_app(app, db, directory=str(package / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(package / "translations"))
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    init_cache(app)

    from portal import models  # noqa: F401  (register tables)
    from portal.models import User

    login_manager._session_identifier_generator = guard.session_identifier  # no forwarded-address header

    @login_manager.user_loader
    def load_user(user_id: str):
        """The cookie's id is "user id:session version"; an older version (signed out, password changed) is
        no session at all."""
        raw_id, _sep, raw_version = str(user_id).partition(":")
        uid, version = guard.parse_int(raw_id), guard.parse_int(raw_version)
        if uid is None or version is None:
            return None
        user = db.session.get(User, uid)
        if user is None or (user.session_version or 1) != version:
            return None
        return user
