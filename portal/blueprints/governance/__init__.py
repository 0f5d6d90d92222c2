"""Governance (主动治理): hotspot warnings and governance tasks, the monthly topic (每月一题) and its public pages.

`bp` holds the staff pages (/staff/governance/…), `public_bp` the public topic pages (/topics…)."""
from flask import Blueprint

bp = Blueprint("governance", __name__, url_prefix="/staff/governance")
public_bp = Blueprint("topics", __name__)

from portal.blueprints.governance import public, topic_routes, warning_routes  # noqa: E402,F401
