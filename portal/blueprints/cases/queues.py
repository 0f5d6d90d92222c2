"""Queues: the dispatcher's, the unit's and the supervisors' dissatisfied zone."""
from flask import Blueprint, current_app, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain import deadlines, queues
from portal.models import Role
from portal.web import queue_links, render_page, roles_required

bp = Blueprint("queues", __name__, url_prefix="/staff")

TAB_LABELS = {
    "new": _l("New requests"), "assign": _l("To assign (incl. returned)"), "release": _l("Replies to release"),
    "extensions": _l("Extension requests"), "overdue": _l("Overdue"), "sign": _l("To sign for"),
    "handling": _l("Being handled"), "approve": _l("Replies to approve"), "co": _l("Co-handling"),
    "dissatisfied": _l("Dissatisfied zone"),
}
TITLES = {"dispatcher": _l("Dispatch queue"), "unit": _l("My unit's cases"),
          "supervisor": _l("Dissatisfied zone and overdue cases")}


def _render(kind: str, endpoint: str):
    tab, counts, cases = queues.queue(kind, current_user, request.args.get("tab"))
    bounds = deadlines.LightBounds.at()
    lights = {c.id: bounds.light_of(c) for c in cases}
    return render_page("staff/queue.html", "queue_table", title=TITLES[kind], tab=tab, counts=counts,
                       cases=cases, lights=lights, endpoint=endpoint, tab_labels=TAB_LABELS)


@bp.get("/queue")
@roles_required(Role.DISPATCHER, Role.ADMIN)
def dispatcher():
    return _render("dispatcher", "queues.dispatcher")


@bp.get("/unit")
@roles_required(Role.HANDLER, Role.UNIT_LEAD)
def unit():
    return _render("unit", "queues.unit")


@bp.get("/dissatisfied")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def dissatisfied():
    return _render("supervisor", "queues.dissatisfied")


@bp.get("/nav/counts")
def nav_counts():
    """The staff header's queue links with their live counts (htmx polls it every minute); a plain link list.
    Once the session has ended, the poll reloads the page (which then asks to sign in) rather than swapping the
    sign-in page into the header."""
    from urllib.parse import urlparse

    if not current_user.is_authenticated:
        if request.htmx:
            return "", 204, {"HX-Refresh": "true"}
        return current_app.login_manager.unauthorized()
    current = urlparse(request.headers.get("HX-Current-URL", "")).path
    response = make_response(render_template("frame/queue_counts.html", queues=queue_links(current_user, current)))
    response.cache_control.no_store = True
    return response
