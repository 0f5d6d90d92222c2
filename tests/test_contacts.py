"""The citizen's contact details: only for the handlers of a unit the case is assigned to, every view logged."""

import pytest
from sqlalchemy import func, select

from portal.domain import contacts, intake, workflow
from portal.extensions import db
from portal.models import Case, ContactView, Unit, User
from tests.helpers import count_statements

PHONE = "13987654321"
NAME = "王小明"
EMAIL = "wxm@example.com"


@pytest.fixture
def assigned_case(app, city):
    """Factory: a case assigned to `unit` (with optional co-handling units); returns (id, tracking number)."""

    def factory(unit="cgj", co_units=()):
        with app.test_request_context():
            case, _code = intake.receive(intake.Submission(
                category_id=city["leaf"], county_id=city["county"], town_id=None, address="人民路88号",
                title="路面破损", description="门前路面有一个大坑，请尽快修复。", citizen_name=NAME,
                citizen_phone=PHONE, citizen_email=EMAIL, hide_name=True))
            if unit:
                dispatcher = db.session.get(User, city["users"]["dispatcher"])
                workflow.accept(case, dispatcher)
                workflow.assign(case, dispatcher, db.session.get(Unit, city["units"][unit]), "general",
                                co_units=[db.session.get(Unit, city["units"][c]) for c in co_units])
            db.session.commit()
            return case.id, case.tracking_no
    return factory


def views(app, case_id=None) -> list[ContactView]:
    with app.app_context():
        query = select(ContactView).order_by(ContactView.id)
        if case_id is not None:
            query = query.where(ContactView.case_id == case_id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def reveal(client, case_id, htmx=False):
    return client.post(f"/staff/cases/{case_id}/contact", {}, htmx=htmx, csrf_from="/staff/ledger")


def test_handler_of_the_lead_unit_sees_the_contact_and_the_view_is_logged(client, city, app, assigned_case):
    case_id, number = assigned_case("cgj")
    client.login("handler")
    response = reveal(client, case_id)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert PHONE in page and NAME in page and EMAIL in page and number in page
    assert "<html" in page  # a small page for a request without htmx
    assert "no-store" in response.headers["Cache-Control"]
    [view] = views(app, case_id)
    assert view.user_id == city["users"]["handler"] and view.at is not None and view.ip == "127.0.0.1"


def test_htmx_reveal_returns_a_fragment_replacing_the_button(client, city, app, assigned_case):
    case_id, _ = assigned_case("cgj")
    client.login("unit_lead")
    response = reveal(client, case_id, htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and PHONE in fragment and "<html" not in fragment
    assert f'id="contact-{case_id}"' in fragment  # the same id as the button's box, swapped outerHTML
    assert len(views(app, case_id)) == 1
    reveal(client, case_id, htmx=True)
    assert len(views(app, case_id)) == 2  # every view is logged, not only the first


def test_active_co_unit_may_see_the_contact(client, city, app, assigned_case):
    case_id, _ = assigned_case("cgj", co_units=("gov-yingzhou",))
    client.login("handler_yz")
    response = reveal(client, case_id)
    assert response.status_code == 200 and PHONE in response.get_data(as_text=True)
    assert [v.user_id for v in views(app, case_id)] == [city["users"]["handler_yz"]]


@pytest.mark.parametrize("username", ["handler_yz", "monitor", "operator", "dispatcher", "supervisor", "admin"])
def test_everyone_else_is_refused_and_nothing_is_logged(client, city, app, assigned_case, username):
    case_id, _ = assigned_case("cgj")
    client.login(username)
    response = reveal(client, case_id)
    assert response.status_code == 403
    assert PHONE not in response.get_data(as_text=True)
    assert views(app) == []


def test_unit_no_longer_on_the_case_is_refused(client, city, app, assigned_case):
    case_id, _ = assigned_case("cgj")
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        case.lead_unit_id = city["units"]["jtj"]  # moved to another unit; cgj's row no longer active
        for cu in case.units:
            cu.active = False
        db.session.commit()
    client.login("handler")
    assert reveal(client, case_id).status_code == 403
    assert views(app) == []


def test_unassigned_case_reveals_nothing(client, city, app, assigned_case):
    case_id, _ = assigned_case(unit=None)
    client.login("handler")
    assert reveal(client, case_id).status_code == 403
    assert client.post("/staff/cases/999999/contact", {}, csrf_from="/staff/ledger").status_code == 404
    assert views(app) == []


def test_reveal_needs_a_post_with_csrf(client, city, app, assigned_case):
    case_id, _ = assigned_case("cgj")
    client.login("handler")
    assert client.get(f"/staff/cases/{case_id}/contact").status_code == 405
    assert client.client.post(f"/staff/cases/{case_id}/contact").status_code == 400
    assert views(app) == []


def test_domain_rule(app, city, assigned_case):
    case_id, _ = assigned_case("cgj")
    with app.app_context():
        case = db.session.get(Case, case_id)
        handler = db.session.get(User, city["users"]["handler"])
        monitor = db.session.get(User, city["users"]["monitor"])
        assert contacts.may_see_contact(handler, case) and not contacts.may_see_contact(monitor, case)
        with pytest.raises(contacts.ContactDenied):
            contacts.reveal_contact(monitor, case, "10.0.0.1")
        details = contacts.reveal_contact(handler, case, "10.0.0.1")
        db.session.commit()
        assert (details.name, details.phone, details.email) == (NAME, PHONE, EMAIL)
        assert db.session.scalar(select(func.count(ContactView.id))) == 1


def test_contact_button_macro(app, city, assigned_case):
    case_id, _ = assigned_case("cgj")
    from flask import render_template_string

    with app.test_request_context():
        case = db.session.get(Case, case_id)
        html = render_template_string('{% from "staff/_contact.html" import contact_button %}'
                                      '{{ contact_button(case) }}', case=case)
    assert f'action="/staff/cases/{case_id}/contact"' in html and 'method="post"' in html
    assert 'name="csrf_token"' in html and f'hx-target="#contact-{case_id}"' in html
    assert PHONE not in html


def test_admin_sees_the_log_of_who_viewed_what_and_when(client, city, app, assigned_case):
    first, first_no = assigned_case("cgj")
    second, second_no = assigned_case("cgj", co_units=("gov-yingzhou",))
    client.login("handler")
    reveal(client, first)
    client.login("handler_yz")
    reveal(client, second)
    client.login("admin")
    page = client.get("/staff/ledger/contact-views").get_data(as_text=True)
    with app.app_context():
        handler = db.session.get(User, city["users"]["handler"])
        handler_yz = db.session.get(User, city["users"]["handler_yz"])
        names = handler.display_name, handler_yz.display_name
    assert first_no in page and second_no in page and names[0] in page and names[1] in page
    assert page.index(second_no) < page.index(first_no)  # newest first
    assert "<time datetime=" in page and PHONE not in page
    by_user = client.get(f"/staff/ledger/contact-views?user={city['users']['handler']}").get_data(as_text=True)
    assert first_no in by_user.split("<tbody>")[1] and second_no not in by_user.split("<tbody>")[1]
    by_case = client.get(f"/staff/ledger/contact-views?case={second_no.lower()}", htmx=True).get_data(as_text=True)
    assert second_no in by_case and first_no not in by_case and "<html" not in by_case


@pytest.mark.parametrize("username", ["handler", "unit_lead", "supervisor", "monitor", "dispatcher"])
def test_only_admins_see_the_log(client, city, username):
    client.login(username)
    assert client.get("/staff/ledger/contact-views").status_code == 403


def test_log_page_is_one_query_whatever_its_length(client, city, app, assigned_case):
    case_id, _ = assigned_case("cgj")
    client.login("handler")
    for _ in range(2):
        reveal(client, case_id)
    client.login("admin")
    client.get("/staff/ledger/contact-views", htmx=True)
    with count_statements(app) as few:
        client.get("/staff/ledger/contact-views", htmx=True)
    client.login("unit_lead")
    for _ in range(10):
        reveal(client, case_id)
    client.login("admin")
    with count_statements(app) as many:
        page = client.get("/staff/ledger/contact-views", htmx=True).get_data(as_text=True)
    assert page.count("<time datetime=") == 12
    assert len(many) == len(few)
    log_queries = [s for s in many if "contact_view" in s]
    assert len(log_queries) == 1


def test_case_page_offers_show_contact_only_to_the_handling_unit(app, city, make_case):
    from tests.helpers import as_user, dispatched

    case_id, _, _ = make_case(citizen_phone="13911112222")
    dispatcher = dispatched(app, city, case_id)
    assert "/contact" not in dispatcher.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    handler_page = as_user(app, "handler").get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert f"/staff/cases/{case_id}/contact" in handler_page and "13911112222" not in handler_page
