"""Open311 GeoReport v2 server: every endpoint in JSON and XML, every filter and error, privacy, the loop from a
channel system's POST to the unit's released reply. Every response is validated against the served OpenAPI
document: JSON with openapi-core, XML converted along the document's `xml` names and validated with the same
schemas."""
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from portal.domain import apikeys, intake, open311, workflow
from portal.domain.calendar import SHANGHAI
from portal.domain.privacy import mask_text
from portal.extensions import db
from portal.models import ApiKey, Case, CaseEvent, Category, Region, Unit, User
from tests.helpers import BASE, LEAF, Api, filing, make_key, parse

FORMATS = ("json", "xml")


# ---- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def api(app, city):
    return Api(app)


@pytest.fixture
def key(app, city):
    return make_key(app)


def new_case(app, city, at=None, reviewed=True, **fields) -> tuple[int, str]:
    """A case through the real intake, received at `at`; `reviewed`: a dispatcher accepted it (publication rule)."""
    values = dict(category_id=city["leaf"], county_id=city["county"], town_id=city["town"], address="人民路88号",
                  title="路面破损", description="门前路面有一个大坑，请尽快修复。", citizen_name="李四",
                  citizen_phone="13912345678", publish_consent=True)
    values.update(fields)
    with app.app_context():
        case, _code = intake.receive(intake.Submission(**values), at=at)
        if reviewed:
            workflow.accept(case, db.session.scalar(select(User).where(User.role == "dispatcher")), at=at)
        db.session.commit()
        return case.id, case.tracking_no


def ids_of(response) -> list[str]:
    return [r["service_request_id"] for r in parse(response)]


def users(city, *names):
    return [db.session.get(User, city["users"][n]) for n in names]


def assign_to_cgj(app, city, case_id):
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        dispatcher, = users(city, "dispatcher")
        if case.state == "submitted":
            workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, db.session.get(Unit, city["units"]["cgj"]), "general")
        db.session.commit()


def reply_and_release(app, city, case_id, text):
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        dispatcher, handler, lead = users(city, "dispatcher", "handler", "unit_lead")
        workflow.sign_for(case, handler)
        workflow.draft_reply(case, handler, "resolved", text)
        workflow.approve_reply(case, lead)
        db.session.commit()
        assert case.state == "replied"
        workflow.release(case, dispatcher)
        db.session.commit()


# ---- discovery, services, definitions -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(api, fmt):
    r = api.get(f"discovery.{fmt}")
    assert r.status_code == 200
    data = parse(r)
    assert data["changeset"].endswith("+08:00") and data["contact"] and data["key_service"]
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2/" and endpoint["type"] == "production"
    formats = endpoint["formats"] if fmt == "json" else [f for f in endpoint["formats"]]
    assert set(formats) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_one_per_leaf_category(app, api, fmt):
    r = api.get(f"services.{fmt}")
    assert r.status_code == 200
    services = parse(r)
    with app.app_context():
        cats = db.session.scalars(select(Category)).all()
        parents = {c.parent_id for c in cats}
        leaves = {c.code for c in cats if c.id not in parents}
    assert {s["service_code"] for s in services} == leaves and len(services) == len(leaves)
    first = services[0]
    assert first == {"service_code": LEAF, "service_name": "路面破损", "description": "城乡建设 › 道路设施 › 路面破损",
                     "metadata": True if fmt == "json" else "true", "type": "realtime",
                     "keywords": "路面破损, Damaged road surface, 道路设施, Road facilities, 城乡建设, "
                                 "Urban and rural construction", "group": "城乡建设"}
    assert not any(s["service_code"] in ("cxjs", "cxjs-1") for s in services)  # no inner nodes


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_counties(app, api, fmt):
    r = api.get(f"services/{LEAF}.{fmt}")
    assert r.status_code == 200
    data = parse(r)
    assert data["service_code"] == LEAF
    attributes = {a["code"]: a for a in data["attributes"]}
    assert list(attributes) == ["county", "town", "publish", "confidential"]
    county = attributes["county"]
    assert county["datatype"] == "singlevaluelist" and county["required"] in (True, "true")
    with app.app_context():
        counties = db.session.scalars(select(Region).where(Region.parent_id.is_(None)).order_by(Region.sort)).all()
        expected = [{"key": c.code, "name": c.name_zh} for c in counties]
    assert county["values"] == expected and len(expected) == 8
    assert attributes["publish"]["required"] in (True, "true")
    assert attributes["town"]["required"] in (False, "false")
    assert {"key": "yingzhou-1", "name": "颍州区 鼓楼街道"} in attributes["town"]["values"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404(api, fmt):
    for code in ("nope", "cxjs", "cxjs-1"):  # unknown, and inner nodes of the tree
        r = api.get(f"services/{code}.{fmt}")
        assert r.status_code == 404
        error = parse(r)[0]
        assert int(error["code"]) == 404 and code in error["description"]


def test_unknown_format_and_path_answer_as_open311_errors(api):
    r = api.get("services.csv")
    assert r.status_code == 404 and r.get_json()[0]["code"] == 404
    r = api.client.get(f"{BASE}/nothing/here.xml")
    assert r.status_code == 404 and r.get_data().startswith(b"<?xml")
    assert ET.fromstring(r.get_data()).find("error/code").text == "404"


def test_openapi_document_is_a_valid_openapi_3_document(api):
    from openapi_spec_validator import validate

    validate(api.doc)
    assert api.doc["openapi"].startswith("3.")
    assert api.doc["servers"] == [{"url": "http://localhost/open311/v2"}]
    paths = set(api.doc["paths"])
    assert paths == {"/discovery.{format}", "/services.{format}", "/services/{service_code}.{format}",
                     "/requests.{format}", "/requests/{service_request_id}.{format}", "/tokens/{token}.{format}",
                     "/servicerequestupdates.{format}"}


# ---- filing -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_post_files_a_case_with_the_keys_channel(app, api, fmt):
    secret = make_key(app, channel="leader_board", name="领导留言板")
    r = api.post(f"requests.{fmt}", filing(secret, **{"attribute[town]": "yingzhou-2",
                                                     "media_url": "https://example.org/photos/1.jpg"}))
    assert r.status_code == 201, r.get_data(as_text=True)
    created = parse(r)
    assert len(created) == 1
    number = created[0]["service_request_id"]
    assert re.fullmatch(r"FY\d{18}", number)
    notice = created[0]["service_notice"]
    assert number in notice and re.search(r"\d{6}", notice.replace(number, ""))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.tracking_no == number))
        assert case.channel == "leader_board" and case.state == "submitted"
        assert case.category.code == LEAF and case.county.code == "yingzhou" and case.town.code == "yingzhou-2"
        assert case.citizen_name == "张三丰" and case.citizen_phone == "13812345678" and not case.hide_name
        assert case.citizen_email == "zhang@example.com"
        assert case.publish_consent and not case.confidential
        assert case.title == "人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。"[:30]
        assert case.address == "[GPS 32.890100,115.814200]"
        assert case.description.endswith("\n\n[media_url] https://example.org/photos/1.jpg")
        assert case.created_by_id is None and case.platform.code == "county-yingzhou"
        events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert [e.action for e in events] == ["submit"]
        key = db.session.scalar(select(ApiKey).where(ApiKey.name == "领导留言板"))
        assert events[0].data == {"channel": "leader_board", "api_key": key.prefix}
        assert key.last_used_at is not None
        # the query code in the notice is the case's: the citizen can follow it
        code = re.search(r"(\d{6})", notice.replace(number, "")).group(1)
        assert intake.check_query_code(case, code)
    # nobody has reviewed it yet: not public (the one publication rule), not even by id
    assert api.get(f"requests/{number}.{fmt}").status_code == 404
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.tracking_no == number))
        workflow.accept(case, db.session.scalar(select(User).where(User.role == "dispatcher")))
        db.session.commit()
    shown = parse(api.get(f"requests/{number}.{fmt}"))[0]
    assert shown["media_url"] == "https://example.org/photos/1.jpg"
    assert shown["description"] == "人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。"
    assert float(shown["lat"]) == 32.8901 and float(shown["long"]) == 115.8142
    assert shown["address"] in (None, "")


def test_post_needs_no_csrf_token_and_sets_no_cookie(app, api, key):
    r = api.post("requests.json", filing(key))
    assert r.status_code == 201 and "Set-Cookie" not in r.headers


def test_post_with_address_string_and_address_id(app, api, key):
    r = api.post("requests.json", filing(key, lat=None, long=None, address_string="清河路与颍州路交口",
                                         address_id="FY-ADDR-0042"))
    assert r.status_code == 201
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.tracking_no == ids_of(r)[0]))
        workflow.accept(case, db.session.scalar(select(User).where(User.role == "dispatcher")))
        db.session.commit()
    shown = parse(api.get(f"requests/{ids_of(r)[0]}.json"))[0]
    assert shown["address"] == "清河路与颍州路交口" and shown["address_id"] == "FY-ADDR-0042"
    assert shown["lat"] is None and shown["long"] is None


def test_post_without_names_is_anonymous(app, api, key):
    r = api.post("requests.json", filing(key, first_name=None, last_name=None, email=None))
    assert r.status_code == 201
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.tracking_no == ids_of(r)[0]))
        assert case.citizen_name == "匿名" and case.hide_name and case.citizen_email is None


def test_post_with_latin_names_and_landline(app, api, key):
    r = api.post("requests.json", filing(key, first_name="Anna", last_name="Schmidt", phone="0558-1234567"))
    assert r.status_code == 201
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.tracking_no == ids_of(r)[0]))
        assert case.citizen_name == "Anna Schmidt" and case.citizen_phone == "05581234567"


def test_publish_no_or_confidential_files_but_never_lists(app, api, key):
    private = ids_of(api.post("requests.json", filing(key, **{"attribute[publish]": "no"})))[0]
    secret = ids_of(api.post("requests.json", filing(key, **{"attribute[confidential]": "yes"})))[0]
    with app.app_context():
        cases = {c.tracking_no: c for c in db.session.scalars(select(Case))}
        assert not cases[private].publish_consent and not cases[private].confidential
        assert cases[secret].confidential and not cases[secret].publish_consent
    for number in (private, secret):
        assert api.get(f"requests/{number}.json").status_code == 404
    assert api.get("requests.json", service_request_id=f"{private},{secret}").get_json() == []
    assert api.get("requests.json").get_json() == []


MISSING = [
    ("service_code", {"service_code": None}, "service_code is required"),
    ("unknown service_code", {"service_code": "nope"}, "service_code nope is not a service"),
    ("inner category", {"service_code": "cxjs-1"}, "service_code cxjs-1 is not a service"),
    ("location", {"lat": None, "long": None}, "A location is required"),
    ("lat alone", {"long": None}, "lat and long go together"),
    ("bad lat", {"lat": "north"}, "lat must be a number"),
    ("lat range", {"lat": "132.5"}, "lat must lie between"),
    ("county", {"attribute[county]": None}, "attribute[county] is required"),
    ("unknown county", {"attribute[county]": "shanghai"}, "attribute[county] shanghai is not a county"),
    ("town elsewhere", {"attribute[town]": "jieshou-1"}, "attribute[town] jieshou-1 is not a town"),
    ("publish", {"attribute[publish]": None}, "attribute[publish] is required"),
    ("publish value", {"attribute[publish]": "maybe"}, "attribute[publish] must be yes or no"),
    ("description", {"description": None}, "description is required"),
    ("short description", {"description": "太短了"}, "description must be 10 to 4000 characters"),
    ("long description", {"description": "长" * 4001}, "description must be 10 to 4000 characters"),
    ("html", {"description": "路面有坑 <script>alert(1)</script> 请处理"}, "description must be plain text"),
    ("phone", {"phone": None}, "phone is required"),
    ("bad phone", {"phone": "12345"}, "phone must be a mainland mobile"),
    ("email", {"email": "not-an-address"}, "email is not a valid address"),
    ("media_url", {"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL"),
    ("address_string", {"address_string": "x" * 121}, "address_string is at most 120"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("label,overrides,message", MISSING, ids=[m[0] for m in MISSING])
def test_post_invalid_is_400_with_code_and_description(app, api, key, fmt, label, overrides, message):
    r = api.post(f"requests.{fmt}", filing(key, **overrides))
    assert r.status_code == 400
    errors = parse(r)
    assert all(int(e["code"]) == 400 for e in errors)
    assert any(message in e["description"] for e in errors), errors
    with app.app_context():
        assert db.session.scalar(select(Case.id)) is None


def test_post_reports_every_problem_at_once(api, key):
    r = api.post("requests.json", {"api_key": key})
    descriptions = " ".join(e["description"] for e in r.get_json())
    for field in ("service_code", "location", "attribute[county]", "attribute[publish]", "description", "phone"):
        assert field in descriptions


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_unknown_or_revoked_api_key_is_403(app, api, key, fmt):
    prefix = apikeys.prefix_of(key)
    for bad in (None, "", "nonsense", f"{prefix}.{'x' * 43}", "o311deadbeef." + "y" * 43):
        r = api.post(f"requests.{fmt}", filing(key, api_key=bad))
        assert r.status_code == 403, bad
        assert int(parse(r)[0]["code"]) == 403
    with app.app_context():
        row = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert apikeys.revoke(row) and not apikeys.revoke(row)
        db.session.commit()
    r = api.post(f"requests.{fmt}", filing(key))
    assert r.status_code == 403 and "revoked" in parse(r)[0]["description"]
    with app.app_context():
        assert db.session.scalar(select(Case.id)) is None


# ---- reading requests ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_request_by_id_is_a_list_of_one(app, city, api, fmt):
    _id, number = new_case(app, city)
    r = api.get(f"requests/{number}.{fmt}")
    assert r.status_code == 200
    requests = parse(r)
    assert len(requests) == 1
    shown = requests[0]
    assert shown["service_request_id"] == number and shown["status"] == "open"
    assert shown["service_code"] == LEAF and shown["service_name"] == "路面破损"
    assert shown["agency_responsible"] == "颍州区分平台" and shown["service_notice"] == "已受理"
    assert shown["requested_datetime"].endswith("+08:00") and shown["updated_datetime"].endswith("+08:00")
    assert shown["expected_datetime"] in (None, "") and shown["address"] == "人民路88号"
    assert api.get(f"requests/{number.lower()}.{fmt}").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_id_is_404(api, fmt):
    r = api.get(f"requests/FY20260101999999.{fmt}")
    assert r.status_code == 404 and int(parse(r)[0]["code"]) == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens(app, city, api, fmt):
    _id, number = new_case(app, city)
    r = api.get(f"tokens/{number}.{fmt}")
    assert r.status_code == 200 and parse(r) == [{"service_request_id": number, "token": number}]
    r = api.get(f"tokens/abc123.{fmt}")
    assert r.status_code == 404 and int(parse(r)[0]["code"]) == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_list_newest_first_with_default_90_day_window(app, city, api, fmt):
    now = datetime.now(timezone.utc)
    _a, old = new_case(app, city, at=now - timedelta(days=100))
    _b, month = new_case(app, city, at=now - timedelta(days=30))
    _c, today = new_case(app, city, at=now - timedelta(hours=1))
    r = api.get(f"requests.{fmt}")
    assert r.status_code == 200 and ids_of(r) == [today, month]
    assert old not in ids_of(r)


def test_date_filters(app, city, api):
    now = datetime.now(timezone.utc)
    _a, old = new_case(app, city, at=now - timedelta(days=100))
    _b, month = new_case(app, city, at=now - timedelta(days=30))
    _c, today = new_case(app, city, at=now - timedelta(hours=1))
    w3c = open311.w3c
    assert ids_of(api.get("requests.json", start_date=w3c(now - timedelta(days=120)),
                          end_date=w3c(now - timedelta(days=40)))) == [old]
    # only a start: the 90 days after it; only an end: the 90 days before it
    assert ids_of(api.get("requests.json", start_date=w3c(now - timedelta(days=101)))) == [month, old]
    assert ids_of(api.get("requests.json", end_date=w3c(now - timedelta(days=29)))) == [month, old]
    assert ids_of(api.get("requests.json", end_date=w3c(now - timedelta(days=2)))) == [month]
    # UTC with Z, a date alone (Beijing midnight), and a "+" a client forgot to encode
    start = (now - timedelta(days=31)).astimezone(SHANGHAI)
    assert ids_of(api.get("requests.json", start_date=start.strftime("%Y-%m-%d"))) == [today, month]
    assert ids_of(api.get("requests.json", start_date=(now - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                          end_date=(now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))) == [month]
    r = api.client.get(f"{BASE}/requests.json?start_date={start.strftime('%Y-%m-%dT%H:%M:%S')}+08:00")
    assert r.status_code == 200 and ids_of(r) == [today, month]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params,message", [
    ({"start_date": "yesterday"}, "start_date is not a W3C datetime"),
    ({"end_date": "2026-13-01T00:00:00Z"}, "end_date is not a W3C datetime"),
    ({"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-04-02T00:00:00+08:00"}, "at most 90 days"),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date is before start_date"),
    ({"status": "pending"}, "status must be open, closed"),
    ({"service_code": f"{LEAF},nope"}, "Unknown service_code: nope"),
    ({"page": "0"}, "page must be a whole number"),
    ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000"),
    ({"page_size": "ten"}, "page_size must be a whole number"),
], ids=["bad start", "bad end", "window > 90 days", "end before start", "status", "service_code", "page 0",
        "page_size 1001", "page_size text"])
def test_bad_filters_are_400(api, fmt, params, message):
    r = api.get(f"requests.{fmt}", **params)
    assert r.status_code == 400
    error = parse(r)[0]
    assert int(error["code"]) == 400 and message in error["description"]


def test_exactly_90_days_is_allowed(api):
    r = api.get("requests.json", start_date="2026-01-01T00:00:00+08:00", end_date="2026-04-01T00:00:00+08:00")
    assert r.status_code == 200


def test_service_code_and_status_filters(app, city, api):
    with app.app_context():
        other = db.session.scalar(select(Category).where(Category.code == "csgl-1-2")).id
    _a, road = new_case(app, city)
    _b, rubbish = new_case(app, city, category_id=other)
    declined_id, declined = new_case(app, city, reviewed=False)
    with app.test_request_context():
        case = db.session.get(Case, declined_id)
        workflow.decline(case, *users(city, "dispatcher"), "litigation", "请通过诉讼途径解决。")
        db.session.commit()
    assert set(ids_of(api.get("requests.json", service_code=LEAF))) == {road, declined}
    assert set(ids_of(api.get("requests.json", service_code=f"{LEAF},csgl-1-2"))) == {road, rubbish, declined}
    assert set(ids_of(api.get("requests.json", status="open"))) == {road, rubbish}
    assert ids_of(api.get("requests.json", status="closed")) == [declined]
    assert set(ids_of(api.get("requests.xml", status="open,closed"))) == {road, rubbish, declined}
    assert ids_of(api.get("requests.json", status="closed", service_code="csgl-1-2")) == []
    closed = parse(api.get("requests.xml", status="closed"))[0]
    assert closed["status"] == "closed" and closed["status_notes"].endswith("请通过诉讼途径解决。")
    assert closed["service_notice"] == "不予受理"


def test_service_request_id_overrides_every_other_filter(app, city, api):
    now = datetime.now(timezone.utc)
    _a, old = new_case(app, city, at=now - timedelta(days=200))
    _b, fresh = new_case(app, city)
    _c, unlisted = new_case(app, city, publish_consent=False)
    r = api.get("requests.json", service_request_id=f"{old},{fresh},{unlisted},FY20200101000001",
                status="closed", service_code="csgl-1-2", start_date="2020-01-01T00:00:00Z",
                end_date="2020-01-02T00:00:00Z", page_size="1")
    assert r.status_code == 200 and ids_of(r) == [fresh, old]
    too_many = ",".join(f"FY2026010100{i:04d}" for i in range(1001))
    r = api.get("requests.json", service_request_id=too_many)
    assert r.status_code == 400 and "At most 1000" in r.get_json()[0]["description"]


def test_page_and_page_size(app, city, api):
    now = datetime.now(timezone.utc)
    numbers = [new_case(app, city, at=now - timedelta(minutes=m))[1] for m in range(5)]  # newest first
    assert ids_of(api.get("requests.json", page_size="2")) == numbers[:2]
    assert ids_of(api.get("requests.json", page_size="2", page="2")) == numbers[2:4]
    assert ids_of(api.get("requests.xml", page_size="2", page="3")) == numbers[4:]
    assert ids_of(api.get("requests.json", page_size="2", page="4")) == []
    assert ids_of(api.get("requests.json", page="2")) == []


def test_at_most_1000_results(app, city, api):
    now = datetime.now(timezone.utc)
    with app.app_context():
        platform = intake.receiving_platform(city["county"]).id
        rows = [dict(tracking_no=f"FY20260101{i:06d}", query_code_hash="x$y", channel="hotline", state="accepted",
                     category_id=city["leaf"], county_id=city["county"], address="人民路", title="路面破损",
                     description="门前路面有一个大坑。", citizen_name="李四", citizen_phone="13912345678",
                     publish_consent=True, platform_id=platform, received_at=now - timedelta(seconds=i),
                     received_day=now.date(), updated_at=now) for i in range(1005)]
        db.session.execute(Case.__table__.insert(), rows)
        db.session.commit()
    r = api.get("requests.json")
    assert len(r.get_json()) == 1000 and r.get_json()[0]["service_request_id"] == "FY20260101000000"
    assert len(api.get("requests.json", page="2").get_json()) == 5
    assert len(api.get("requests.json", page_size="1000", page="2").get_json()) == 5


# ---- privacy ------------------------------------------------------------------------------------------------

def test_confidential_or_unconsented_cases_never_appear(app, city, api):
    _a, public = new_case(app, city)
    hidden = [new_case(app, city, publish_consent=False)[1], new_case(app, city, confidential=True)[1],
              new_case(app, city, confidential=True, publish_consent=True)[1]]
    with app.test_request_context():  # their public events must not leak through the updates feed either
        dispatcher, = users(city, "dispatcher")
        for case in db.session.scalars(select(Case).where(Case.state == "submitted")):
            workflow.accept(case, dispatcher)
        db.session.commit()
    for fmt in FORMATS:
        assert ids_of(api.get(f"requests.{fmt}")) == [public]
        assert ids_of(api.get(f"requests.{fmt}", service_request_id=",".join(hidden + [public]))) == [public]
        for number in hidden:
            assert api.get(f"requests/{number}.{fmt}").status_code == 404
            assert api.get(f"tokens/{number}.{fmt}").status_code == 404
        updates = parse(api.get(f"servicerequestupdates.{fmt}"))
        assert {u["service_request_id"] for u in updates} == {public}


def test_sensitive_declines_are_listed_without_their_description(app, city, api):
    case_id, number = new_case(app, city, reviewed=False, description="隔壁王五家里的私事，请调查他的收入情况。")
    with app.test_request_context():
        workflow.decline(db.session.get(Case, case_id), *users(city, "dispatcher"), "privacy", "涉及王五隐私。")
        db.session.commit()
    for fmt in FORMATS:
        shown = parse(api.get(f"requests/{number}.{fmt}"))[0]
        assert shown["status"] == "closed" and shown["description"] in ("", None)
        assert shown["status_notes"] == "他人隐私" or "王五" not in shown["status_notes"]
        body = api.get(f"servicerequestupdates.{fmt}").get_data(as_text=True)
        assert "王五" not in body and number in body


def test_no_name_phone_email_or_id_number_in_any_response(app, city, api, key):
    description = ("我是欧阳娜娜，电话139 8765 4321，另一个号码+86 13987654321，座机0558-7654321，"
                   "邮箱 nana.ouyang@example.com，身份证 341202199001011234，门口路灯坏了。")
    r = api.post("requests.json", filing(key, first_name="娜娜", last_name="欧阳", phone="13987654321",
                                        email="nana.ouyang@example.com", description=description, lat=None,
                                        long=None, address_string="欧阳娜娜家门口 人民路1号"))
    assert r.status_code == 201
    number = ids_of(r)[0]
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.tracking_no == number))
    assign_to_cgj(app, city, case_id)
    reply_and_release(app, city, case_id, "欧阳娜娜您好：路灯已修复。如有问题请致电13987654321回访，或联系承办人0558-2345678。")
    forbidden = ["欧阳娜娜", "娜娜", "13987654321", "139 8765 4321", "7654321", "2345678", "nana.ouyang",
                 "341202199001011234"]
    bodies = []
    for fmt in FORMATS:
        for path in (f"requests.{fmt}", f"requests/{number}.{fmt}", f"servicerequestupdates.{fmt}",
                     f"tokens/{number}.{fmt}"):
            response = api.get(path)
            assert response.status_code == 200
            bodies.append(response.get_data(as_text=True))
    text = "\n".join(bodies)
    for value in forbidden:
        assert value not in text, value
    shown = parse(api.get(f"requests/{number}.json"))[0]
    assert "139****4321" in shown["description"] and "欧***" in shown["description"]
    assert "欧***家门口" in shown["address"]
    assert "139****4321" in shown["status_notes"] and "路灯已修复" in shown["status_notes"]


def test_mask_text_rules():
    mask = mask_text
    assert mask("请拨13812345678或138-1234-5678") == "请拨138****5678或138****5678"
    assert mask("Tel13812345678") == "Tel138****5678"
    assert mask("座机 0558 1234567") == "座机 055******67"
    assert mask("编号FY20261125000001不变") == "编号FY20261125000001不变"
    assert mask("身份证34120219900101123X") == "身份证341202************"
    assert mask("a.b@c.cn") == "a***@c.cn"
    assert mask(None) is None and mask("") == ""


# ---- the loop: a unit's reply closes the request ------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_released_reply_closes_the_request_and_feeds_the_updates(app, city, api, key, fmt):
    number = ids_of(api.post(f"requests.{fmt}", filing(key)))[0]
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.tracking_no == number))
    assign_to_cgj(app, city, case_id)
    shown = parse(api.get(f"requests/{number}.{fmt}"))[0]
    assert shown["status"] == "open" and shown["agency_responsible"] == "市城市管理局"
    assert shown["expected_datetime"].endswith("+08:00") and shown["status_notes"] in (None, "")
    assert shown["service_notice"] == "已交办"
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        handler, lead = users(city, "handler", "unit_lead")
        workflow.sign_for(case, handler)
        workflow.draft_reply(case, handler, "resolved", "已于今日修复人民路88号门前路面。")
        workflow.approve_reply(case, lead)
        db.session.commit()
    shown = parse(api.get(f"requests/{number}.{fmt}"))[0]
    assert shown["status"] == "open" and shown["status_notes"] in (None, "")  # approved, not yet released
    with app.test_request_context():
        workflow.release(db.session.get(Case, case_id), *users(city, "dispatcher"))
        db.session.commit()
        expected_updated = open311.w3c(db.session.get(Case, case_id).updated_at)
    shown = parse(api.get(f"requests/{number}.{fmt}"))[0]
    assert shown["status"] == "closed" and shown["status_notes"] == "已于今日修复人民路88号门前路面。"
    assert shown["updated_datetime"] == expected_updated
    assert ids_of(api.get(f"requests.{fmt}", status="closed")) == [number]
    assert ids_of(api.get(f"requests.{fmt}", status="open")) == []

    updates = parse(api.get(f"servicerequestupdates.{fmt}"))
    assert [u["service_request_id"] for u in updates] == [number] * 4  # accept, assign, sign for, release
    assert [u["status"] for u in updates] == ["open", "open", "open", "closed"]
    last = updates[-1]
    assert last["description"] == "已于今日修复人民路88号门前路面。"
    with app.app_context():
        release = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                            CaseEvent.action == "release"))
        assert last["update_id"] == str(release.id) and last["updated_datetime"] == open311.w3c(release.at)
    assert updates[0]["description"] == "平台已受理"

    # a dissatisfied rating re-opens it
    with app.test_request_context():
        workflow.evaluate(db.session.get(Case, case_id), "not_resolved", "dissatisfied", "路面还是坏的。")
        db.session.commit()
    shown = parse(api.get(f"requests/{number}.{fmt}"))[0]
    assert shown["status"] == "open"


def test_updates_window_and_paging(app, city, api):
    _id, number = new_case(app, city)
    assign_to_cgj(app, city, _id)
    now = datetime.now(timezone.utc)
    assert len(api.get("servicerequestupdates.json").get_json()) == 2
    assert len(api.get("servicerequestupdates.xml", page_size="1", page="2").get_data()) > 0
    assert [u["update_id"] for u in api.get("servicerequestupdates.json", page_size="1", page="2").get_json()] == \
        [api.get("servicerequestupdates.json").get_json()[1]["update_id"]]
    assert api.get("servicerequestupdates.json", end_date=open311.w3c(now - timedelta(days=1))).get_json() == []
    r = api.get("servicerequestupdates.xml", start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z")
    assert r.status_code == 400 and ET.fromstring(r.get_data()).find("error/code").text == "400"
    assert api.get("servicerequestupdates.json", start_date="soon").status_code == 400


def test_lists_query_a_fixed_number_of_times(app, city, api, count_queries):
    def listing():
        assert api.client.get(f"{BASE}/requests.json").status_code == 200
        assert api.client.get(f"{BASE}/servicerequestupdates.xml").status_code == 200

    _id, _number = new_case(app, city)
    assign_to_cgj(app, city, _id)
    few = count_queries(listing)
    for _ in range(15):
        case_id, _n = new_case(app, city)
        assign_to_cgj(app, city, case_id)
    with app.test_request_context():
        workflow.decline(db.session.get(Case, new_case(app, city, reviewed=False)[0]), *users(city, "dispatcher"),
                         "abusive")
        db.session.commit()
    assert count_queries(listing) <= few + 1  # the declined case's reasons: one more query, not one per case


def test_deep_pages_follow_the_link_cursor(app, city, api):
    """Every answer with more results after it links to the next page by an opaque keyset cursor (no OFFSET); the
    cursor keeps the filters, and a page reached by number links onwards by cursor too."""
    now = datetime.now(timezone.utc)
    numbers = [new_case(app, city, at=now - timedelta(minutes=m))[1] for m in range(5)]  # newest first
    seen, r = [], api.get("requests.json", page_size="2", status="open")
    while True:
        assert r.status_code == 200
        seen += ids_of(r)
        link = r.headers.get("Link")
        if not link:
            break
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1)
        assert "status=open" in url and "page=" not in url and "after=" in url
        r = api.get(url.split("/open311/v2/", 1)[1].split("?")[0], **dict(parse_qsl(url.split("?", 1)[1])))
    assert seen == numbers
    by_page = api.get("requests.xml", page_size="2", page="2")
    assert ids_of(by_page) == numbers[2:4] and "after=" in by_page.headers["Link"]
    assert "Link" not in api.get("requests.json").headers  # everything on one page
    assert api.get("requests.json", after="not-a-cursor").status_code == 400


def test_page_numbers_reach_a_bounded_depth(app, city, api):
    r = api.get("requests.json", page_size="1000", page="11")
    assert r.status_code == 400 and "after" in r.get_json()[0]["description"]
    assert api.get("requests.json", page_size="1000", page="10").status_code == 200
    assert api.get("servicerequestupdates.json", page_size="1000", page="11").status_code == 400
