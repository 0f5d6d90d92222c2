"""Staff sign in, record calls from other channels, and see only the cases in their scope."""
from sqlalchemy import select

from portal.domain import workflow
from portal.extensions import db
from portal.models import Case, Unit, User
from tests.helpers import case_form


def test_login_rejects_wrong_password_and_accepts_right_one(client, city):
    response = client.post("/login", {"username": "operator", "password": "nope"}, csrf_from="/login")
    assert response.status_code == 422
    assert client.get("/staff/").status_code == 302  # still signed out
    client.login("operator")
    assert client.get("/staff/").status_code == 200


def test_inactive_account_cannot_sign_in(client, city, app):
    with app.app_context():
        db.session.get(User, city["users"]["operator"]).active = False
        db.session.commit()
    response = client.post("/login", {"username": "operator", "password": "demo12345"}, csrf_from="/login")
    assert response.status_code == 422


def test_passwords_are_salted_hashes(app, city):
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        hashes = {u.password_hash for u in users}
        assert len(hashes) == len(users)  # same password, different salts
        assert all("demo12345" not in h for h in hashes)


def test_operator_records_a_hotline_call(client, city, app):
    client.login("operator")
    data = case_form(city, channel="hotline", citizen_name="来电人刘洋", publish_consent=None)
    response = client.post("/staff/intake", data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "来**" in page and "来电人刘洋" not in page  # contact details only behind "show contact"
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.channel == "hotline" and case.state == "submitted"
        assert case.created_by_id == city["users"]["operator"]
        assert case.events[0].actor_id == city["users"]["operator"]


def test_operator_answers_a_simple_consultation_on_the_spot(client, city, app):
    client.login("operator")
    data = case_form(city, channel="mayor_mailbox", answer_now="y", answer_text="户籍迁移可在政务服务中心办理。")
    assert client.post("/staff/intake", data).status_code == 303
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.channel == "mayor_mailbox" and case.state == "awaiting_evaluation"
        assert case.reply_text == "户籍迁移可在政务服务中心办理。" and case.replied_at is not None
        assert [e.action for e in case.events] == ["submit", "answer_directly"]


def test_answer_now_needs_an_answer(client, city, app):
    client.login("operator")
    response = client.post("/staff/intake", case_form(city, channel="hotline", answer_now="y", answer_text=""))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Case)) is None


def test_intake_refused_to_roles_that_do_not_take_calls(client, city):
    client.login("monitor")
    assert client.get("/staff/intake").status_code == 403


def test_unit_sees_only_its_cases(client, city, make_case, app):
    mine, _, _ = make_case(title="城管的件")
    theirs, _, _ = make_case(title="别的单位的件")
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        for case_id, unit_code in ((mine, "cgj"), (theirs, "jtj")):
            case = db.session.get(Case, case_id)
            workflow.accept(case, dispatcher)
            workflow.assign(case, dispatcher, db.session.get(Unit, city["units"][unit_code]), "general")
        db.session.commit()
    client.login("handler")  # 市城市管理局
    page = client.get("/staff/cases").get_data(as_text=True)
    assert "城管的件" in page and "别的单位的件" not in page
    assert client.get(f"/staff/cases/{mine}").status_code == 200
    assert client.get(f"/staff/cases/{theirs}").status_code == 403


def test_county_dispatcher_sees_only_cases_on_their_platform(client, city, make_case, app):
    make_case(title="颍州区的件", county_id=city["county"], town_id=city["town"])
    with app.app_context():
        from portal.models import Region
        other = db.session.scalar(select(Region).where(Region.code == "yingdong"))
        other_id = other.id
    make_case(title="颍东区的件", county_id=other_id, town_id=None)
    client.login("dispatcher_yz")
    page = client.get("/staff/cases").get_data(as_text=True)
    assert "颍州区的件" in page and "颍东区的件" not in page
    client.client.post("/logout", data={"csrf_token": client.csrf("/staff/")})
    client.login("dispatcher")  # the city main platform consolidates all
    page = client.get("/staff/cases").get_data(as_text=True)
    assert "颍州区的件" in page and "颍东区的件" in page


def test_staff_case_page_masks_the_phone(client, city, make_case):
    case_id, _, _ = make_case(citizen_phone="13912345678")
    client.login("dispatcher")
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "13912345678" not in page and "139****5678" in page


def test_case_list_filters_by_state_and_answers_htmx_with_the_table_only(client, city, make_case):
    make_case(title="待处理一")
    client.login("dispatcher")
    html = client.get("/staff/cases?state=submitted", htmx=True).get_data(as_text=True)
    assert "待处理一" in html and "<html" not in html
    html = client.get("/staff/cases?state=closed").get_data(as_text=True)
    assert "待处理一" not in html and "<html" in html


def test_logout_is_a_post(client, city):
    client.login("operator")
    assert client.get("/logout").status_code == 405
    response = client.client.post("/logout", data={"csrf_token": client.csrf("/staff/")})
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 302


def test_a_nul_character_in_the_user_name_is_refused_not_a_500(client, city):
    """PostgreSQL text cannot hold NUL: the form drops it, so the sign-in is refused like any unknown name."""
    response = client.post("/login", {"username": "\x00", "password": "x"}, csrf_from="/login")
    assert response.status_code == 422
