"""Knowledge base pages: staff search (also inside operator intake), writing and approving articles, expired
articles of a unit; and the public "common questions" pages with their counters."""
from flask import Blueprint

bp = Blueprint("knowledge", __name__, url_prefix="/staff/knowledge")
public_bp = Blueprint("public_knowledge", __name__, url_prefix="/questions")

from portal.blueprints.knowledge import public, staff  # noqa: E402,F401
