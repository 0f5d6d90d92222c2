"""Issue 12, access classes: scope on every case query, the monitors' rule, one publication rule, rate limits
and guessing, sessions that end, photos that cost too much to decode."""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from portal.domain import intake, scope, workflow
from portal.extensions import db
from portal.models import Case, Unit, User
from tests.helpers import PortalClient, case_form, make_image

SIMILAR = {"title": "人民路路面塌陷", "description": "人民路88号门口路面塌陷了一个坑"}


def _user(name, city):
    return db.session.get(User, city["users"][name])


def _accept(app, city, case_id):
    with app.app_context():
        workflow.accept(db.session.get(Case, case_id), _user("dispatcher", city))
        db.session.commit()


def _other_county(app, city):
    from portal.models import Region

    with app.app_context():
        town = db.session.get(Region, city["other_county_town"])
        return town.parent_id


# ---- staff scope ----------------------------------------------------------------------------------------------
def test_similar_cases_never_show_a_sub_platform_dispatcher_other_platforms_cases(app, client, city, make_case):
    other = _other_county(app, city)
    make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。", county_id=other,
              town_id=city["other_county_town"], confidential=True, publish_consent=False)
    mine_id, mine_no, _ = make_case(title="人民路路面塌陷了", description="人民路88号门前路面塌陷，很危险。")
    with app.app_context():
        dispatcher_yz = _user("dispatcher_yz", city)
        mine = db.session.get(Case, mine_id)
        assert mine.platform_id == dispatcher_yz.platform_id  # the first county is Yingzhou
    client.login("dispatcher_yz")
    for county in (other, city["county"]):
        html = client.post("/submit/similar", dict(SIMILAR, category_id=city["leaf"], county_id=county),
                           csrf_from="/staff/intake").get_data(as_text=True)
        assert "人民路路面塌陷了" in html if county == city["county"] else "人民路路面塌陷" not in html
    with app.app_context():
        from portal.domain import duplicates

        found = duplicates.similar_open_cases(city["leaf"], other, "人民路88号门前路面塌陷一个大坑",
                                              viewer=_user("dispatcher_yz", city))
        assert found == []


def test_case_page_suggestions_are_in_scope(app, client, city, make_case):
    other = _other_county(app, city)
    make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。", county_id=other,
              town_id=city["other_county_town"])
    case_id, _no, _ = make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。")
    client.login("dispatcher_yz")
    html = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert html.count("人民路路面塌陷") >= 1
    with app.app_context():
        others = db.session.scalars(select(Case.tracking_no).where(Case.id != case_id)).all()
    assert not any(number in html for number in others)


# ---- monitors ---------------------------------------------------------------------------------------------------
def test_monitors_never_see_confidential_cases(app, client, city, make_case):
    secret_id, secret_no, _ = make_case(title="举报某单位负责人", description="王大明收受红包，电话13800001111。",
                                        confidential=True, publish_consent=False)
    open_id, open_no, _ = make_case(title="路灯不亮", description="张三家门口路灯不亮，电话13800002222。",
                                    publish_consent=False)
    client.login("monitor")
    assert client.get(f"/staff/cases/{secret_id}").status_code == 403
    listing = client.get("/staff/cases").get_data(as_text=True) + client.get("/staff/ledger").get_data(as_text=True)
    assert secret_no not in listing and open_no in listing
    page = client.get(f"/staff/cases/{open_id}").get_data(as_text=True)
    assert "13800002222" not in page and "138****2222" in page
    assert "人民路88号" not in page  # the address of an unpublished case is withheld
    with app.app_context():
        monitor = _user("monitor", city)
        assert not scope.can_see(monitor, db.session.get(Case, secret_id))
        assert db.session.scalar(scope.visible_cases(monitor).where(Case.id == secret_id)) is None


def test_monitors_cannot_export(client, city, make_case):
    make_case()
    client.login("monitor")
    assert client.get("/staff/ledger/export.csv").status_code == 403
    assert client.get("/staff/ledger/export.xlsx").status_code == 403
    client.login("supervisor")
    assert client.get("/staff/ledger/export.csv").status_code == 200


# ---- one publication rule ---------------------------------------------------------------------------------------
def test_unreviewed_cases_are_on_no_public_surface(app, client, city, make_case):
    case_id, number, _ = make_case(title="未审核的诉求", description="<b>未审核</b> 13812345678")
    surfaces = ["/open311/v2/requests.json", f"/open311/v2/requests/{number}.json", "/open311/v2/requests.xml",
                f"/open311/v2/requests/{number}.xml"]
    assert client.get(surfaces[1]).status_code == 404
    for path in (surfaces[0], surfaces[2]):
        assert number not in client.get(path).get_data(as_text=True)
    similar = client.post("/submit/similar", {"category_id": city["leaf"], "county_id": city["county"],
                                              "title": "未审核的诉求", "description": "未审核 13812345678"},
                          csrf_from="/submit").get_data(as_text=True)
    assert "未审核的诉求" not in similar
    _accept(app, city, case_id)
    shown = client.get(surfaces[1]).get_json()[0]
    assert shown["service_request_id"] == number
    assert "<b>" not in shown["description"] and "13812345678" not in shown["description"]
    assert "未审核" in shown["description"]


def test_public_text_strips_markup_and_masks():
    from portal.domain import publication

    text = publication.public_text('<img src=x onerror=alert(1)>坏了<script>alert(2)</script> 13812345678 a<b')
    assert "<" not in text and "onerror" not in text and "13812345678" not in text and "坏了" in text



@pytest.mark.parametrize("marker", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                    "//evil.example/x.gif", "https://ok.example/<img>"])
def test_web_text_cannot_forge_open311_fields(app, client, city, make_case, marker):
    """Issue 12, raw web text in Open311: a description written on the web that ends like an Open311 client's
    media_url line, or an address that ends like its coordinates, is shown as (cleaned) text, never as a link or
    coordinates an API client would follow or render."""
    case_id, number, _ = make_case(description=f"路灯坏了。\n\n[media_url] {marker}",
                                   address="人民路88号 [GPS 1.5,2.5] [address_id x\"><b>]")
    _accept(app, city, case_id)
    shown = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    assert shown["media_url"] is None
    assert "<" not in shown["description"] and "<" not in (shown["address"] or "")
    assert shown["lat"] is None or isinstance(shown["lat"], float)
    assert shown["address_id"] is None or "<" not in shown["address_id"]

# ---- rate limits and guessing ---------------------------------------------------------------------------------
def test_anonymous_submissions_are_limited_per_address(app, client, city):
    app.config["SUBMIT_RATE_LIMIT"] = "2 per hour"
    try:
        for i in range(2):  # two different requests (the same one posted twice would be one case)
            assert client.post("/submit", {**case_form(city), "title": f"第{i}个诉求"}).status_code == 303
        response = client.post("/submit", {**case_form(city), "title": "第三个诉求"})
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        with app.app_context():
            assert db.session.scalar(select(db.func.count(Case.id))) == 2
    finally:
        app.config["SUBMIT_RATE_LIMIT"] = "20 per hour;60 per day"


@pytest.mark.parametrize("path", ["/submit/validate", "/submit/similar"])
def test_the_forms_typing_help_is_limited_per_address_but_not_for_staff(app, client, city, path):
    """The inline check and the similar-case look-up each run queries: a script looping on them is stopped per
    address (429 with Retry-After); an operator typing calls all day is not."""
    app.config["TYPING_HELP_RATE_LIMIT"] = "3 per minute"
    try:
        token = client.csrf("/submit")
        data = {"csrf_token": token, "title": "路灯不亮", "description": "路灯坏了", "category_id": city["leaf"],
                "county_id": city["county"]}
        headers = {"HX-Request": "true", "HX-Trigger-Name": "title"}
        for _ in range(3):
            assert client.client.post(path, data=data, headers=headers).status_code == 200
        refused = client.client.post(path, data=data, headers=headers)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        operator = PortalClient(app.test_client())
        operator.login("operator")
        token = operator.csrf("/staff/intake")
        for _ in range(5):
            assert operator.client.post(path, data={**data, "csrf_token": token}, headers=headers).status_code == 200
    finally:
        app.config["TYPING_HELP_RATE_LIMIT"] = "120 per minute;1500 per hour"


def test_wrong_codes_are_limited_per_case_across_addresses(app, client, city, make_case):
    _id, number, code = make_case()
    app.config["TRACK_CASE_RATE_LIMIT"] = "3 per hour"
    try:
        for i in range(3):  # every attempt from another address
            r = client.post("/track", {"tracking_no": number, "query_code": "000000"},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
            assert r.status_code == 422
        r = client.post("/track", {"tracking_no": number, "query_code": code}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        assert re.search(r"(\d+ minutes|\d+ 分钟)", r.get_data(as_text=True))
    finally:
        app.config["TRACK_CASE_RATE_LIMIT"] = "10 per hour"


def test_tracking_numbers_are_not_sequential(app, city, make_case):
    numbers = [make_case()[1] for _ in range(4)]
    assert all(re.fullmatch(r"FY\d{8}\d{10}", n) for n in numbers)
    suffixes = sorted(int(n[10:]) for n in numbers)
    assert len(set(numbers)) == 4 and max(b - a for a, b in zip(suffixes, suffixes[1:], strict=False)) > 1000


def test_old_sequential_numbers_stay_valid(app, client, city, make_case):
    case_id, _number, code = make_case()
    with app.app_context():
        db.session.get(Case, case_id).tracking_no = "FY20250101000001"
        db.session.commit()
    r = client.post("/track", {"tracking_no": "fy20250101000001", "query_code": code})
    assert r.status_code == 303


def test_successful_sign_ins_do_not_count(app, client, city):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        for _ in range(5):
            client.login("admin")
            client.post("/logout", {}, csrf_from="/staff/cases")
        for _ in range(3):
            assert client.post("/login", {"username": "admin", "password": "wrong"}, csrf_from="/login").status_code == 422
        r = client.post("/login", {"username": "admin", "password": "wrong"}, csrf_from="/login")
        assert r.status_code == 429 and "Retry-After" in r.headers
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"


def test_forwarded_header_is_ignored_without_a_trusted_proxy(app, client, city):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        for i in range(2):
            client.post("/login", {"username": "admin", "password": "wrong"}, csrf_from="/login",
                        headers={"X-Forwarded-For": f"203.0.113.{i}"})
        r = client.post("/login", {"username": "admin", "password": "wrong"}, csrf_from="/login",
                        headers={"X-Forwarded-For": "203.0.113.99"})
        assert r.status_code == 429  # a spoofed header does not give a fresh allowance
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"


def test_trusted_proxy_gives_each_client_its_own_limit(tmp_path):
    from portal import create_app
    from portal.web.guard import TrustedProxyFix

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3", "SECRET_KEY": "p" * 40,
                      "TESTING": True, "TRUSTED_PROXY": "127.0.0.1"})
    assert isinstance(app.wsgi_app, TrustedProxyFix)
    seen = {}

    @app.get("/_addr")
    def addr():
        from flask import request

        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/_addr", headers={"X-Forwarded-For": "198.51.100.7"})
    assert seen["addr"] == "198.51.100.7"


def test_unknown_user_names_cost_a_password_check(app, client, city, monkeypatch):
    from portal.blueprints import auth

    calls = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: calls.append(p) or real(h, p))
    r = client.post("/login", {"username": "nobody-here", "password": "guess"}, csrf_from="/login")
    assert r.status_code == 422 and calls == ["guess"]


# ---- sessions ---------------------------------------------------------------------------------------------------
def test_sign_out_ends_every_session_of_the_user(app, city):
    from tests.helpers import PortalClient

    laptop, phone = PortalClient(app.test_client()), PortalClient(app.test_client())
    laptop.login("supervisor")
    phone.login("supervisor")
    assert phone.get("/staff/cases").status_code == 200
    laptop.post("/logout", {}, csrf_from="/staff/cases")
    assert "/login" in phone.get("/staff/cases").headers["Location"]


def test_password_change_ends_every_session(app, city):
    from tests.helpers import PortalClient

    browser = PortalClient(app.test_client())
    browser.login("supervisor")
    with app.app_context():
        _user("supervisor", city).set_password("a-new-password-123")
        db.session.commit()
    assert "/login" in browser.get("/staff/cases").headers["Location"]
    browser.login("supervisor", "a-new-password-123")
    assert browser.get("/staff/cases").status_code == 200


def test_session_binding_ignores_forwarded_for(app, city):
    from tests.helpers import PortalClient

    browser = PortalClient(app.test_client())
    browser.login("supervisor")
    assert browser.get("/staff/cases", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 200


# ---- photos -----------------------------------------------------------------------------------------------------
def _png(size, frames=1) -> bytes:
    out = io.BytesIO()
    images = [Image.new("L", size, i * 40) for i in range(frames)]
    images[0].save(out, "PNG", save_all=frames > 1, append_images=images[1:])
    return out.getvalue()


@pytest.mark.parametrize("raw", [
    pytest.param(lambda: _png((8000, 6000)), id="48-megapixels"),
    pytest.param(lambda: _png((30000, 10)), id="long-strip"),
    pytest.param(lambda: _png((40, 40), frames=3), id="animated"),
])
def test_costly_photos_are_refused_before_decoding(app, client, city, raw):
    data = case_form(city, photos=(io.BytesIO(raw()), "p.png"))
    r = client.post("/submit", data, content_type="multipart/form-data")
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Case.id))) == 0


def test_a_normal_photo_still_goes_through(app, client, city):
    data = case_form(city, photos=(io.BytesIO(make_image(size=(1200, 900))), "p.jpg"))
    assert client.post("/submit", data, content_type="multipart/form-data").status_code == 303


def test_pillow_bomb_limit_is_set():
    from portal.domain import photos  # noqa: F401  (sets the limit on import)

    assert Image.MAX_IMAGE_PIXELS <= 40_000_000
    assert intake.TRACKING_RANDOM_DIGITS >= 10 and Unit is not None


def test_set_password_command_ends_sessions(app, city):
    from tests.helpers import PortalClient

    browser = PortalClient(app.test_client())
    browser.login("supervisor")
    result = app.test_cli_runner().invoke(args=["set-password", "supervisor", "--password", "another-pass-456"])
    assert result.exit_code == 0, result.output
    assert "/login" in browser.get("/staff/cases").headers["Location"]


def test_counting_limits_are_off_when_flask_limiter_is(app, monkeypatch):
    """RATELIMIT_ENABLED = False (limits kept by a gateway): Flask-Limiter then has no storage, and the per-case
    and per-user counts must neither refuse nor fail (a 500 on every tracking attempt before)."""
    from portal import rate_limits
    from portal.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)
    with app.test_request_context():
        for _ in range(3):
            assert rate_limits.blocked("track-case", "FY-any", "1 per hour") is None
            rate_limits.count_failure("track-case", "FY-any", "1 per hour")
