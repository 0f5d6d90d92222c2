from flask import Blueprint

bp = Blueprint("unit_figures", __name__, url_prefix="/staff/unit-figures")
