"""Property-based fuzzing (hypothesis) of every public form, every filter query string and the Open311 API:
never a 500, and a refused submission leaves nothing behind (no case, photo or outbox row).

Bounded: the `small` profile (default, `make test`) runs a few dozen examples per target; FUZZ_PROFILE=big runs
hundreds (`FUZZ_PROFILE=big .venv/bin/python -m pytest tests/test_fuzz.py --hypothesis-show-statistics`).
Values include non-ASCII digits ('١٢٣', '３') and numbers of any length; tests/test_fuzz_known.py adds huge integers
and out-of-range dates on every list, tests/test_parameter_sweep.py every parameter of every route.
FUZZ_EXAMPLES=N sets the examples per target (10 targets: FUZZ_EXAMPLES=100 runs 1,000 examples)."""
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.extensions import db, limiter
from tests.helpers import case_form, make_image

settings.register_profile("small", max_examples=12, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("big", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("FUZZ_PROFILE", "small"))
if os.environ.get("FUZZ_EXAMPLES"):  # e.g. FUZZ_EXAMPLES=1000 for a long run
    settings.register_profile("custom", parent=settings.get_profile(os.environ.get("FUZZ_PROFILE", "small")),
                              max_examples=int(os.environ["FUZZ_EXAMPLES"]))
    settings.load_profile("custom")

# text a form or a query string may carry: ordinary and hostile (non-ASCII digits and long numbers included)
plain_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    "0123456789"), max_size=60)
hostile = st.sampled_from(["", " ", "0", "-1", "1.5", "1e9", "999999", "null", "None", "[]", "{}", "%00", "\x00",
                           "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "2026-02-30",
                           "2026-13-01", "yes", "no", "on", "true", "a" * 5000, "１２３", "😀" * 30,
                           "\u202e", "javascript:alert(1)", "//evil.example/", "2026-11", "9" * 30, "١٢٣", "²"])
value = st.one_of(plain_text, hostile)


safe_value = value  # every value: the one parameter parser answers 400/404 for what it cannot read


def counts(app) -> dict:
    from portal.models import Case, CasePhoto, OutboxMessage

    with app.app_context():
        result = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Case, CasePhoto, OutboxMessage)}
        db.session.remove()
        return result


def no_server_error(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


@pytest.fixture
def fuzz(app, client, city):
    limiter.enabled = False  # hundreds of requests from one address
    yield client
    limiter.enabled = True


# ---------------------------------------------------------------------------------------------- public forms
SUBMIT_FIELDS = ["category_l1", "category_l2", "category_id", "county_id", "town_id", "address", "title",
                 "description", "citizen_name", "citizen_phone", "citizen_email", "hide_name", "confidential",
                 "publish_consent"]


@given(changes=st.dictionaries(st.sampled_from(SUBMIT_FIELDS), safe_value, max_size=5),
       photo=st.one_of(st.none(), st.binary(max_size=300), st.just(b"JPEG")))
def test_submit_form(app, fuzz, city, changes, photo):
    before = counts(app)
    data = case_form(city, **changes)
    if photo is not None:
        data["photos"] = (io.BytesIO(make_image() if photo == b"JPEG" else photo), "p.jpg")
    token = fuzz.csrf("/submit")
    response = fuzz.client.post("/submit", data={**data, "csrf_token": token}, content_type="multipart/form-data")
    no_server_error(response)
    after = counts(app)
    if response.status_code == 303:
        assert after["Case"] == before["Case"] + 1
        assert after["CasePhoto"] - before["CasePhoto"] == (1 if photo == b"JPEG" else 0)
    else:
        assert after == before, f"a refused submission ({response.status_code}) left rows behind"


@given(tracking_no=safe_value, query_code=safe_value)
def test_track_form(app, fuzz, tracking_no, query_code):
    no_server_error(fuzz.post("/track", {"tracking_no": tracking_no, "query_code": query_code}))


@given(fields=st.dictionaries(st.sampled_from(["satisfaction", "rating", "comment", "version", "x"]), safe_value,
                              max_size=4))
def test_evaluation_form(app, fuzz, make_case, fields):
    from portal.models import Case

    case_id, number, code = make_case()
    assert fuzz.post("/track", {"tracking_no": number, "query_code": code}).status_code == 303
    with app.app_context():
        state = db.session.get(Case, case_id).state
    no_server_error(fuzz.post(f"/track/{number}/evaluate", fields, csrf_from="/track"))
    with app.app_context():
        assert db.session.get(Case, case_id).state == state  # not awaiting evaluation: nothing changes


@given(username=safe_value, password=safe_value)
def test_login_form(app, fuzz, username, password):
    response = fuzz.post("/login", {"username": username, "password": password}, csrf_from="/login")
    no_server_error(response)
    assert response.status_code == 422


@given(code=safe_value.filter(lambda s: "/" not in s and s not in (".", "..") and s.strip()), target=safe_value)
def test_language_switch(app, fuzz, code, target):
    response = fuzz.client.get("/lang/" + code, query_string={"next": target})
    no_server_error(response)


@pytest.fixture
def salon_world(app, client):
    from security_world import build_world

    world = build_world(app)
    limiter.enabled = False
    yield client, world
    limiter.enabled = True


@given(fields=st.dictionaries(st.sampled_from(["name", "phone", "organisation", "kind", "email", "note", "x"]),
                              safe_value, max_size=5))
def test_salon_registration_form(app, salon_world, fields):
    from portal.models import Participant

    client, world = salon_world
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Participant))
    response = client.post(f"/salons/{world['salon_id']}/register", fields)
    no_server_error(response)
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(Participant))
    assert after == before + (1 if response.status_code == 303 else 0)


@given(fields=st.dictionaries(st.sampled_from(["score", "rating", "comment", "satisfied", "x"]), safe_value,
                              max_size=4), code=st.one_of(st.just(None), safe_value.filter(
                                  lambda s: "/" not in s and s.strip() and s not in (".", ".."))))
def test_salon_rating_form(app, salon_world, fields, code):
    client, world = salon_world
    no_server_error(client.post(f"/salons/rate/{code or world['rating_code']}", fields, csrf_from="/submit"))


# ---------------------------------------------------------------------------------------------- filters
FILTER_NAMES = ["page", "state", "light", "category", "county", "from", "to", "channel", "month", "year", "unit",
                "status", "period", "tab", "picker", "case", "user", "q", "sort", "start_date", "end_date",
                "service_code", "service_request_id", "page_size", "format"]
PUBLIC_LISTS = ["/echo", "/rankings", "/stats", "/stats/summary.csv", "/salons", "/open311/v2/requests.json",
                "/open311/v2/requests.xml", "/open311/v2/servicerequestupdates.json", "/", "/submit/options",
                "/echo/feed.atom"]
STAFF_LISTS = ["/staff/ledger", "/staff/ledger/export.csv", "/staff/cases", "/staff/ledger/contact-views",
               "/staff/supervision/cases", "/staff/supervision/orders", "/staff/supervision/flags",
               "/staff/queue", "/staff/dissatisfied", "/staff/rankings", "/staff/interviews", "/staff/salons"]
query = st.dictionaries(st.sampled_from(FILTER_NAMES), safe_value, max_size=4)


@given(path=st.sampled_from(PUBLIC_LISTS), args=query)
def test_public_filters(app, fuzz, path, args):
    no_server_error(fuzz.client.get(path, query_string=args))


@given(path=st.sampled_from(STAFF_LISTS), args=query)
def test_staff_filters(app, fuzz, path, args):
    if not getattr(fuzz, "_signed_in", False):
        fuzz.login("admin")
        fuzz._signed_in = True
    no_server_error(fuzz.client.get(path, query_string=args))


# ---------------------------------------------------------------------------------------------- Open311 POST
OPEN311_FIELDS = ["service_code", "lat", "long", "address_string", "address_id", "attribute[county]",
                  "attribute[town]", "attribute[publish]", "attribute[confidential]", "description", "first_name",
                  "last_name", "phone", "email", "media_url", "device_id", "account_id", "jurisdiction_id"]


@pytest.fixture
def api_key(app, city):
    from portal.domain import apikeys

    with app.app_context():
        key = apikeys.create("fuzz", "web", None).secret
        db.session.commit()
    return key


@given(changes=st.dictionaries(st.sampled_from(OPEN311_FIELDS), st.one_of(safe_value, st.none()), max_size=5))
def test_open311_post(app, fuzz, city, api_key, changes):
    from portal.models import Category

    with app.app_context():
        leaf = db.session.get(Category, city["leaf"]).code
    data = {"api_key": api_key, "service_code": leaf, "lat": "32.8901", "long": "115.8142",
            "attribute[county]": "yingzhou", "attribute[publish]": "yes", "description": "路面有一个大坑，请尽快修复。",
            "first_name": "三丰", "last_name": "张", "phone": "13812345678"}
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    before = counts(app)
    response = fuzz.client.post("/open311/v2/requests.json", data=data)
    no_server_error(response)
    after = counts(app)
    if response.status_code == 201:
        # a new case, or the one an identical earlier post made (a repeated post is filed once: submit_once)
        from portal.models import Case

        number = response.get_json()[0]["service_request_id"]
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Case).where(Case.tracking_no == number)) == 1
            db.session.remove()
        assert after["Case"] in (before["Case"], before["Case"] + 1)
    else:
        assert response.status_code in (400, 403, 404, 429), response.status_code
        assert after == before
        assert isinstance(response.get_json(), list)  # the GeoReport error list, not a page
