"""The authorization matrix: every route of `app.url_map` × every role → the outcome `tests/authz_policy.py`
declares. A route without a policy fails; so does any 500."""
import re

import pytest
from authz_policy import ACCOUNTS, POLICY, ROLES, expected
from security_world import build_world, sign_in_as_former

SKIP_METHODS = {"HEAD", "OPTIONS"}


def route_params(world: dict, endpoint: str) -> dict:
    """A value for every parameter a route takes: the ids of case A and of the objects next to it."""
    with_photo = world["citizen_photo"] if endpoint.startswith("public.") else world["photo_a"]
    return {
        "case_id": world["case_a"], "photo_id": with_photo, "step": "sign_for",
        "tracking_no": world["citizen_tracking_no"], "story_id": world["story_id"], "month": world["month"],
        "salon_id": world["salon_id"], "participant_id": world["participant_id"],
        "suggestion_id": world["suggestion_id"],
        "decision": {"salon_admin.decide_participant": "confirm", "knowledge.decide": "approve"}.get(endpoint,
                                                                                                  "not_adopted"),
        "action": "publish", "code": "en" if endpoint == "public.set_language" else world["rating_code"],
        "interview_id": world["interview_id"], "order_id": world["order_id"], "review_id": world["review_id"],
        "key_id": world["key_id"], "chart": "summary", "fmt": "json", "service_code": world["service_code"],
        "service_request_id": world["case_a_no"], "token": "nothing", "anything": "nothing.json",
        "filename": "css/portal.css",
        **{name: world[name] for name in ("article_id", "version_id", "template_id", "message_id", "user_id",
                                          "kind", "item_id", "warning_id", "topic_id", "task_id")},
    }


def build_url(rule, params: dict) -> str:
    return rule.build({name: params[name] for name in rule.arguments}, append_unknown=False)[1]


def classify(response) -> str:
    status = response.status_code
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    if status >= 500:
        return f"500 ({status})"
    if status in (301, 302, 303, 307, 308) and re.search(r"/login(\?|$)", location):
        return "login"
    if status in (403, 404, 405):
        return str(status)
    return "ok"


def routes(app):
    """(rule, method, endpoint) for every route and method, sign-out last (it ends the session)."""
    rows = [(rule, method, rule.endpoint) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - SKIP_METHODS)]
    return sorted(rows, key=lambda row: (row[2] == "auth.logout", row[0].rule, row[1]))


@pytest.fixture
def world(app):
    return build_world(app)


def session_for(app, client, role: str, world: dict):
    """Set up `client` as `role`; returns (session cookie, CSRF token) to restore before every request."""
    from flask import session  # noqa: F401

    if role == "former_monitor":
        token = sign_in_as_former(app, client, ACCOUNTS[role], world["former_term"])
    elif role in ACCOUNTS:
        client.login(ACCOUNTS[role])
        token = None
    else:
        token = None
    if role == "citizen":
        response = client.post("/track", {"tracking_no": world["citizen_tracking_no"],
                                          "query_code": world["citizen_code"]})
        assert response.status_code == 303, response.status_code
    if role == "citizen_wrong":
        response = client.post("/track", {"tracking_no": world["citizen_tracking_no"], "query_code": "000000"})
        assert response.status_code == 422
    if role != "former_monitor":  # its token is the one of the session while the term was current
        token = client.csrf("/login" if role in ACCOUNTS else "/submit")
    cookie = client.client.get_cookie("session")
    return (cookie.value if cookie else None), token


def test_every_route_has_a_policy(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(POLICY))
    assert not missing, f"routes without an access policy in tests/authz_policy.py: {missing}"
    stale = sorted(set(POLICY) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"policies for routes that no longer exist: {stale}"


def check_role(app, client, world, role) -> tuple[int, list[str]]:
    cookie, token = session_for(app, client, role, world)
    mismatches, checked = [], 0
    for rule, method, endpoint in routes(app):
        want = expected(endpoint, method, role)
        if want is None:
            continue  # test_every_route_has_a_policy reports it
        url = build_url(rule, route_params(world, endpoint))
        client.client.delete_cookie("session")
        if cookie:
            client.client.set_cookie("session", cookie)
        if method == "GET":
            response = client.client.get(url)
        else:
            response = client.client.open(url, method=method, data={"csrf_token": token or ""})
        got = classify(response)
        checked += 1
        if got != want:
            mismatches.append(f"{role}: {method} {url} ({endpoint}): expected {want}, got {got}")
    return checked, mismatches


def test_authorization_matrix(app, world):
    """One world, every role in its own session (one test: the world is built once)."""
    from portal.extensions import limiter
    from tests.helpers import PortalClient

    limiter.enabled = False  # the matrix makes hundreds of requests from one address
    try:
        total, mismatches = 0, []
        for role in ROLES:
            checked, wrong = check_role(app, PortalClient(app.test_client()), world, role)
            assert checked >= len(list(app.url_map.iter_rules()))
            total += checked
            mismatches += wrong
        print(f"authorization matrix: {total} route-method × role checks ({len(ROLES)} roles)")
        assert not mismatches, "\n".join(mismatches)
    finally:
        limiter.enabled = True
