"""Application factory: configuration, then extensions, blueprints, commands and templating, each registered by
the package that owns it."""
import os
from pathlib import Path

from flask import Flask

from portal.config import Config, database_url


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

    from portal.blueprints import register_blueprints
    from portal.commands import register_commands
    from portal.extensions import register_extensions
    from portal.web.templating import register_templating

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_templating(app)
    return app
