"""Issue 12, web-layer classes: secret key, open redirects, hostile parameters (never 500), Open311 errors and
host header, security headers and cookies."""
import io
from urllib.parse import quote

import pytest

from portal import create_app

HOSTILE_TARGETS = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "http:evil.example", "https:/evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
    "/\tevil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", " //evil.example",
    "%2F%2Fevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%09/evil.example",
    "/%252F%252Fevil.example", "https://user:pass@evil.example/", "//user@evil.example", "evil.example",
    "@evil.example", "ftp://evil.example", "/\x00/evil.example", "//%65vil.example", "/.\\evil.example",
]


# ---- secret key ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [None, "", "dev-only-change-me", "short"])
def test_app_refuses_to_start_without_a_real_key_outside_development(monkeypatch, tmp_path, key):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from portal.web.guard import InsecureConfiguration

    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": key}
    with pytest.raises(InsecureConfiguration) as err:
        create_app(config)
    assert "secrets.token_hex(32)" in str(err.value)


def test_development_keeps_a_random_key_in_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "development")
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": None}
    first = create_app(config)
    second = create_app(config)
    key = first.config["SECRET_KEY"]
    assert key and key != "dev-only-change-me" and len(key) >= 32 and second.config["SECRET_KEY"] == key


def test_a_real_key_starts_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "k" * 64})
    assert app.config["SECRET_KEY"] == "k" * 64


def test_a_session_signed_with_the_old_development_key_is_not_accepted(app, client, city):
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    attacker = Flask("attacker")
    attacker.secret_key = "dev-only-change-me"  # what anyone reading the old source had
    serializer = SecureCookieSessionInterface().get_signing_serializer(attacker)
    cookie = serializer.dumps({"_user_id": f"{city['users']['admin']}:1", "_fresh": True})
    client.client.set_cookie("session", cookie)
    assert client.get("/staff/").status_code in (302, 303)


# ---- open redirects --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_safe_redirect_target_refuses_other_sites(target):
    from portal.web.guard import safe_redirect_target

    assert safe_redirect_target(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/track", "/staff/cases?page=2&state=submitted", "/stats/?period=2026-10#x"])
def test_safe_redirect_target_keeps_local_paths(target):
    from portal.web.guard import safe_redirect_target

    assert safe_redirect_target(target, "/fallback") == target


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get("/lang/en?next=" + quote(target, safe=""))
    assert response.status_code in (302, 303)
    assert response.headers["Location"] in ("/", "http://localhost/")


@pytest.mark.parametrize("target", HOSTILE_TARGETS[:12] + ["/%2F%2Fevil.example", "/\\evil.example"])
def test_sign_in_never_leaves_the_site(client, city, target):
    response = client.post("/login?next=" + quote(target, safe=""), {"username": "admin", "password": "demo12345"},
                           csrf_from="/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"


def test_sign_in_keeps_a_local_next(client, city):
    response = client.post("/login?next=/staff/ledger", {"username": "admin", "password": "demo12345"},
                           csrf_from="/login")
    assert response.headers["Location"] == "/staff/ledger"


# ---- hostile parameters: 400/404, never 500 --------------------------------------------------------------------
HUGE = "9" * 30
BAD_NUMBERS = [HUGE, "2147483648", "١٢٣", "²", "-1", "1e3", "0x10", " ", "１２"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_ids_in_paths_are_404(client, city, value):
    client.login("admin")
    for path in ("/staff/cases/{}", "/echo/{}", "/salons/{}", "/staff/salons/{}", "/salons/{}/outcomes",
                 "/staff/cases/{}/photos/1", "/track/FY1/photos/{}"):
        status = client.get(path.format(quote(value))).status_code
        assert status in (404, 400), (path, value, status)


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_page_and_id_parameters_are_400_not_500(client, city, value):
    client.login("admin")
    for path in ("/staff/cases?page={}", "/staff/ledger?page={}", "/staff/ledger/contact-views?user={}",
                 "/staff/ledger/contact-views?page={}", "/echo?page={}", "/staff/supervision/cases?unit={}",
                 "/staff/supervision/cases?page={}", "/staff/supervision/orders?page={}",
                 "/staff/supervision/orders?unit={}", "/admin/calendar?year={}", "/staff/ledger?category={}",
                 "/staff/ledger?county={}", "/echo?category={}", "/staff/echo/new?case={}",
                 "/staff/ledger?from={}", "/staff/ledger/export.csv?page={}"):
        status = client.get(path.format(quote(value))).status_code
        assert status < 500, (path, value, status)


def test_similar_cases_with_huge_ids_is_not_500(client, city):
    data = {"category_id": HUGE, "county_id": "١٢٣", "title": "路面破损很严重", "description": "路面破损"}
    assert client.post("/submit/similar", data, csrf_from="/submit").status_code == 200


@pytest.mark.parametrize("query", [
    "start_date=0001-01-01T00:00:00%2B08:00", "end_date=0001-01-01T00:00:00%2B08:00",
    "start_date=9999-12-31T23:59:59%2B08:00", "end_date=9999-12-31T23:59:59Z", "page=²", "page=١٢٣",
    f"page={HUGE}", f"page_size={HUGE}", "page_size=²"])
def test_open311_hostile_filters_are_400(client, city, query):
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests.{fmt}?{query}")
        assert response.status_code == 400, (query, response.status_code)
        assert b"description" in response.data
    assert client.get(f"/open311/v2/servicerequestupdates.json?{query}").status_code == 400


@pytest.mark.parametrize("query", ["period=9999-12", "period=０２０２-10", f"period={HUGE}", "month=9999-99"])
def test_statistics_and_rankings_hostile_periods(client, city, query):
    assert client.get(f"/stats?{query}").status_code < 500
    assert client.get(f"/rankings?{query}").status_code < 500
    assert client.get("/rankings/9999-99").status_code < 500 and client.get("/stats/x.csv?" + query).status_code < 500


def test_calendar_import_with_an_over_long_field_is_a_message(client, city):
    client.login("admin")
    body = ("2031-01-01,holiday," + "元" * 150_000 + "\n").encode()
    response = client.post("/admin/calendar", {"file": (io.BytesIO(body), "c.csv")}, csrf_from="/admin/calendar",
                           content_type="multipart/form-data")
    assert 400 <= response.status_code < 500


def test_calendar_csv_parser_rejects_over_long_fields():
    from portal.domain import calendar

    with pytest.raises(calendar.CalendarImportError):
        calendar.parse_schedule_csv("2031-01-01,holiday," + "x" * 200_000)
    with pytest.raises(calendar.CalendarImportError):
        calendar.parse_schedule_csv('2031-01-01,holiday,"open quote\n' + "y" * 140_000)


# ---- Open311: errors, markup, host header ----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_open311_other_methods_answer_the_spec_error_list(client, method):
    for fmt in ("json", "xml"):
        response = client.client.open(f"/open311/v2/requests.{fmt}", method=method)
        assert response.status_code == 405
        if fmt == "json":
            assert response.is_json and response.get_json()[0]["code"] == 405
        else:
            assert response.data.startswith(b"<?xml") and b"<errors>" in response.data
        assert "GET" in response.headers["Allow"]


def test_open311_discovery_ignores_the_host_header(client):
    response = client.get("/open311/v2/discovery.json", headers={"Host": "evil.example"})
    assert b"evil.example" not in response.data
    assert response.get_json()["endpoints"][0]["url"] == "http://localhost/open311/v2/"
    assert b"evil.example" not in client.get("/open311/v2/openapi.json", headers={"Host": "evil.example"}).data


def test_echo_feed_ignores_the_host_header(client):
    response = client.get("/echo/feed.atom", headers={"Host": "evil.example"})
    assert response.status_code == 200 and b"evil.example" not in response.data


# ---- headers and cookies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/submit", "/login", "/open311/v2/services.json", "/nothing-here",
                                  "/static/css/portal.css"])
def test_security_headers_on_every_response(client, city, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert "Werkzeug" not in response.headers.get("Server", "") and "Python" not in response.headers.get("Server", "")


def test_no_inline_script_or_eval_in_pages(client, city):
    import re

    client.login("admin")
    for path in ("/", "/submit", "/track", "/staff/", "/staff/ledger", "/stats", "/echo"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " hx-on" not in html and "onclick=" not in html, path
        assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html


def test_session_cookie_is_secure_over_https(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "s" * 40,
                      "PREFERRED_URL_SCHEME": "https", "SESSION_COOKIE_SECURE": None, "TESTING": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("value", ["abc", HUGE, "²", "١٢٣"])
def test_hostile_numbers_in_staff_forms_are_not_500(app, client, city, make_case, value):
    case_id, _no, _code = make_case()
    client.login("dispatcher")
    page = f"/staff/cases/{case_id}"
    r = client.post(f"{page}/step/accept", {"accept-version": value}, csrf_from=page)
    assert r.status_code == 409
    r = client.post(f"{page}/step/accept", {"accept-version": "1"}, csrf_from=page)
    assert r.status_code in (303, 204)
    r = client.post(f"{page}/step/assign", {"assign-version": "2", "assign-unit_id": str(city["units"]["cgj"]),
                                             "assign-priority": "general", "assign-co_unit_ids": value},
                    csrf_from=page)
    assert r.status_code < 500
    client.login("admin")
    assert client.post("/admin/routing/delete", {"rule_id": value}, csrf_from="/admin/routing").status_code < 500


def test_session_cookie_is_secure_behind_an_https_proxy(tmp_path):
    """Issue 12: behind the trusted reverse proxy terminating HTTPS the session cookie is Secure even when
    PREFERRED_URL_SCHEME was left at http; a client talking directly cannot claim HTTPS with the header."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "s" * 40,
                      "TESTING": False, "TRUSTED_PROXY": "10.0.0.1", "SESSION_COOKIE_SECURE": None,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()

    def cookie(remote_addr, headers):
        response = app.test_client().get("/submit", headers=headers, environ_base={"REMOTE_ADDR": remote_addr})
        return response.headers.get("Set-Cookie", "")

    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "session=" in cookie("10.0.0.1", https) and "Secure" in cookie("10.0.0.1", https)
    assert "Secure" not in cookie("198.51.100.7", https)  # not the proxy: the header is not believed
    assert "Secure" not in cookie("10.0.0.1", {})  # plain HTTP (development behind no TLS)


# ---- a sign-in is never undone by a slower anonymous answer ----------------------------------------------------
@pytest.mark.parametrize("path", ["/static/favicon.svg", "/static/css/portal.css", "/favicon.ico", "/", "/login"])
def test_anonymous_answers_leave_the_session_cookie_alone(app, city, path):
    """A browser on the sign-in page fetches the favicon and assets while the person signs in: answers to those
    requests (sent with the anonymous cookie) must not set the cookie again, or the one that arrives after the
    sign-in answer puts the anonymous session back and the next page asks to sign in again."""
    from tests.helpers import PortalClient

    anonymous = app.test_client()
    anonymous.get("/login")
    stale_cookie = anonymous.get_cookie("session").value
    signed_in = PortalClient(app.test_client())
    signed_in.client.set_cookie("session", stale_cookie)
    signed_in.login("dispatcher")
    late = app.test_client()
    late.set_cookie("session", stale_cookie)  # the request that left before the sign-in answer came back
    response = late.get(path)
    assert response.status_code in (200, 404)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith(("session=", "remember_token="))]
    home = signed_in.get("/staff/")
    assert home.status_code in (200, 302) and "/login" not in home.headers.get("Location", "")
