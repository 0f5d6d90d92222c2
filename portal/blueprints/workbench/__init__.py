"""The staff workbench: find any case (search box on every staff page), a caller's history by phone."""
from flask import Blueprint

bp = Blueprint("workbench", __name__, url_prefix="/staff")

from portal.blueprints.workbench import routes  # noqa: E402,F401  (registers the views on bp)
