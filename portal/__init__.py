"""Application factory."""
import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.config import Config, database_url
from portal.extensions import babel, csrf, db, htmx, init_cache, limiter, login_manager, migrate


def select_locale() -> str:
    if not has_request_context():
        return "zh_Hans"  # commands and cron jobs speak the default language
    chosen = session.get("lang")
    if chosen in ("zh_Hans", "en"):
        return chosen
    return "zh_Hans"  # Chinese is the default whatever the browser says; English is one click away


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)  # instance/config.py, git-ignored
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"

    from portal import models  # noqa: F401  (register tables)
    from portal.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    from portal.blueprints import auth, errors
    from portal.blueprints.admin import api_keys as apikeys
    from portal.blueprints.admin import calendar as admin
    from portal.blueprints.admin import routing as routing_admin
    from portal.blueprints.cases import ledger, queues, staff
    from portal.blueprints.cases import steps as casework
    from portal.blueprints.open311 import api as open311
    from portal.blueprints.oversight import echo, monitors, rankings, supervision
    from portal.blueprints.oversight import statistics as stats
    from portal.blueprints.public import routes as public
    from portal.blueprints.salons import organizer as salon_admin
    from portal.blueprints.salons import public as salons

    for blueprint in (public, auth, staff, casework, queues, ledger, admin, stats, echo, rankings, supervision,
                      monitors, routing_admin, salons, salon_admin, apikeys, open311):
        app.register_blueprint(blueprint.bp)
    errors.register(app)

    init_cache(app)

    from portal.commands.calendar import register_calendar_cli
    from portal.commands.users import register_cli

    register_cli(app)
    register_calendar_cli(app)

    from portal.commands.ops import register_ops_cli

    register_ops_cli(app)

    from portal.commands.rankings import register_rankings_cli

    register_rankings_cli(app)

    from portal import view_helpers

    view_helpers.register(app)

    @app.context_processor
    def inject_locale():
        loc = get_locale()
        lang = "en" if loc is not None and loc.language == "en" else "zh-Hans"
        return {"html_lang": lang, "languages": app.config["LANGUAGES"], "current_path": request.full_path}

    return app
