"""The access policy of every route, by endpoint: who gets the page (ok), who is sent to sign in (login), who
is refused (403) and who is told there is nothing there (404).

`tests/test_authz_matrix.py` checks every route in `app.url_map` against this table for every role; a route
that is not listed here fails the suite, so a new route must come with its policy.

The matrix requests each route with the ids of *case A*: a case led by unit A (市城市管理局, the unit of
`handler_a` and `unit_lead`) received on a platform other than `dispatcher_sub`'s sub-platform; tracking pages use
the citizen's own case. Outcomes: ok (any answer that is not a refusal: 200, 303 to a page, 409, 422 ...),
login (redirect to the sign-in page), 403, 404. A 500 is never expected.
"""
ROLES = ("anonymous", "citizen", "citizen_wrong", "operator", "dispatcher", "dispatcher_sub", "handler_a",
         "handler_b", "unit_lead", "supervisor", "monitor", "former_monitor", "organizer", "admin")
# role -> demo account (None: not signed in)
ACCOUNTS = {"operator": "operator", "dispatcher": "dispatcher", "dispatcher_sub": "dispatcher_yz",
            "handler_a": "handler", "handler_b": "handler_yz", "unit_lead": "unit_lead", "supervisor": "supervisor",
            "monitor": "monitor", "former_monitor": "monitor_former", "organizer": "organizer", "admin": "admin"}
PUBLIC = ("anonymous", "citizen", "citizen_wrong")
STAFF = ("operator", "dispatcher", "dispatcher_sub", "handler_a", "handler_b", "unit_lead", "supervisor", "monitor",
         "organizer", "admin")


def everyone(outcome="ok"):
    """A public page: the same for every visitor. A former monitor's session is ended at their next request,
    whatever the page (monitors' guard), and they are sent to sign in."""
    policy = {role: outcome for role in ROLES}
    policy["former_monitor"] = "login"
    return policy


def staff_only(*allowed, refused="403", **special):
    """Signed-in staff in `allowed` get it; other staff are refused; visitors are sent to sign in."""
    policy = {role: "login" for role in PUBLIC + ("former_monitor",)}
    for role in STAFF:
        policy[role] = "ok" if role in allowed else refused
    policy.update(special)
    return policy


ALL_STAFF = STAFF
CASE_A_READERS = ("operator", "dispatcher", "handler_a", "unit_lead", "supervisor", "monitor", "admin")
OVERSIGHT = ("supervisor", "admin")
ORGANIZERS = ("organizer", "admin")
ADMIN = ("admin",)
# the knowledge base (portal.domain.knowledge): who reads it, who writes articles, who approves a version
KNOWLEDGE_READERS = ("operator", "dispatcher", "dispatcher_sub", "handler_a", "handler_b", "unit_lead",
                     "supervisor", "admin")
KNOWLEDGE_WRITERS = ("handler_a", "handler_b", "unit_lead", "admin")
KNOWLEDGE_APPROVERS = ("dispatcher", "dispatcher_sub", "supervisor", "admin")
UNIT_STAFF = ("handler_a", "handler_b", "unit_lead")
CALLER_LOOKUP = ("operator", "dispatcher", "dispatcher_sub", "supervisor")  # portal.domain.callers.LOOKUP_ROLES

# endpoint -> {method: {role: outcome}} ; a plain {role: outcome} applies to every method of the route
POLICY = {
    # ---- public pages
    "public.home": everyone(),
    # the monthly topic's public pages (published topics only: counts, never a case's text)
    "topics.index": everyone(), "topics.topic": everyone(), "topics.feed": everyone(),
    "public.set_language": everyone(),
    "public.submit": everyone(),
    "public.submit_options": everyone(),
    "public.receipt": everyone(),
    "public.similar_cases": everyone(),
    "public.validate_field": everyone(),
    "public.track": everyone(),
    "public.forget_tracked": everyone(),
    # the citizen's case: only the session that gave the right query code
    "public.tracked_case": {**everyone("404"), "citizen": "ok"},
    "public.evaluate": {**everyone("404"), "citizen": "ok"},
    "public.tracked_photo": {**everyone("404"), "citizen": "ok"},
    "static": {**everyone(), "former_monitor": "ok"},  # the guard leaves static files alone
    "healthz": everyone(),  # it only says the process answers (a former monitor's session still ends)
    # the public knowledge base: approved, public, unexpired answers (article of unit A)
    "public_knowledge.index": everyone(), "public_knowledge.suggest": everyone(),
    "public_knowledge.article": everyone(), "public_knowledge.answered": everyone(),
    "auth.login": everyone(),
    "auth.logout": staff_only(*ALL_STAFF),
    "echo.index": everyone(), "echo.story": everyone(), "echo.feed": everyone(),
    "rankings.public_index": everyone(), "rankings.public_month": everyone(), "rankings.export_xlsx": everyone(),
    "salons.index": everyone(), "salons.detail": everyone(), "salons.ics": everyone(), "salons.live": everyone(),
    "salons.outcomes": everyone(), "salons.register": everyone(), "salons.registered": everyone(),
    "salons.rate": everyone(), "salons.rate_post": everyone(),
    "stats.index": everyone(), "stats.chart_csv": everyone(),
    # ---- Open311: public reads; POST authenticated by API key, not by the session (same for every role)
    "open311.discovery": everyone(), "open311.services": everyone(), "open311.service_definition": everyone(),
    "open311.service_requests": {"GET": everyone(), "POST": everyone("403")},  # POST without a key: refused
    "open311.service_request": everyone(),
    "open311.token": everyone("404"),  # an unknown token
    "open311.service_request_updates": everyone(), "open311.openapi": everyone(),
    "open311.unknown": everyone("404"),
    # ---- staff: any signed-in account (the list itself is scoped)
    "staff.home": staff_only(*ALL_STAFF),
    "staff.case_list": staff_only(*ALL_STAFF),
    "ledger.index": staff_only(*ALL_STAFF),
    "ledger.export_csv": staff_only(*ALL_STAFF, monitor="403"),  # monitors read on screen only
    "ledger.export_xlsx": staff_only(*ALL_STAFF, monitor="403"),  # monitors read on screen only
    "account.change_password": staff_only(*ALL_STAFF),
    "workbench.search_cases": staff_only(*ALL_STAFF),  # results are scoped
    "workbench.caller_lookup": staff_only(*CALLER_LOOKUP),
    # case A's caller history: the roles that look callers up, within their scope (not the sub-platform's)
    "workbench.case_caller_history": staff_only("operator", "dispatcher", "supervisor"),
    # ---- knowledge base (staff side): an article of unit A, a draft version of it waiting for approval
    "knowledge.index": staff_only(*KNOWLEDGE_READERS), "knowledge.search": staff_only(*KNOWLEDGE_READERS),
    "knowledge.new": staff_only(*KNOWLEDGE_WRITERS),
    # everyone who reads may open it; only unit A (and admins) may write a new version of it
    "knowledge.article": {"GET": staff_only(*KNOWLEDGE_READERS),
                          "POST": staff_only("handler_a", "unit_lead", "admin")},
    "knowledge.decide": staff_only(*KNOWLEDGE_APPROVERS),
    # ---- reply templates: unit staff read their unit's, unit leads manage them (template and case of unit A)
    "reply_templates.index": staff_only(*UNIT_STAFF, "admin"),
    "reply_templates.edit": staff_only("unit_lead", "admin"),
    "reply_templates.retire": staff_only("unit_lead", "admin"),
    "reply_templates.insert": staff_only("handler_a", "unit_lead", "admin"),
    # ---- a unit's own figures; supervisors and admins choose the unit
    "unit_figures.units": staff_only(*OVERSIGHT),
    "unit_figures.index": staff_only(*UNIT_STAFF, *OVERSIGHT),
    # without a metric and a period there is no cohort to list
    "unit_figures.cases": staff_only(**{role: "404" for role in UNIT_STAFF + OVERSIGHT}),
    # ---- one case (case A): its scope decides
    "staff.case_detail": staff_only(*CASE_A_READERS),
    "staff.case_photo": staff_only(*CASE_A_READERS),
    # contact details: only the units handling the case, each view logged
    "ledger.show_contact": staff_only("handler_a", "unit_lead"),
    "casework.take_step": staff_only(*CASE_A_READERS, monitor="403"),
    "monitors.review": staff_only("monitor"),
    "supervision.issue_on_case": staff_only(*OVERSIGHT),
    # ---- role workspaces
    "staff.intake_call": staff_only("operator", "dispatcher", "dispatcher_sub", "admin"),
    "queues.dispatcher": staff_only("dispatcher", "dispatcher_sub", "admin"),
    "queues.unit": staff_only("handler_a", "handler_b", "unit_lead"),
    "queues.dissatisfied": staff_only(*OVERSIGHT),
    "queues.nav_counts": staff_only(*ALL_STAFF),  # the staff header's queue counts (each through the user's scope)
    "style_guide.index": staff_only(*ALL_STAFF),  # the living style guide: no case data
    "monitors.home": staff_only("monitor"),
    "ledger.contact_views": staff_only(*ADMIN),
    "echo.new": staff_only(*OVERSIGHT),
    "rankings.staff": staff_only(*OVERSIGHT), "rankings.publish": staff_only(*OVERSIGHT),
    "rankings.interviews": staff_only(*OVERSIGHT), "rankings.record_interview": staff_only(*OVERSIGHT),
    "rankings.record_follow_up": staff_only(*OVERSIGHT),
    "supervision.dashboard": staff_only(*OVERSIGHT), "supervision.cases": staff_only(*OVERSIGHT),
    "supervision.flags": staff_only(*OVERSIGHT), "supervision.decide_flag": staff_only(*OVERSIGHT),
    "supervision.orders": staff_only(*OVERSIGHT, "handler_a", "handler_b", "unit_lead"),
    "supervision.issue_on_unit": staff_only(*OVERSIGHT),
    # an order to unit A: only unit A answers it
    "supervision.answer": staff_only("handler_a", "unit_lead"),
    # ---- salons (organizers)
    **{f"salon_admin.{name}": staff_only(*ORGANIZERS) for name in (
        "index", "new", "edit", "detail", "step", "close", "participants", "add_participant",
        "decide_participant", "card", "checkin", "capture", "record", "triage", "decide")},
    # ---- administration
    "admin.calendar_page": staff_only(*ADMIN), "admin.calendar_import": staff_only(*ADMIN),
    "routing_admin.index": staff_only(*ADMIN), "routing_admin.delete": staff_only(*ADMIN),
    "apikeys.index": staff_only(*ADMIN), "apikeys.create": staff_only(*ADMIN), "apikeys.revoke": staff_only(*ADMIN),
    **{f"administration.{name}": staff_only(*ADMIN) for name in (
        "index", "users", "new_user", "edit_user", "set_active", "reset_password", "organisation_list",
        "organisation_edit", "organisation_retire", "outbox", "resend")},
    "administration.audit_log": staff_only(*OVERSIGHT),  # admins and supervisors (README: administration)
    # ---- governance (portal.domain.governance): supervisors and the warning's own unit (unit A) read and
    # acknowledge it; the other unit is told there is nothing there; only supervisors act, close, scan, tune
    "governance.warnings": staff_only(*OVERSIGHT, *UNIT_STAFF),
    "governance.settings": {"GET": staff_only(*OVERSIGHT, *UNIT_STAFF), "POST": staff_only(*OVERSIGHT)},
    "governance.warning": staff_only(*OVERSIGHT, "handler_a", "unit_lead", handler_b="404"),
    "governance.acknowledge": staff_only(*OVERSIGHT, "handler_a", "unit_lead", handler_b="404"),
    **{f"governance.{name}": staff_only(*OVERSIGHT) for name in (
        "act", "close", "scan", "topic_list", "topic_new", "topic_detail", "topic_publish", "topic_task_status")},
}

# Routes that take the id of a case, an order, a salon, a suggestion ... and the role that must NOT reach
# the object of another unit / platform (object-level checks, tests/test_authz_objects.py).
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def expected(endpoint: str, method: str, role: str) -> str | None:
    policy = POLICY.get(endpoint)
    if policy is None:
        return None
    if method in policy:
        policy = policy[method]
    return policy[role]
