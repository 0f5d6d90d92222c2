"""Pages: fragment detection, `render_page` (named blocks for htmx), `redirect_after_post`, the header's links."""
from flask import make_response, redirect, request
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_block


def is_fragment_request() -> bool:
    """An htmx request that wants a piece of a page, not a boosted navigation or a history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page(template: str, block: str | None = None, status: int = 200, **context):
    """Render the whole page, or only `block` when htmx asks for a fragment. Always varies on HX-Request."""
    from flask import render_template

    if block and is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_too_many(template: str, block: str, wait: int, **context):
    """A form refused by a rate limit: the page (or its form's block) with status 429 and Retry-After `wait` seconds;
    the caller has put the message on the form."""
    response = render_page(template, block, status=429, **context)
    response.headers["Retry-After"] = str(wait)
    return response


def redirect_after_post(url: str, code: int = 303):
    """303 (or `code`) for a normal form post; HX-Redirect for htmx so the browser really navigates."""
    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        if "#" in url:  # same page + anchor would only scroll: make htmx reload it at the new address
            response.headers["HX-Refresh"] = "true"
        return response
    return redirect(url, code=code)


PUBLIC_LINKS = (
    ("public.submit", _l("Submit a request")),
    ("public.track", _l("Track my case")),
    ("stats.index", _l("Statistics")),
    ("public_knowledge.index", _l("Common questions")),
    ("echo.index", _l("Echo wall")),
    ("rankings.public_index", _l("Rankings")),
    ("salons.index", _l("Tea salons")),
    ("topics.index", _l("Monthly topics")),
)
# endpoint, label, roles that see it (None: every signed-in staff member)
STAFF_LINKS = (
    ("queues.dispatcher", _l("Dispatch queue"), ("dispatcher", "admin")),
    ("queues.unit", _l("My unit's cases"), ("handler", "unit_lead")),
    ("supervision.dashboard", _l("Supervision"), ("supervisor", "admin")),
    ("queues.dissatisfied", _l("Dissatisfied zone"), ("supervisor", "admin")),
    ("supervision.orders", _l("Supervision orders"), ("supervisor", "admin", "handler", "unit_lead")),
    ("supervision.flags", _l("Monitors' flags"), ("supervisor", "admin")),
    ("governance.warnings", _l("Hotspot warnings"), ("supervisor", "admin", "handler", "unit_lead")),
    ("governance.topic_list", _l("Monthly topics"), ("supervisor", "admin")),
    ("echo.new", _l("Publish on the echo wall"), ("supervisor", "admin")),
    ("monitors.home", _l("My reviews"), ("monitor",)),
    ("rankings.staff", _l("Monthly rankings"), ("supervisor", "admin")),
    ("rankings.interviews", _l("Interview list"), ("supervisor", "admin")),
    ("salon_admin.index", _l("Tea salons"), ("salon_organizer", "admin")),
    ("staff.intake_call", _l("Record a call or message"), ("operator", "dispatcher", "admin")),
    ("staff.case_list", _l("All cases in my scope"), None),
    ("ledger.index", _l("Ledger"), None),
    ("admin.calendar", _l("Working-day calendar"), ("admin",)),
    ("routing_admin.index", _l("Routing table"), ("admin",)),
    ("apikeys.index", _l("API keys"), ("admin",)),
    ("ledger.contact_views", _l("Contact views log"), ("admin",)),
    ("unit_figures.index", _l("My unit's figures"), ("handler", "unit_lead")),
    ("unit_figures.units", _l("Units' figures"), ("supervisor", "admin")),
    ("reply_templates.index", _l("Reply templates"), ("handler", "unit_lead", "admin")),
    ("knowledge.index", _l("Knowledge base"), ("operator", "dispatcher", "handler", "unit_lead", "supervisor", "admin")),
    ("administration.index", _l("Administration"), ("admin",)),
    ("administration.audit_log", _l("Audit log"), ("supervisor",)),
)


# the queues the staff header shows with their live counts: endpoint -> the queue (portal.domain.queues.QUEUES)
QUEUE_LINKS = {"queues.dispatcher": "dispatcher", "queues.unit": "unit", "queues.dissatisfied": "supervisor"}
STAFF_PREFIXES = ("/staff", "/admin", "/account")  # pages under these get the staff frame


def is_staff_page(user) -> bool:
    """The staff frame (queues with counts, the user menu) for a signed-in staff member on a staff page; every
    other page keeps the public frame."""
    return bool(user is not None and user.is_authenticated and request.path.startswith(STAFF_PREFIXES))


def queue_links(user, current_path: str | None = None) -> list[tuple[str, str, object, bool]]:
    """(url, label, count, current) for each queue this user works: the count is the queue's cases waiting, counted
    through the user's scope (one capped statement per queue)."""
    from flask import url_for

    from portal.domain import queues

    _, staff = nav_links(user)
    current_path = request.path if current_path is None else current_path
    links = []
    for endpoint, label in staff:
        if endpoint in QUEUE_LINKS:
            url = url_for(endpoint)
            links.append((url, label, queues.waiting(QUEUE_LINKS[endpoint], user), url == current_path))
    return links


def nav_links(user) -> tuple[list, list]:
    """(public links, staff links) for the header: only pages that exist and that the user may open."""
    from flask import current_app

    endpoints = current_app.view_functions
    public = [(e, label) for e, label in PUBLIC_LINKS if e in endpoints]
    staff = []
    if user is not None and user.is_authenticated:
        staff = [(e, label) for e, label, roles in STAFF_LINKS
                 if e in endpoints and (roles is None or user.role in roles)]
    return public, staff
