"""Every form, with every optional field filled (an e-mail address wherever there is one), posted as a plain
form and through htmx: it is accepted, never a 500. The htmx inline check answers every field of the request forms
(the citizen's and the operator's) with a fragment, never a whole page."""
import io

import pytest

from portal.extensions import db
from portal.models import Case, Participant, Salon, Suggestion, SupervisionOrder
from tests.helpers import STARTS, PortalClient, add_person, as_user, case_form, count, make_image, make_salon

EMAIL = "zhang.san@example.com"


def full_case_form(city, **more):
    return {**case_form(city, citizen_email=EMAIL, hide_name="y", confidential="y", publish_consent="y"),
            "photos": (io.BytesIO(make_image()), "hole.jpg"), **more}


@pytest.mark.parametrize("htmx", [False, True])
def test_citizen_form_with_every_field(app, city, htmx):
    citizen = PortalClient(app.test_client())
    r = citizen.post("/submit", full_case_form(city), htmx=htmx, content_type="multipart/form-data")
    assert r.status_code == (204 if htmx else 303), r.get_data(as_text=True)[:500]
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.citizen_email == EMAIL and case.hide_name and case.confidential and len(case.photos) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_operator_form_with_every_field(app, city, htmx):
    operator = as_user(app, "operator")
    data = full_case_form(city, channel="mayor_mailbox", answer_now="y", answer_text="已当场答复：下周一修复。")
    r = operator.post("/staff/intake", data, htmx=htmx, content_type="multipart/form-data")
    assert r.status_code == (204 if htmx else 303), r.get_data(as_text=True)[:500]
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.citizen_email == EMAIL and case.channel == "mayor_mailbox" and case.state == "awaiting_evaluation"


CASE_FIELDS = ["category_l1", "category_l2", "category_id", "county_id", "town_id", "address", "title",
               "description", "citizen_name", "citizen_phone", "citizen_email", "hide_name", "confidential",
               "publish_consent", "channel", "answer_now", "answer_text"]


@pytest.mark.parametrize("field", CASE_FIELDS)
def test_inline_check_of_every_field_answers_a_fragment(app, city, field):
    client = PortalClient(app.test_client())
    r = client.post("/submit/validate", case_form(city, citizen_email=EMAIL), csrf_from="/submit", htmx=True,
                    headers={"HX-Trigger-Name": field})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    if field == "citizen_email":
        assert 'id="citizen_email-error"' in body and "example.com" not in body and "@" not in body.split(">", 1)[1]


def test_inline_check_explains_a_wrong_email_address(app, city):
    r = PortalClient(app.test_client()).post("/submit/validate", case_form(city, citizen_email="zhang@"),
                                             csrf_from="/submit", htmx=True, headers={"HX-Trigger-Name": "citizen_email"})
    assert r.status_code == 200 and "aria-live" in r.get_data(as_text=True)
    assert "name@example.com" in r.get_data(as_text=True)


@pytest.mark.parametrize("htmx", [False, True])
def test_salon_registration_with_every_field(app, city, htmx):
    salon_id = make_salon(app, city, "registration_open")
    netizen = PortalClient(app.test_client())
    path = f"/salons/{salon_id}/register"
    r = netizen.post(path, {"name": "王小明", "kind": "opinion_leader", "platform": "抖音", "handle": "@xiaoming",
                            "phone": "13800002222"}, csrf_from=path, htmx=htmx)
    assert r.status_code in (204, 303), r.get_data(as_text=True)[:500]
    assert count(app, Participant) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_participant_form_with_every_field(app, city, htmx):
    salon_id = make_salon(app, city, "registration_open")
    organizer = as_user(app, "organizer")
    path = f"/staff/salons/{salon_id}/participants"
    r = organizer.post(path, {"name": "李意见", "kind": "opinion_leader", "platform": "微博", "handle": "liyijian",
                              "phone": "13800003333", "email": EMAIL}, csrf_from=path, htmx=htmx)
    assert r.status_code in (204, 303), r.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.query(Participant).one().person.email == EMAIL


@pytest.mark.parametrize("htmx", [False, True])
def test_salon_form_with_every_field(app, city, htmx):
    organizer = as_user(app, "organizer")
    start = STARTS.strftime("%Y-%m-%dT%H:%M")
    end = STARTS.replace(hour=(STARTS.hour + 2) % 24).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "网络名人看阜阳", "theme": "城市更新", "starts_at": start, "ends_at": end, "venue": "市民中心",
            "venue_kind": "city", "capacity": "40", "unit_ids": [city["units"]["cgj"], city["units"]["zjj"]],
            "invited_officials": "市住建局分管负责同志\n市城管局负责同志"}
    for i in range(6):
        data[f"agenda-{i}-title"] = f"议程{i + 1}"
        data[f"agenda-{i}-minutes"] = "20"
    r = organizer.post("/staff/salons/new", data, csrf_from="/staff/salons/new", htmx=htmx)
    assert r.status_code in (204, 303), r.get_data(as_text=True)[:800]
    assert count(app, Salon) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_suggestion_form_with_every_field(app, city, htmx):
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id)
    with app.app_context():
        agenda_item = db.session.get(Salon, salon_id).agenda[0].id
    organizer = as_user(app, "organizer")
    r = organizer.post(f"/staff/salons/{salon_id}/suggestions",
                       {"participant_id": participant_id, "agenda_item_id": agenda_item, "category_id": city["leaf"],
                        "text": "建议老旧小区加装电梯简化审批手续。"},
                       csrf_from=f"/staff/salons/{salon_id}/capture", htmx=htmx)
    assert r.status_code in (200, 303), r.get_data(as_text=True)[:500]
    assert count(app, Suggestion) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_supervision_order_with_every_field(app, city, htmx):
    supervisor = as_user(app, "supervisor")
    r = supervisor.post("/staff/supervision/orders",
                        {"order-unit_id": city["units"]["cgj"], "order-level": "urgent" if False else "normal",
                         "order-days": "3", "order-requirement": "请于三日内报送背街小巷路灯整改情况。"},
                        csrf_from="/staff/supervision/orders", htmx=htmx)
    assert r.status_code in (204, 303), r.get_data(as_text=True)[:500]
    assert count(app, SupervisionOrder) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_case_rating_with_every_field(app, city, make_case, htmx):
    from tests.helpers import released_case

    case_id, number, code = released_case(app, city, make_case)
    citizen = PortalClient(app.test_client())
    citizen.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track")
    r = citizen.post(f"/track/{number}/evaluate", {"resolution": "partly", "satisfaction": "basically_satisfied",
                                                   "comment": "基本满意，希望以后更快。联系我 zhang@example.com"},
                     csrf_from=f"/track/{number}", htmx=htmx)
    assert r.status_code in (204, 303)
    with app.app_context():
        assert db.session.get(Case, case_id).state == "closed"


def _failing(monkeypatch, target, name):
    def boom(*args, **kwargs):
        raise RuntimeError("a dependency failed")
    monkeypatch.setattr(target, name, boom)


def test_an_inline_check_that_fails_answers_beside_the_field_and_keeps_the_form(app, city, monkeypatch):
    """A server error in a background htmx request (the field's inline check, similar cases) never replaces the
    page: the message goes into the field's error line, or nowhere."""
    from portal.blueprints.public import forms

    client = PortalClient(app.test_client())
    csrf = client.csrf("/submit")
    _failing(monkeypatch, forms.CaseForm, "validate")
    r = client.client.post("/submit/validate", data={**case_form(city, citizen_email=EMAIL), "csrf_token": csrf},
                           headers={"HX-Request": "true", "HX-Trigger-Name": "citizen_email",
                                    "HX-Target": "citizen_email-error"})
    body = r.get_data(as_text=True)
    assert r.status_code == 500 and "HX-Retarget" not in r.headers and r.headers["HX-Reswap"] == "innerHTML"
    assert "<html" not in body and "<h1" not in body and 'role="alert"' in body
    from portal.domain import duplicates

    _failing(monkeypatch, duplicates, "similar_open_cases")
    r = client.client.post("/submit/similar", data={**case_form(city), "csrf_token": csrf},
                           headers={"HX-Request": "true", "HX-Target": "similar-cases"})
    assert r.status_code == 500 and r.headers["HX-Reswap"] == "none" and "HX-Retarget" not in r.headers


def test_a_form_submission_that_fails_shows_the_error_in_the_main_area(app, city, monkeypatch):
    from portal.domain import intake

    _failing(monkeypatch, intake, "receive")
    r = PortalClient(app.test_client()).post("/submit", case_form(city), htmx=True)
    assert r.status_code == 500 and r.headers["HX-Retarget"] == "#main"
