"""Application factory."""
import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.config import Config, database_url
from portal.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate


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

    from portal.blueprints import (
        admin,
        apikeys,
        auth,
        casework,
        echo,
        errors,
        ledger,
        monitors,
        open311,
        public,
        queues,
        rankings,
        routing_admin,
        salon_admin,
        salons,
        staff,
        stats,
        supervision,
        workbench,
    )

    for blueprint in (public, auth, staff, casework, queues, ledger, admin, stats, echo, rankings, supervision,
                      monitors, routing_admin, salons, salon_admin, apikeys, open311, workbench):
        app.register_blueprint(blueprint.bp)
    from portal.blueprints import administration, governance, knowledge, reply_templates, unit_figures

    for blueprint in (administration.bp, administration.account_bp, knowledge.bp, knowledge.public_bp,
                      unit_figures.bp, reply_templates.bp, governance.bp, governance.public_bp):
        app.register_blueprint(blueprint)
    errors.register(app)

    from portal.domain import statistics

    statistics.init_cache(app)

    from portal.cli import register_cli
    from portal.cli_calendar import register_calendar_cli

    register_cli(app)
    register_calendar_cli(app)

    from portal.cli_ops import register_ops_cli

    register_ops_cli(app)

    from portal.cli_rankings import register_rankings_cli

    register_rankings_cli(app)

    from portal.cli_search import register_search_cli

    register_search_cli(app)

    from portal.cli_hotspots import register_hotspots_cli

    register_hotspots_cli(app)

    from portal import view_helpers

    view_helpers.register(app)

    @app.context_processor
    def inject_locale():
        loc = get_locale()
        lang = "en" if loc is not None and loc.language == "en" else "zh-Hans"
        return {"html_lang": lang, "languages": app.config["LANGUAGES"], "current_path": request.full_path}

    return app
