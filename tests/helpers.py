"""Helpers shared by the tests (test modules never import each other: what two of them need lives here)."""
from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_schema_validator import OAS30Validator
from PIL import Image
from sqlalchemy import event, func, select
from werkzeug.test import EnvironBuilder

from portal.domain import (
    apikeys,
    hotspots,
    intake,
    monitoring,
    notify,
    salons,
    supervision,
    workflow,
)
from portal.domain.calendar import SHANGHAI
from portal.extensions import db
from portal.models import (
    Case,
    Category,
    EchoStory,
    Region,
    Salon,
    Unit,
    User,
)


def one_case(d: Desk, unit_code, monday, kind):
    """One case assigned on `monday` 10:00; its score on its own (30 response / 35 resolution / 35 satisfaction):
    good     signed on time, resolved + satisfied          → 30 + 35 + 35 = 100
    late     signed two days late, resolved + satisfied    →  0 + 35 + 35 =  70
    partly   signed on time, partly + basically satisfied  → 30 +  0 + 35 =  65
    bad      signed late, not resolved + dissatisfied      →  0 +  0 +  0 =   0"""
    y, m, day = monday
    case = d.assign(unit_code, T(y, m, day, 10))
    d.sign(case, T(y, m, day + 2 if kind in ("late", "bad") else day, 15))
    d.reply(case, T(y, m, day + 3, 10))
    rating = {"good": ("resolved", "satisfied"), "late": ("resolved", "satisfied"),
              "partly": ("partly", "basically_satisfied"), "bad": ("not_resolved", "dissatisfied")}[kind]
    d.rate(case, *rating, T(y, m, day + 4, 10))
    return case


def publish_form(client, case_id):
    page = client.get(f"/staff/echo/new?case={case_id}").get_data(as_text=True)
    fields = {}
    for name in ("title",):
        fields[name] = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
    for name in ("raised", "handling", "reply"):
        fields[name] = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', page, re.S).group(1)
    return page, fields


def publish(app, case_id, **overrides):
    supervisor = as_user(app, "supervisor")
    page, fields = publish_form(supervisor, case_id)
    fields.update(overrides)
    return supervisor.post(f"/staff/echo/new?case={case_id}", fields, csrf_from=f"/staff/echo/new?case={case_id}")


def story_id(app, case_id):
    with app.app_context():
        return db.session.scalar(select(EchoStory.id).where(EchoStory.case_id == case_id))


def make_assigned(app, city, make_case, n):
    ids = [make_case(title=f"批量件{i}")[0] for i in range(n)]
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        unit = db.session.get(Unit, city["units"]["cgj"])
        for case_id in ids:
            case = db.session.get(Case, case_id)
            workflow.accept(case, dispatcher)
            workflow.assign(case, dispatcher, unit, "general")
        db.session.commit()


BASE = "/open311/v2"


LEAF = "cxjs-1-1"  # 城乡建设 › 道路设施 › 路面破损


class Api:
    """A GeoReport client that checks every answer against the OpenAPI document the server publishes."""

    def __init__(self, app):
        self.client = app.test_client()
        self.doc = self.client.get(f"{BASE}/openapi.json").get_json()
        self.openapi = OpenAPI.from_dict(self.doc)

    def get(self, path, **params):
        return self.check(self.client.get(f"{BASE}/{path}", query_string=params))

    def post(self, path, data):
        # the body the test client sent is consumed: openapi-core reads an identical twin
        twin = EnvironBuilder(f"{BASE}/{path}", method="POST", data=data).get_request()
        response = self.check(self.client.post(f"{BASE}/{path}", data=data), twin)
        if response.status_code < 400:
            self.openapi.validate_request(WerkzeugOpenAPIRequest(twin))
        return response

    # -- validation
    def check(self, response, request=None):
        if response.mimetype == "application/json":
            self.openapi.validate_response(WerkzeugOpenAPIRequest(request or response.request),
                                           WerkzeugOpenAPIResponse(response))
            if response.status_code < 400 and response.request.method == "GET":
                self.openapi.validate_request(WerkzeugOpenAPIRequest(response.request))
        else:
            assert response.mimetype == "text/xml", response.mimetype
            assert response.content_type == "text/xml; charset=utf-8"
            body = response.get_data()
            assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
            root = ET.fromstring(body)
            schema = self.response_schema(response, "text/xml")
            resolved = self.resolve(schema)
            assert root.tag == resolved["xml"]["name"]
            OAS30Validator({**schema, "components": self.doc["components"]}).validate(self.xml_data(root, schema))
        return response

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def response_schema(self, response, content_type):
        path = response.request.path[len(BASE):]
        for template, item in self.doc["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path) and response.request.method.lower() in item:
                responses = item[response.request.method.lower()]["responses"]
                answer = responses.get(str(response.status_code)) or responses["default"]
                return answer["content"][content_type]["schema"]
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def xml_data(self, element, schema):
        """The element as the JSON value its schema describes (element names per the `xml` objects)."""
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind == "array":
            items = self.resolve(schema["items"])
            name = items.get("xml", {}).get("name")
            assert all(child.tag == name for child in element), [c.tag for c in element]
            return [self.xml_data(child, items) for child in element]
        if kind == "object":
            data = {}
            for child in element:
                assert child.tag not in data, f"{child.tag} twice"
                prop = schema["properties"].get(child.tag)
                data[child.tag] = self.xml_data(child, prop) if prop else child.text
            return data
        text = element.text
        if text is None:
            return None if schema.get("nullable") else ""
        return {"integer": int, "number": float, "boolean": lambda t: {"true": True, "false": False}[t]}.get(
            kind, str)(text)


def parse(response):
    """JSON answers as they come; XML answers as lists of dicts (one level of nesting is all GeoReport has)."""
    if response.mimetype == "application/json":
        return response.get_json()
    root = ET.fromstring(response.get_data())

    def value(el):
        if len(el):
            return [value(c) for c in el] if el[0].tag in ("value", "attribute", "endpoint", "format") and \
                el.tag in ("values", "attributes", "endpoints", "formats") else {c.tag: value(c) for c in el}
        return el.text
    if root.tag in ("discovery", "service_definition"):
        return value(root)
    return [{c.tag: value(c) for c in item} for item in root]


def make_key(app, channel="hotline", name="12345 热线系统") -> str:
    with app.app_context():
        new = apikeys.create(name, channel, None)
        db.session.commit()
        return new.secret


def filing(key, **overrides) -> dict:
    data = {"api_key": key, "service_code": LEAF, "lat": "32.890100", "long": "115.814200",
            "attribute[county]": "yingzhou", "attribute[publish]": "yes",
            "description": "人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。", "first_name": "三丰", "last_name": "张",
            "phone": "13812345678", "email": "zhang@example.com"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def appoint(app, city, username="monitor", kind="deputy", start=None, end=None, organisation="阜阳市人大常委会"):
    today = date.today()
    with app.app_context():
        user = db.session.get(User, city["users"][username])
        monitoring.appoint(user, kind, start or today - timedelta(days=365), end or today + timedelta(days=365),
                           organisation)
        db.session.commit()


def advance(app, city, case_id, to="replied"):
    """Drive a case through the workflow to handling / replied / awaiting_evaluation / closed."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        users = {n: db.session.get(User, city["users"][n]) for n in ("dispatcher", "handler", "unit_lead")}
        workflow.accept(case, users["dispatcher"])
        workflow.assign(case, users["dispatcher"], db.session.get(Unit, city["units"]["cgj"]), "general")
        workflow.sign_for(case, users["handler"])
        if to != "handling":
            workflow.draft_reply(case, users["handler"], "resolved", "已安排人员修复路面。")
            workflow.approve_reply(case, users["unit_lead"])
        if to in ("awaiting_evaluation", "closed"):
            workflow.release(case, users["dispatcher"])
        if to == "closed":
            workflow.evaluate(case, "resolved", "satisfied")
        db.session.commit()
        assert case.state == to


def assigned(app, city, make_case, unit="cgj", title="路面破损", sign=False):
    """A case accepted and assigned to `unit` (signed for when `sign`)."""
    case_id, number, _ = make_case(title=title)
    with app.app_context():
        case = db.session.get(Case, case_id)
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, db.session.get(Unit, city["units"][unit]), "general")
        if sign:
            workflow.sign_for(case, db.session.scalar(select(User).where(User.unit_id == city["units"][unit],
                                                                         User.role == "handler")))
        db.session.commit()
    return case_id, number


def label(app, mapping, key) -> str:
    """A label as the (Chinese by default) pages show it."""
    with app.test_request_context():
        return str(mapping[key])


def issue_order(app, city, case_id=None, unit="cgj", days=3, at=None, requirement="请三日内反馈处理进展。"):
    with app.app_context():
        supervisor = db.session.get(User, city["users"]["supervisor"])
        case = db.session.get(Case, case_id) if case_id else None
        order = supervision.issue(supervisor, requirement, days, case=case,
                                  unit=None if case else db.session.get(Unit, city["units"][unit]), at=at)
        db.session.commit()
        return order.id


def section(page: str, heading_id: str) -> str:
    """The HTML from a heading to the end of its section."""
    start = page.index(f'id="{heading_id}"')
    return page[start:page.index("</section>", start)]


def T(year, month, day, hour=10, minute=0) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Desk:
    """Drives cases through the real workflow functions with explicit timestamps (inside an app context)."""

    def __init__(self, city):
        self.city = city

    def user(self, name) -> User:
        return db.session.get(User, self.city["users"][name])

    def unit(self, code) -> Unit:
        return db.session.get(Unit, self.city["units"][code])

    def staff(self, unit_id, role) -> User:
        return db.session.scalar(select(User).where(User.unit_id == unit_id, User.role == role).order_by(User.id))

    def new(self, at: datetime) -> Case:
        sub = intake.Submission(category_id=self.city["leaf"], county_id=self.city["county"],
                                town_id=self.city["town"], address="人民路88号", title="路面破损",
                                description="门前路面有一个大坑，请尽快修复。", citizen_name="李四",
                                citizen_phone="13912345678")
        with notify.muted():
            case, _ = intake.receive(sub, at=at)
        db.session.flush()
        return case

    def assign(self, unit_code, at: datetime, priority="general", case: Case | None = None) -> Case:
        """A new case (received and accepted an hour before) assigned to `unit_code` at `at`, or re-assign
        `case` (after a return)."""
        dispatcher = self.user("dispatcher")
        with notify.muted():
            if case is None:
                case = self.new(at - timedelta(hours=2))
                workflow.accept(case, dispatcher, at=at - timedelta(hours=1))
            workflow.assign(case, dispatcher, self.unit(unit_code), priority, at=at)
        db.session.flush()
        return case

    def sign(self, case, at):
        with notify.muted():
            workflow.sign_for(case, self.staff(case.lead_unit_id, "handler"), at=at)

    def reply(self, case, at, release_after=timedelta(hours=1)):
        """Drafted an hour before `at`, approved by the unit lead at `at`, released `release_after` later."""
        with notify.muted():
            workflow.draft_reply(case, self.staff(case.lead_unit_id, "handler"), "resolved", "已处理完毕。",
                                 at=at - timedelta(hours=1))
            workflow.approve_reply(case, self.staff(case.lead_unit_id, "unit_lead"), at=at)
            if release_after is not None:
                workflow.release(case, self.user("dispatcher"), at=at + release_after)

    def rate(self, case, resolution, satisfaction, at):
        with notify.muted():
            workflow.evaluate(case, resolution, satisfaction,
                              "问题仍然存在。" if satisfaction == "dissatisfied" else None, at=at)

    def give_back(self, case, at):
        with notify.muted():
            workflow.return_case(case, self.staff(case.lead_unit_id, "handler"), "wrong_locality", "不属于本单位。",
                                 at=at)

    def keep(self, case, at):
        with notify.muted():
            workflow.keep(case, self.user("dispatcher"), "经核实属本单位职责。", at=at)

    def rehandle(self, case, unit_code, at, priority="urgent"):
        with notify.muted():
            workflow.rehandle(case, self.user("supervisor"), self.unit(unit_code), priority, "请重新核实。", at=at)


def october_fixture(app, city) -> dict:
    """The October 2026 cases; returns {code: unit id} of the units involved."""
    with app.app_context():
        d = Desk(city)
        # Case 1 — 市城市管理局 (A). Assigned Mon 12 Oct: sign by 13 Oct, due 19 Oct (13,14,15,16,19).
        c1 = d.assign("cgj", T(2026, 10, 12, 10))
        d.sign(c1, T(2026, 10, 12, 15))                     # on time
        d.reply(c1, T(2026, 10, 14, 12))                    # on time (≤ 19 Oct)
        d.rate(c1, "resolved", "satisfied", T(2026, 10, 15))  # closed
        # Case 2 — A. Assigned Fri 9 Oct 16:00: sign by Sat 10 Oct (a swapped working day), due 15 Oct
        # (10, 12, 13, 14, 15).
        c2 = d.assign("cgj", T(2026, 10, 9, 16))
        d.sign(c2, T(2026, 10, 12, 9))                      # late: 12 Oct > 10 Oct
        d.reply(c2, T(2026, 10, 16, 10))                    # late: 16 Oct > 15 Oct
        d.rate(c2, "partly", "basically_satisfied", T(2026, 10, 17))  # closed
        # Case 3 — A. Simple, assigned Tue 13 Oct: due 15 Oct. Rated dissatisfied, re-handled by A (urgent,
        # Fri 16 Oct → due Tue 20 Oct), replied again and rated satisfied.
        c3 = d.assign("cgj", T(2026, 10, 13, 10), priority="simple")
        d.sign(c3, T(2026, 10, 13, 11))                     # on time
        d.reply(c3, T(2026, 10, 14, 10))                    # on time (≤ 15 Oct)
        d.rate(c3, "not_resolved", "dissatisfied", T(2026, 10, 14, 20))
        d.rehandle(c3, "cgj", T(2026, 10, 16, 10))
        d.reply(c3, T(2026, 10, 19, 10))                    # on time (≤ 20 Oct)
        d.rate(c3, "resolved", "satisfied", T(2026, 10, 20))  # closed, current deadline 20 Oct
        # Case 4 — assigned to A Tue 20 Oct, A returns it; re-assigned to 市交通运输局 (B) Wed 21 Oct:
        # sign by 22 Oct, due 28 Oct (22, 23, 26, 27, 28). B signs, replies; not rated yet.
        c4 = d.assign("cgj", T(2026, 10, 20, 10))
        d.give_back(c4, T(2026, 10, 20, 15))
        d.assign("jtj", T(2026, 10, 21, 9), case=c4)
        d.sign(c4, T(2026, 10, 22, 10))                     # on time
        d.reply(c4, T(2026, 10, 23, 10))                    # on time; awaiting evaluation
        # Case 5 — A, assigned Fri 30 Oct 16:00: sign by Mon 2 Nov, signed then (on time); due 6 Nov.
        c5 = d.assign("cgj", T(2026, 10, 30, 16))
        d.sign(c5, T(2026, 11, 2, 9))
        # Case 6 — A, assigned Mon 28 Sep (not October's volume): due Sat 10 Oct (29, 30 Sep, 8, 9, 10 Oct);
        # still being handled.
        c6 = d.assign("cgj", T(2026, 9, 28, 10))
        d.sign(c6, T(2026, 9, 28, 11))
        # Case 7 — B, assigned Mon 26 Oct (sign by 27 Oct, due 2 Nov), returned, the dispatcher rules B keeps it;
        # B signs on 27 Oct.
        c7 = d.assign("jtj", T(2026, 10, 26, 10))
        d.give_back(c7, T(2026, 10, 26, 11))
        d.keep(c7, T(2026, 10, 27, 9))
        d.sign(c7, T(2026, 10, 27, 10))                     # on time for the first assignment
        # Case 8 — 颍州区鼓楼街道办事处 (a town office; counts for 颍州区人民政府, G). Mon 12 Oct, due 19 Oct.
        c8 = d.assign("town-yingzhou-1", T(2026, 10, 12, 10))
        d.sign(c8, T(2026, 10, 13, 9))                      # on time
        d.reply(c8, T(2026, 10, 15, 10))                    # on time
        d.rate(c8, "resolved", "satisfied", T(2026, 10, 16))
        # Case 9 — G, Wed 14 Oct: sign by 15 Oct, due 21 Oct. Signed late, no reply yet.
        c9 = d.assign("gov-yingzhou", T(2026, 10, 14, 10))
        d.sign(c9, T(2026, 10, 16, 10))
        # Case 10 — 颍东区人民政府 (H): assigned, replied and released in September, rated in October.
        c10 = d.assign("gov-yingdong", T(2026, 9, 21, 10))
        d.sign(c10, T(2026, 9, 21, 11))
        d.reply(c10, T(2026, 9, 24, 10))
        d.rate(c10, "resolved", "satisfied", T(2026, 10, 12))
        assert (c2.due_at.astimezone(SHANGHAI).date(), c3.due_at.astimezone(SHANGHAI).date(),
                c4.due_at.astimezone(SHANGHAI).date(), c6.due_at.astimezone(SHANGHAI).date(),
                c7.due_at.astimezone(SHANGHAI).date()) == (
            date(2026, 10, 15), date(2026, 10, 20), date(2026, 10, 28), date(2026, 10, 10), date(2026, 11, 2))
        assert c1.state == c2.state == c3.state == c8.state == "closed" and c4.state == "awaiting_evaluation"
        db.session.commit()
    return city["units"]


def ids(app):
    """Category and county ids by code (the demo organisation of the `city` fixture)."""
    with app.app_context():
        cats = {c.code: c.id for c in db.session.scalars(select(Category))}
        regions = {r.code: r.id for r in db.session.scalars(select(Region))}
    return cats, regions


def receive(app, *, at, channel="web", category="cxjs-1-1", county="yingzhou", **fields) -> int:
    """A case received through the real intake at `at` (aware datetime)."""
    cats, regions = ids(app)
    data = dict(category_id=cats[category], county_id=regions[county], town_id=regions[f"{county}-1"],
                address="人民路88号", title="路面破损", description="门前路面有一个大坑，请尽快修复。",
                citizen_name="李四", citizen_phone="13912345678", publish_consent=True, channel=channel)
    data.update(fields)
    with app.app_context():
        case, _code = intake.receive(intake.Submission(**data), at=at)
        db.session.commit()
        return case.id


def answer(app, city, case_id, reply="已修复路面，恢复通行。"):
    """Accept, assign, sign for, draft, approve and release a reply (the closed loop up to the citizen)."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        handler = db.session.get(User, city["users"]["handler"])
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, db.session.get(Unit, city["units"]["cgj"]), "general")
        workflow.sign_for(case, handler)
        workflow.draft_reply(case, handler, "resolved", reply)
        workflow.approve_reply(case, db.session.get(User, city["users"]["unit_lead"]))
        workflow.release(case, dispatcher)
        db.session.commit()


def english(app) -> PortalClient:
    client = PortalClient(app.test_client())
    client.get("/lang/en?next=/")
    return client


def step(client, case_id, name, data=None, **kw):
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    version = re.search(rf'name="{name}-version" type="hidden" value="(\d+)"', page)
    assert version, f"no {name} form on the page"
    payload = {f"{name}-version": version.group(1)}
    payload.update({f"{name}-{k}": v for k, v in (data or {}).items()})
    return client.post(f"/staff/cases/{case_id}/step/{name}", payload, csrf_from=f"/staff/cases/{case_id}", **kw)


def as_user(app, username) -> PortalClient:
    c = PortalClient(app.test_client())
    c.login(username)
    return c


def dispatched(app, city, case_id, unit="cgj") -> PortalClient:
    """The dispatcher accepts the case and assigns it to `unit` (general priority) through the case page's forms;
    returns the dispatcher's signed-in client."""
    dispatcher = as_user(app, "dispatcher")
    assert step(dispatcher, case_id, "accept").status_code == 303
    assigned = step(dispatcher, case_id, "assign", {"unit_id": city["units"][unit], "priority": "general"})
    assert assigned.status_code == 303
    return dispatcher


def citizen_page(app, number, code):
    citizen = PortalClient(app.test_client())
    r = citizen.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track")
    assert r.status_code == 303
    return citizen, citizen.get(r.headers["Location"]).get_data(as_text=True)


POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


class PortalClient:
    """A test client that reads CSRF tokens from pages and can speak htmx."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path="/submit") -> str:
        page = self.client.get(path, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'"X-CSRFToken": "([^"]+)"', page)
        return match.group(1)

    def post(self, path, data=None, htmx=False, csrf_from=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(csrf_from or path))
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", **headers}
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def get(self, path, htmx=False, **kwargs):
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", **headers}
        return self.client.get(path, headers=headers, **kwargs)

    def login(self, username, password="demo12345"):
        response = self.post("/login", {"username": username, "password": password}, csrf_from="/login")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response


def make_image(fmt="JPEG", size=(64, 48), exif_gps=False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCamera"  # Make
        exif[0x8825] = {1: "N", 2: (32.0, 53.0, 0.0), 3: "E", 4: (115.0, 48.0, 0.0)}  # GPSInfo
        kwargs["exif"] = exif
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def case_form(city, **overrides) -> dict:
    """A valid citizen submission for the `city` fixture."""
    data = {
        "category_l1": city["leaf_path"][0], "category_l2": city["leaf_path"][1], "category_id": city["leaf"],
        "county_id": city["county"], "town_id": city["town"], "address": "鼓楼街道人民路88号",
        "title": "人民路路面破损", "description": "人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。",
        "citizen_name": "张三丰", "citizen_phone": "13812345678", "citizen_email": "",
        "publish_consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def state(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).state


STARTS = datetime(2026, 3, 10, 14, 30, tzinfo=SHANGHAI)  # a Tuesday afternoon, Beijing time


def user_named(username: str) -> User:
    """The user with this username (inside an app context)."""
    return db.session.scalar(select(User).where(User.username == username))


def _organizer():
    return user_named("organizer")


def make_salon(app, city, state="planned", capacity=30, title="网络名人看阜阳·城市更新") -> int:
    """A salon moved through the domain to `state` (no participants)."""
    with app.app_context():
        organizer = _organizer()
        salon = salons.create_salon(organizer, salons.SalonData(
            title=title, theme="老旧小区改造与背街小巷整治", starts_at=STARTS, ends_at=STARTS + timedelta(hours=2, minutes=30),
            venue="阜阳市民中心三楼会议室", venue_kind="city", capacity=capacity, invited_officials="市住建局分管负责同志",
            unit_ids=(city["units"]["zjj"], city["units"]["cgj"]),
            agenda=(("老旧小区改造", 40), ("背街小巷整治", 30))))
        order = ["planned", "registration_open", "in_progress", "closed", "outcomes_published"]
        for target in order[1:order.index(state) + 1]:
            if target == "registration_open":
                salons.open_registration(salon, organizer)
            elif target == "in_progress":
                salons.start(salon, organizer)
            elif target == "closed":
                salons.close(salon, organizer, "", "小结")
            else:
                salons.publish(salon, organizer)
        db.session.commit()
        return salon.id


def add_person(app, salon_id, name="王建国", phone="13800001111", kind="netizen_rep", handle="",
               check_in=True) -> tuple[int, str]:
    """Someone confirmed (and checked in) on the roster; returns (participant id, attendance code)."""
    with app.app_context():
        salon = db.session.get(Salon, salon_id)
        participant = salons.add_participant(salon, _organizer(), name=name, kind=kind, platform="微博" if handle else "",
                                             handle=handle, phone=phone)
        if check_in:
            salons.check_in(salon, _organizer(), participant.attendance_code)
        db.session.commit()
        return participant.id, participant.attendance_code


def record(app, salon_id, participant_id, text="建议老旧小区加装电梯简化审批手续。") -> int:
    with app.app_context():
        suggestion = salons.record_suggestion(db.session.get(Salon, salon_id), _organizer(),
                                              participant_id=participant_id, text=text)
        db.session.commit()
        return suggestion.id


def visitor(app) -> PortalClient:
    return in_english(PortalClient(app.test_client()))


def in_english(client: PortalClient) -> PortalClient:
    """Pages in English, so that assertions read the source strings whatever the catalogue holds."""
    client.get("/lang/en")
    return client


def staff(app, username) -> PortalClient:
    return in_english(as_user(app, username))


def organizer(app) -> PortalClient:
    return staff(app, "organizer")


def text_of(response) -> str:
    """The page, without the lang="zh-Hans" marks that English pages put around Chinese words."""
    return re.sub(r'<span lang="zh-Hans">(.*?)</span>', r"\1", response.get_data(as_text=True))


def register(app, salon_id, name, phone, handle=""):
    netizen = visitor(app)
    path = f"/salons/{salon_id}/register"
    r = netizen.post(path, {"name": name, "kind": "netizen_rep", "platform": "阜阳论坛", "handle": handle,
                            "phone": phone}, csrf_from=path)
    return netizen, r


def adopt(org, salon_id, suggestion_id, city, **overrides):
    path = f"/staff/salons/{salon_id}/suggestions/{suggestion_id}"
    data = {"adopt-title": "背街小巷路灯集中更换", "adopt-category_id": city["leaf"], "adopt-county_id": city["county"],
            "adopt-address": "", "adopt-unit_id": city["units"]["cgj"], "adopt-priority": "general"}
    data.update(overrides)
    return org.post(f"{path}/adopt", data, csrf_from=path)


def answer_case(app, case_id, reply="已于本周集中更换背街小巷路灯32盏。"):
    """The unit answers through the workflow and the organizer releases the reply."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        users = {u.username: u for u in db.session.scalars(select(User))}
        workflow.sign_for(case, users["handler"])
        workflow.draft_reply(case, users["handler"], "resolved", reply)
        workflow.approve_reply(case, users["unit_lead"])
        workflow.release(case, users["organizer"])
        db.session.commit()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def released_case(app, city, make_case, drop_receipt=False, **fields):
    """A case received through the real intake and driven up to the reply sent to its citizen: (id, number, code).
    `drop_receipt`: the receipt queued at submission (number and query code) is deleted (outbox tests count the
    messages the later steps queue)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import delete

    from portal.models import OutboxMessage, Unit

    case_id, number, code = make_case(**fields)
    past = datetime.now(timezone.utc) - timedelta(days=3)
    with app.app_context():
        if drop_receipt:
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.case_id == case_id))
        case = db.session.get(Case, case_id)
        users = {n: db.session.get(User, city["users"][n]) for n in ("dispatcher", "handler", "unit_lead")}
        workflow.accept(case, users["dispatcher"], at=past)
        workflow.assign(case, users["dispatcher"], db.session.get(Unit, city["units"]["cgj"]), "general",
                        at=past + timedelta(minutes=5))
        workflow.sign_for(case, users["handler"], at=past + timedelta(hours=1))
        workflow.draft_reply(case, users["handler"], "resolved", "路面坑洞已于今日填平，感谢您的反映。",
                             at=past + timedelta(hours=5))
        workflow.approve_reply(case, users["unit_lead"], at=past + timedelta(hours=6))
        workflow.release(case, users["dispatcher"], at=past + timedelta(hours=7))
        db.session.commit()
    return case_id, number, code


def now() -> datetime:
    return datetime.now(timezone.utc)


def _users(city):
    return {name: db.session.get(User, city["users"][name])
            for name in ("dispatcher", "handler", "unit_lead", "handler_yz")}


def assigned_case(app, city, make_case, at: datetime, sign: bool = True, unit: str = "cgj",
                  priority: str = "general") -> tuple[int, str]:
    case_id, tracking_no, _ = make_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        users = _users(city)
        workflow.accept(case, users["dispatcher"], at=at)
        workflow.assign(case, users["dispatcher"], db.session.get(Unit, city["units"][unit]), priority,
                        at=at + timedelta(minutes=5))
        if sign:
            workflow.sign_for(case, users["handler" if unit == "cgj" else "handler_yz"],
                              at=at + timedelta(minutes=30))
        db.session.commit()
    return case_id, tracking_no


def set_email(app, city, username, email):
    with app.app_context():
        db.session.get(User, city["users"][username]).email = email
        db.session.commit()


def review_data(**overrides):
    data = {"review-timeliness": "4", "review-attitude": "5", "review-solution": "4", "review-reply_quality": "3",
            "review-comment": "答复及时，措施具体。"}
    data.update(overrides)
    return data


def post_review(client, case_id, **overrides):
    return client.post(f"/staff/cases/{case_id}/review", review_data(**overrides), csrf_from=f"/staff/cases/{case_id}")


# ---- hotspot warnings (tests/test_governance.py, tests/browser/test_governance_browser.py)
NOISE_TEXTS = ["工地夜间施工噪音很大，凌晨还在打桩。", "晚上工地施工噪音扰民，孩子睡不着。",
               "建筑工地夜间施工，噪音吵到半夜。", "夜间施工噪音太大，请管管这个工地。",
               "工地噪音从晚上十点持续到凌晨两点。", "施工噪音扰民，工地天天夜间作业。"]


def planted_warning(app, make_case, n=6) -> int:
    """`n` similar noise complaints in one town, then the scan: the id of the one warning it raises."""
    for i in range(n):
        make_case(title="工地夜间施工噪音", description=NOISE_TEXTS[i % len(NOISE_TEXTS)],
                  citizen_phone=f"1391234{i:04d}")
    with app.app_context():
        result = hotspots.scan()
        db.session.commit()
        assert len(result.created) == 1
        return result.created[0].id


@contextmanager
def count_statements(app):
    """The SQL statements run inside the block (a list, filled as they run)."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
