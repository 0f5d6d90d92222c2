"""Issue 12, "every parameter is parsed by one helper that answers 400/404" and "the Host header is never used",
checked from the route map so that a later route cannot slip past:

* every GET route, with every query parameter it reads (recorded while it runs), given huge and negative integers,
  non-ASCII digits, out-of-range dates, an over-long string and a NUL: never a 500;
* every state-changing route, with every form field it reads, given the same: never a 500;
* no page, feed, calendar file or API answer repeats the request's Host header;
* the source has no second parser: no `type=int`, WTForms' own IntegerField or `coerce=int` in portal/ (they take
  '١٢٣' and numbers the database cannot hold); portal.web.guard and portal.web.forms are the helpers.
"""
import ast
from pathlib import Path

import pytest
from authz_policy import ACCOUNTS, ROLES, STATE_CHANGING, expected
from security_world import build_world
from test_authz_matrix import build_url, route_params

from portal.extensions import limiter
from portal.web.guard import NulFreeMultiDict
from tests.helpers import PortalClient

HOSTILE = ["9" * 25, "-" + "9" * 20, "٣", "３", "0001-01-01", "9999-12-31T23:59:59+14:00", "x" * 3000, "\x00"]
ROOT = Path(__file__).resolve().parent.parent


class Recording(NulFreeMultiDict):
    """request.args / request.form that remember which names the view asked for."""

    seen: set = set()

    def get(self, key, default=None, type=None):
        Recording.seen.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        Recording.seen.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        Recording.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        Recording.seen.add(key)
        return super().__contains__(key)


@pytest.fixture
def recording(app):
    old = app.request_class.parameter_storage_class
    app.request_class.parameter_storage_class = Recording
    limiter.enabled = False  # thousands of requests from one address
    yield
    app.request_class.parameter_storage_class = old
    limiter.enabled = True


def signed_in(app, world, role) -> tuple[PortalClient, str]:
    client = PortalClient(app.test_client())
    if role in ACCOUNTS:
        client.login(ACCOUNTS[role])
    if role == "citizen":
        assert client.post("/track", {"tracking_no": world["citizen_tracking_no"],
                                      "query_code": world["citizen_code"]}).status_code == 303
    return client, client.csrf("/submit")


def hostile_requests(client, url, method, names, token=None):
    """(request, outcome) for each name × hostile value that answered 5xx or raised."""
    failures = []
    for name in sorted(names - {"csrf_token"}):
        for raw in HOSTILE:
            try:
                if method == "GET":
                    response = client.client.get(url, query_string={name: raw})
                else:
                    response = client.client.open(url, method=method, data={"csrf_token": token, name: raw})
                response.get_data()  # a streamed export runs to its end inside its own request
                response.close()
                if response.status_code >= 500:
                    failures.append(f"{method} {url} {name}={raw[:12]!r}: {response.status_code}")
            except Exception as err:  # noqa: BLE001  (TESTING propagates the 500's exception)
                failures.append(f"{method} {url} {name}={raw[:12]!r}: {type(err).__name__}: {str(err)[:100]}")
    return failures


@pytest.mark.parametrize("role", ["admin", "citizen", "handler_a"])
def test_every_query_parameter_of_every_page_is_parsed_safely(app, recording, role):
    world = build_world(app)
    client, _token = signed_in(app, world, role)
    failures, checked = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in ("auth.logout", "static"):
            continue
        url = build_url(rule, route_params(world, rule.endpoint))
        Recording.seen = set()
        client.client.get(url).get_data()
        names = Recording.seen | {"page"}
        failures += hostile_requests(client, url, "GET", names)
        checked += len(names) * len(HOSTILE)
    print(f"{role}: {checked} hostile GET requests")
    assert checked > 1000
    assert not failures, "\n".join(failures[:40])


def test_every_form_field_of_every_state_changing_route_is_parsed_safely(app, recording):
    world = build_world(app)
    clients, failures, checked = {}, [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods & set(STATE_CHANGING)):
            if rule.endpoint == "auth.logout":
                continue
            role = next((r for r in ROLES if r != "former_monitor" and expected(rule.endpoint, method, r) == "ok"),
                        None)
            if role is None or role == "citizen_wrong":
                continue
            if role not in clients:
                clients[role] = signed_in(app, world, role)
            client, token = clients[role]
            url = build_url(rule, route_params(world, rule.endpoint))
            Recording.seen = set()
            client.client.open(url, method=method, data={"csrf_token": token}).get_data()
            failures += hostile_requests(client, url, method, Recording.seen, token)
            checked += len(Recording.seen) * len(HOSTILE)
    print(f"{checked} hostile form posts")
    assert checked > 500
    assert not failures, "\n".join(failures[:40])


def test_nul_characters_never_reach_the_database(app):
    """PostgreSQL text cannot hold NUL: query and form parameters lose them as they are parsed; a path parameter
    with one names nothing (404)."""
    with app.test_request_context("/staff/search?q=a%00b&x%00=1", method="POST", data={"title": "路\x00灯"}):
        from flask import request

        assert request.args["q"] == "ab" and request.args["x"] == "1" and request.form["title"] == "路灯"
    assert app.test_client().get("/track/FY%00").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_no_answer_repeats_the_host_header(app, role):
    """Links, feed ids, calendar ids and API documents use PUBLIC_BASE_URL (anyone can send any Host)."""
    world = build_world(app)
    limiter.enabled = False
    try:
        client, _token = signed_in(app, world, role)
        echoed = []
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "auth.logout":
                continue
            url = build_url(rule, route_params(world, rule.endpoint))
            response = client.client.get(url, headers={"Host": "evil-host.example"})
            if b"evil-host.example" in response.get_data() or "evil-host.example" in str(response.headers):
                echoed.append(url)
        assert not echoed, echoed
    finally:
        limiter.enabled = True


def second_parsers(source: str) -> list[str]:
    """`type=int` / `coerce=int` arguments and WTForms' own IntegerField imported, in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg in ("type", "coerce") and \
                isinstance(node.value, ast.Name) and node.value.id in ("int", "float"):
            found.append(f"line {node.value.lineno}: {node.arg}={node.value.id}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wtforms") and \
                any(alias.name in ("IntegerField", "FloatField") for alias in node.names):
            found.append(f"line {node.lineno}: WTForms' own number field")
    return found


def test_no_second_parameter_parser_in_the_source():
    allowed = {ROOT / "portal" / "web" / "forms.py"}  # the bounded number fields wrap WTForms' own
    offenders = [f"{path.relative_to(ROOT)} {where}" for path in sorted((ROOT / "portal").rglob("*.py"))
                 if path not in allowed for where in second_parsers(path.read_text(encoding="utf-8"))]
    assert offenders == [], offenders


@pytest.mark.parametrize("source", ["request.args.get('page', 1, type=int)", "SelectField(coerce=int)",
                                    "from wtforms import IntegerField", "from wtforms.fields import FloatField"])
def test_the_second_parser_check_catches(source):
    assert second_parsers(source)
