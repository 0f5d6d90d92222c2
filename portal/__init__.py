"""Application factory: configuration, then extensions, blueprints, commands and templating, each registered by
the package that owns it."""
import os
from pathlib import Path

from flask import Flask

from portal.config import Config, database_url


def create_app(config: dict | None = None) -> Flask:
    from portal.web import guard

    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = guard.BoundedIntConverter  # before any route: huge ids are 404s
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)  # instance/config.py, git-ignored
    app.config.from_envvar("PORTAL_SETTINGS", silent=True)  # a settings file named by the environment
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    guard.ensure_secret_key(app)
    guard.trust_proxies(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # several gunicorn workers share the file: wait for the writer's lock instead of failing at once
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT"]}}
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No JIT: it compiles for seconds whenever a plan's estimated cost is high (the rankings' correlated
        # look-ups) and the queries here run in milliseconds to a second; the page would wait for the compiler.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"options": "-c jit=off", **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    from portal.blueprints import register_blueprints
    from portal.commands import register_commands
    from portal.extensions import register_extensions
    from portal.web import register_web
    from portal.web.templating import register_templating

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_templating(app)
    register_web(app)
    return app
