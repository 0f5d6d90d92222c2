from flask import Blueprint

bp = Blueprint("knowledge", __name__, url_prefix="/staff/knowledge")
public_bp = Blueprint("public_knowledge", __name__, url_prefix="/questions")
