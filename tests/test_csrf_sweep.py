"""CSRF sweep, generated from the route map: every state-changing route refuses a request without a token and
one with a token from another session (400, nothing saved), for a user who may use the route. CSRF protection
is on in the test app (as in production). The only exemption is the Open311 blueprint, whose POST is
authenticated by API key (API clients have no session)."""
from authz_policy import ACCOUNTS, ROLES, STATE_CHANGING, expected
from security_world import build_world
from sqlalchemy import func, select
from test_authz_matrix import build_url, route_params

from portal.extensions import csrf, db

DOCUMENTED_EXEMPT_BLUEPRINTS = {"open311"}


def state_changing_routes(app):
    return [(rule, method) for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            for method in sorted(rule.methods & set(STATE_CHANGING))]


def fingerprint(app) -> dict:
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def test_only_the_documented_routes_are_exempt(app):
    assert {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints} == DOCUMENTED_EXEMPT_BLUEPRINTS
    assert not csrf._exempt_views
    exempt = [rule.endpoint for rule, _ in state_changing_routes(app)
              if rule.endpoint.split(".")[0] in DOCUMENTED_EXEMPT_BLUEPRINTS]
    assert sorted(set(exempt)) == ["open311.service_requests", "open311.unknown"]


def test_csrf_is_on_in_this_app(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_every_state_changing_route_refuses_a_missing_or_foreign_token(app):
    from portal.extensions import limiter

    world = build_world(app)
    stranger = app.test_client()
    stranger.get("/submit")
    import re

    foreign = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                        stranger.get("/submit").get_data(as_text=True)).group(1)
    clients, checked, accepted = {}, 0, []
    limiter.enabled = False
    try:
        before = fingerprint(app)
        for token_kind, (rule, method) in [(kind, route) for kind in ("missing", "foreign")
                                           for route in state_changing_routes(app)]:
            if rule.endpoint.split(".")[0] in DOCUMENTED_EXEMPT_BLUEPRINTS:
                continue
            role = next(r for r in ROLES if r != "former_monitor" and expected(rule.endpoint, method, r) == "ok")
            if role not in clients:
                from tests.helpers import PortalClient

                clients[role] = PortalClient(app.test_client())
                if role in ACCOUNTS:
                    clients[role].login(ACCOUNTS[role])
                clients[role].get("/submit")
            data = {"csrf_token": foreign} if token_kind == "foreign" else {}
            data.update({"title": "x", "description": "y", "answer": "z", "username": "admin",
                         "password": "demo12345", "tracking_no": world["citizen_tracking_no"],
                         "query_code": world["citizen_code"]})
            url = build_url(rule, route_params(world, rule.endpoint))
            response = clients[role].client.open(url, method=method, data=data)
            checked += 1
            if response.status_code != 400:
                accepted.append(f"{token_kind} token: {method} {url} as {role}: {response.status_code}")
        swept = [rule for rule, _ in state_changing_routes(app)
                 if rule.endpoint.split(".")[0] not in DOCUMENTED_EXEMPT_BLUEPRINTS]
        assert checked == 2 * len(swept) >= 100  # 2 × 54 today
        # the staff workbench, knowledge base, reply templates, administration and account forms are swept too
        assert {"account", "administration", "knowledge", "public_knowledge", "reply_templates",
                "workbench"} <= {rule.endpoint.split(".")[0] for rule in swept}
        assert not accepted, accepted
        assert fingerprint(app) == before  # nothing was saved
    finally:
        limiter.enabled = True
