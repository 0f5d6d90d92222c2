"""Caller history by phone (only for operator, dispatcher, supervisor; inside the scope; every look-up logged) and
repeat calls (重复件: flagged to the dispatcher with a link to the first case, counted apart in statistics)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain import callers, intake, statistics
from portal.extensions import db
from portal.models import Case, Category, ContactView, Region
from portal.models.base import utcnow
from tests.helpers import as_user

PHONE = "13955556666"


def rows(response) -> list[str]:
    return re.findall(r'<th [^>]*scope="row"><a href="/staff/cases/\d+">(FY\d+)</a>', response.get_data(as_text=True))


def logged(app) -> list[ContactView]:
    with app.app_context():
        views = db.session.scalars(select(ContactView).order_by(ContactView.id)).all()
        db.session.expunge_all()
        return views


@pytest.fixture
def other_category(app, city):
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.level == 3, Category.id != city["leaf"])
                                 .order_by(Category.id))


@pytest.fixture
def other_county(app, city):
    with app.app_context():
        return db.session.get(Region, city["other_county_town"]).parent_id


def receive(app, city, at=None, **fields):
    data = dict(category_id=city["leaf"], county_id=city["county"], town_id=None, address="清河路12号",
                title="夜间施工噪音", description="工地晚上施工，噪音很大。", citizen_name="赵六",
                citizen_phone=PHONE)
    data.update(fields)
    with app.app_context():
        case, _code = intake.receive(intake.Submission(**data), at=at)
        db.session.commit()
        return case.id, case.tracking_no, case.repeat_of_id


def lookup(client, phone, htmx=True, **extra):
    return client.post("/staff/callers", {"citizen_phone": phone, **extra}, htmx=htmx, csrf_from="/staff/callers")


# ---------------------------------------------------------------------------------------------- caller history
def test_operator_sees_the_callers_earlier_cases_newest_first_and_the_look_up_is_logged(app, city, other_category):
    now = utcnow()
    first = receive(app, city, at=now - timedelta(days=30))
    second = receive(app, city, at=now - timedelta(days=20), category_id=other_category, title="路灯不亮",
                     description="小区路灯坏了")
    third = receive(app, city, at=now - timedelta(days=1))
    receive(app, city, citizen_phone="13900001111", title="别人的事")
    client = as_user(app, "operator")
    response = lookup(client, "139-5555-6666", category_id=city["leaf"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert rows(response) == [third[1], second[1], first[1]]
    assert 'data-calls="3"' in page
    assert "赵六" in page and PHONE in page  # the contact details are what the look-up reveals
    # the same-category cases are marked in words, not only by colour
    assert page.count("same-category") == 2
    assert "no-store" in response.headers["Cache-Control"]
    [view] = logged(app)
    assert view.kind == "caller_history" and view.phone_key == PHONE and view.case_id is None
    assert view.user_id == city["users"]["operator"] and view.cases_found == 3 and view.ip == "127.0.0.1"


def test_half_a_number_typed_is_neither_looked_up_nor_logged(app, city):
    receive(app, city)
    client = as_user(app, "operator")
    response = lookup(client, "1395555")
    assert response.status_code == 200 and rows(response) == []
    assert logged(app) == []
    # asked for explicitly (the button, without htmx), it is an error in the user's language
    response = lookup(client, "1395555", htmx=False, explicit="1")
    assert response.status_code == 422
    assert "11" in response.get_data(as_text=True)
    assert logged(app) == []


@pytest.mark.parametrize("username", ["handler", "unit_lead", "monitor", "organizer", "admin"])
def test_other_roles_may_not_look_callers_up(app, city, username):
    case_id, _no, _rep = receive(app, city)
    client = as_user(app, username)
    assert client.get("/staff/callers").status_code == 403
    csrf = client.csrf("/staff/ledger")
    assert client.client.post("/staff/callers", data={"citizen_phone": PHONE, "csrf_token": csrf}).status_code \
        == 403
    response = client.client.post(f"/staff/cases/{case_id}/caller-history", data={"csrf_token": csrf})
    assert response.status_code in (403, 404)
    assert logged(app) == []


def test_dispatcher_looks_up_from_a_case_page(app, city):
    earlier = receive(app, city, at=utcnow() - timedelta(days=40))
    case_id, number, _rep = receive(app, city)
    client = as_user(app, "dispatcher")
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert f"/staff/cases/{case_id}/caller-history" in page
    response = client.post(f"/staff/cases/{case_id}/caller-history", {}, htmx=True,
                           csrf_from=f"/staff/cases/{case_id}")
    assert response.status_code == 200
    assert rows(response) == [earlier[1]]  # the case itself is not listed...
    assert 'data-calls="2"' in response.get_data(as_text=True)  # ...but counted
    [view] = logged(app)
    assert view.case_id == case_id and view.kind == "caller_history"


def test_the_contact_view_log_lists_look_ups(app, city):
    case_id, _no, _rep = receive(app, city)
    lookup(as_user(app, "operator"), PHONE)
    dispatcher = as_user(app, "dispatcher")
    dispatcher.post(f"/staff/cases/{case_id}/caller-history", {}, csrf_from=f"/staff/cases/{case_id}")
    page = as_user(app, "admin").get("/staff/ledger/contact-views").get_data(as_text=True)
    assert page.count("139****6666") == 2
    assert PHONE not in page


def test_a_sub_platform_dispatcher_sees_only_the_callers_cases_on_that_platform(app, city, other_county):
    here = receive(app, city)
    receive(app, city, county_id=other_county, category_id=city["leaf"])
    response = lookup(as_user(app, "dispatcher_yz"), PHONE)
    assert rows(response) == [here[1]]


def test_phone_keys():
    assert callers.phone_key("+86 139-5555-6666") == PHONE
    assert callers.phone_key("008613955556666") == PHONE
    assert callers.phone_key("0558-1234567") == "05581234567"
    assert callers.phone_key("12") is None
    assert callers.is_complete_phone("13955556666") and not callers.is_complete_phone("1395555666")
    assert callers.is_complete_phone("0558-1234567") and callers.is_complete_phone("8234567")


def test_the_search_box_offers_a_phone_look_up(app, city):
    receive(app, city)
    page = as_user(app, "operator").get(f"/staff/search?q={PHONE}").get_data(as_text=True)
    assert 'action="/staff/callers"' in page
    assert logged(app) == []  # offering is not looking
    page = as_user(app, "handler").get(f"/staff/search?q={PHONE}").get_data(as_text=True)
    assert 'action="/staff/callers"' not in page


# ---------------------------------------------------------------------------------------------- repeat calls
def test_a_new_case_about_the_same_thing_within_the_window_links_to_the_first(app, city, other_category):
    now = utcnow()
    first = receive(app, city, at=now - timedelta(days=3))
    second = receive(app, city, at=now - timedelta(days=2))
    unrelated = receive(app, city, at=now - timedelta(days=1), category_id=other_category, title="路灯不亮",
                        description="小区路灯坏了三天")
    third = receive(app, city, at=now - timedelta(hours=1), category_id=other_category,
                    title="夜间施工噪音扰民", description="工地晚上施工，噪音很大，还是没人管。")  # similar text
    other_phone = receive(app, city, citizen_phone="13900001111")
    assert first[2] is None
    assert second[2] == first[0] and third[2] == first[0]
    assert unrelated[2] is None and other_phone[2] is None


def test_the_window_is_a_setting(app, city):
    now = utcnow()
    receive(app, city, at=now - timedelta(days=10))
    assert receive(app, city, at=now)[2] is None  # 10 days > 7
    app.config["REPEAT_CALL_DAYS"] = 14
    try:
        assert receive(app, city, at=now + timedelta(minutes=1))[2] is not None
    finally:
        app.config["REPEAT_CALL_DAYS"] = 7


def test_the_dispatcher_sees_the_flag_and_the_link(app, city):
    first = receive(app, city, at=utcnow() - timedelta(days=1))
    repeat = receive(app, city)
    client = as_user(app, "dispatcher")
    queue = client.get("/staff/queue?tab=new").get_data(as_text=True)
    row = queue[queue.index(repeat[1]):]
    row = row[:row.index("</tr>")]
    assert "repeat-flag" in row and f"/staff/cases/{first[0]}" in row
    page = client.get(f"/staff/cases/{repeat[0]}").get_data(as_text=True)
    assert "repeat-flag" in page and first[1] in page


def test_statistics_count_repeat_calls_apart(app, city, client):
    now = utcnow()
    receive(app, city, at=now - timedelta(hours=3))
    receive(app, city, at=now - timedelta(hours=2))
    receive(app, city, at=now - timedelta(hours=1))
    receive(app, city, citizen_phone="13900001111")
    with app.test_request_context():
        totals = statistics.totals(statistics.period("year"))
    assert totals["received"] == 4 and totals["repeat_calls"] == 2 and totals["received_excluding_repeats"] == 2
    page = client.get("/stats").get_data(as_text=True)
    assert "重复件" in page or "Repeat calls" in page
    with app.app_context():
        assert db.session.scalar(select(Case.id).where(Case.repeat_of_id.is_not(None)).limit(1)) is not None
