"""Administration: users (create, edit, deactivate, reset password, forced change, last admin), the organisation
(create, rename, move, retire), the outbox and the audit log."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Category, OutboxMessage, Region, Unit, User


def _new_handler(client, city, username="newhandler"):
    return client.post("/admin/users/new", {
        "username": username, "display_name": "新承办人", "role": "handler", "unit_id": city["units"]["cgj"],
        "platform_id": "", "email": "", "monitor_kind": ""}, csrf_from="/admin/users/new")


def _temporary_password(response_page: str) -> str:
    import re

    return re.search(r"[:：]\s*([a-z2-9]{10})\s", response_page).group(1)


def test_admin_creates_a_handler_who_must_change_the_password_first(app, client, city):
    client.login("admin")
    response = _new_handler(client, city)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    password = _temporary_password(page)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newhandler"))
        assert user.must_change_password and user.unit_id == city["units"]["cgj"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "user",
                                                           AuditEntry.object_id == user.id))
        assert entry.action == "create" and entry.after["role"] == "handler"
        assert entry.actor_id == city["users"]["admin"]

    other = type(client)(app.test_client())
    other.login("newhandler", password)
    # every page sends them to the password change until it is done
    for path in ("/staff/unit", "/staff/ledger", "/staff/cases"):
        response = other.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    response = other.post("/account/password", {"current": password, "new": "short", "confirm": "short"})
    assert response.status_code == 422
    response = other.post("/account/password", {"current": password, "new": "a-new-secret-1",
                                                 "confirm": "a-new-secret-1"})
    assert response.status_code == 303
    assert other.get("/staff/unit").status_code == 200


def test_duplicate_user_name_is_refused_with_a_message(client, city):
    client.login("admin")
    response = _new_handler(client, city, username="handler")
    assert response.status_code == 422
    assert "handler" in response.get_data(as_text=True)


def test_reset_password_forces_a_change_and_deactivate_ends_sign_in(app, client, city):
    client.login("admin")
    handler_id = city["users"]["handler"]
    response = client.post(f"/admin/users/{handler_id}/password", csrf_from=f"/admin/users/{handler_id}")
    password = _temporary_password(client.get(response.headers["Location"]).get_data(as_text=True))
    other = type(client)(app.test_client())
    other.login("handler", password)
    assert other.get("/staff/unit").status_code == 302
    response = client.post(f"/admin/users/{handler_id}/active", {"active": "0"}, csrf_from=f"/admin/users/{handler_id}")
    assert response.status_code == 303
    # the open session ends at its next request, and signing in is refused
    assert other.get("/staff/account/password" if False else "/account/password").status_code == 302
    third = type(client)(app.test_client())
    response = third.post("/login", {"username": "handler", "password": password}, csrf_from="/login")
    assert response.status_code == 422
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == handler_id,
                                                                         AuditEntry.object_type == "user")
                                          .order_by(AuditEntry.id)))
        assert actions == ["reset_password", "deactivate"]


def test_the_last_admin_cannot_be_deactivated_or_demoted(app, client, city):
    client.login("admin")
    admin_id = city["users"]["admin"]
    response = client.post(f"/admin/users/{admin_id}/active", {"active": "0"}, csrf_from=f"/admin/users/{admin_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "admin" in page
    response = client.post(f"/admin/users/{admin_id}", {
        "display_name": "管理员", "role": "supervisor", "unit_id": "", "platform_id": "", "email": "",
        "monitor_kind": ""})
    assert response.status_code == 422
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert admin.active and admin.role == "admin"


def test_admin_appoints_a_monitor_with_kind_and_term(app, client, city):
    client.login("admin")
    response = client.post("/admin/users/new", {
        "username": "newmonitor", "display_name": "人大代表", "role": "monitor", "unit_id": "",
        "platform_id": "", "email": "", "monitor_kind": "deputy", "monitor_organisation": "市人大",
        "term_start": "2026-01-01", "term_end": "2027-12-31"}, csrf_from="/admin/users/new")
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newmonitor"))
        assert user.monitor_profile.kind == "deputy" and str(user.monitor_profile.term_end) == "2027-12-31"
    response = client.post("/admin/users/new", {
        "username": "badmonitor", "display_name": "x", "role": "monitor", "unit_id": "", "platform_id": "",
        "email": "", "monitor_kind": ""}, csrf_from="/admin/users/new")
    assert response.status_code == 422


def test_only_admins_open_the_admin_pages(client, city):
    client.login("supervisor")
    for path in ("/admin/users", "/admin/users/new", "/admin/organisation/units", "/admin/outbox"):
        assert client.get(path).status_code == 403
    assert client.get("/admin/audit").status_code == 200


def test_admin_creates_renames_moves_and_retires_a_unit(app, client, city):
    client.login("admin")
    with app.app_context():
        platform = db.session.get(Unit, city["units"]["cgj"]).platform_id
    data = {"code": "newdept", "name_zh": "市新设局", "name_en": "New bureau", "kind": "city_department",
            "ranking_group": "city_department", "parent_id": "", "platform_id": platform, "region_id": ""}
    response = client.post("/admin/organisation/units/new", data)
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "newdept"))
        unit_id = unit.id
    assert "市新设局" in client.get("/admin/organisation/units").get_data(as_text=True)
    data.update(name_zh="市更名局", parent_id=city["units"]["cgj"])
    assert client.post(f"/admin/organisation/units/{unit_id}", data).status_code == 303
    response = client.post(f"/admin/organisation/units/{unit_id}/retire", {"retire": "1"},
                           csrf_from="/admin/organisation/units")
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.name_zh == "市更名局" and unit.parent_id == city["units"]["cgj"] and unit.retired_at
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "unit",
                                                                  AuditEntry.object_id == unit_id)
                                          .order_by(AuditEntry.id)))
        assert [e.action for e in entries] == ["create", "update", "retire"]
        assert entries[1].before["name_zh"] == "市新设局" and entries[1].after["name_zh"] == "市更名局"
    # a duplicate code is refused with a message, nothing lost
    response = client.post("/admin/organisation/units/new", {**data, "code": "cgj"})
    assert response.status_code == 422 and "cgj" in response.get_data(as_text=True)


def test_a_category_cannot_move_under_itself_and_moving_relevels_the_subtree(app, client, city):
    client.login("admin")
    with app.app_context():
        leaf = db.session.get(Category, city["leaf"])
        middle, top = leaf.parent, leaf.parent.parent
        other_top = db.session.scalar(select(Category).where(Category.level == 1, Category.id != top.id))
        middle_id, other_top_id, leaf_id = middle.id, other_top.id, leaf.id
        data = {"code": middle.code, "name_zh": middle.name_zh, "name_en": middle.name_en, "sort": 0}
    response = client.post(f"/admin/organisation/categories/{middle_id}", {**data, "parent_id": leaf_id})
    assert response.status_code == 422
    response = client.post(f"/admin/organisation/categories/{middle_id}", {**data, "parent_id": ""})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Category, middle_id).level == 1 and db.session.get(Category, leaf_id).level == 2
    response = client.post(f"/admin/organisation/categories/{middle_id}", {**data, "parent_id": other_top_id})
    with app.app_context():
        assert db.session.get(Category, leaf_id).level == 3


def test_a_town_goes_under_a_county(app, client, city):
    client.login("admin")
    response = client.post("/admin/organisation/regions/new", {"code": "newtown", "name_zh": "新镇", "name_en": "",
                                                               "parent_id": city["county"], "sort": 0})
    assert response.status_code == 303
    response = client.post("/admin/organisation/regions/new", {"code": "badtown", "name_zh": "错镇", "name_en": "",
                                                               "parent_id": city["town"], "sort": 0})
    assert response.status_code == 303  # a town is not offered as a parent: it falls back to a county
    with app.app_context():
        assert db.session.scalar(select(Region).where(Region.code == "badtown")).parent_id is None


def test_outbox_lists_masked_recipients_and_resends_a_failure(app, client, city, make_case):
    case_id = make_case(citizen_phone="13912345678")[0]
    with app.app_context():
        message = OutboxMessage(case_id=case_id, channel="sms", recipient="13912345678", body="您的诉求已受理",
                                attempts=5, last_error="GatewayError: down")
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    client.login("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page and "GatewayError" in page
    response = client.post(f"/admin/outbox/{message_id}/resend", csrf_from="/admin/outbox")
    assert response.status_code == 303
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.attempts == 0 and message.last_error is None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "outbox_message")).action == "resend"


def test_audit_log_filters_by_actor_object_and_action(app, client, city):
    client.login("admin")
    _new_handler(client, city, "audited")
    client.post(f"/admin/organisation/units/{city['units']['cgj']}/retire", {"retire": "1"},
                csrf_from="/admin/organisation/units")
    page = client.get("/admin/audit?object=unit").get_data(as_text=True)
    assert "cgj" in page and "audited" not in page
    page = client.get("/admin/audit?action=create").get_data(as_text=True)
    assert "audited" in page
    assert client.get("/admin/audit?from=notadate").status_code == 422


def test_admin_lists_run_a_fixed_number_of_queries(app, client, city, make_case, count_queries):
    client.login("admin")

    def grow(n):
        for i in range(n):
            _new_handler(client, city, f"grow{n}x{i}")
            case_id = make_case()[0]
            with app.app_context():
                db.session.add(OutboxMessage(case_id=case_id, channel="sms", recipient="13912345678", body="x"))
                db.session.commit()

    grow(1)
    small = {path: count_queries(lambda p=path: client.get(p)) for path in
             ("/admin/users", "/admin/audit", "/admin/outbox", "/admin/organisation/units")}
    grow(4)
    large = {path: count_queries(lambda p=path: client.get(p)) for path in small}
    assert large == small
