"""A form that creates something creates it once, however often the same submission is posted: the second post
answers with the first one's result (double click, a retry after a timeout, two app instances)."""
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, CaseEvent, Participant, QualityReview, Suggestion, SupervisionOrder
from tests.helpers import PortalClient, add_person, as_user, case_form, make_image, make_salon


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def token_of(page: str) -> str:
    match = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'id="form_token" name="form_token" type="hidden" value="([^"]+)"', page)
    assert match, "the form carries no one-time token"
    return match.group(1)


def receipt_numbers(page: str) -> tuple[str, str | None]:
    number = re.search(r'data-testid="tracking-no">([^<]+)<', page).group(1)
    code = re.search(r'data-testid="query-code">([^<]+)<', page)
    return number, code.group(1) if code else None


# ---- citizen submission ----------------------------------------------------------------------------------------

def test_citizen_form_posted_twice_before_the_receipt_shows_the_code_once(app, city):
    """A double click: the second post arrives before the browser asked for the receipt. One case, and the
    receipt shows the query code once; reloading it (or posting the same form again) shows the number only."""
    citizen = PortalClient(app.test_client())
    data = {**case_form(city), "form_token": token_of(citizen.get("/submit").get_data(as_text=True))}
    assert citizen.post("/submit", data).status_code == 303
    second = citizen.post("/submit", data, htmx=True)
    assert second.status_code == 204 and second.headers["HX-Redirect"].endswith("/submit/receipt")
    number, code = receipt_numbers(citizen.get("/submit/receipt").get_data(as_text=True))
    assert code and len(code) == 6
    assert "data-testid=\"query-code\"" not in citizen.get("/submit/receipt").get_data(as_text=True)
    assert citizen.post("/submit", data).status_code == 303
    assert receipt_numbers(citizen.get("/submit/receipt").get_data(as_text=True)) == (number, None)
    assert count(app, Case) == 1


def test_citizen_form_posted_again_after_the_receipt_was_shown_gives_the_number_without_the_code(app, city):
    """The browser re-sends the submission after the receipt was viewed (reload, back and resend): the same
    receipt page with the tracking number, the code not again, nothing created."""
    citizen = PortalClient(app.test_client())
    data = {**case_form(city), "form_token": token_of(citizen.get("/submit").get_data(as_text=True))}
    assert citizen.post("/submit", data).status_code == 303
    number, code = receipt_numbers(citizen.get("/submit/receipt").get_data(as_text=True))
    assert code
    for htmx in (True, False):
        again = citizen.post("/submit", data, htmx=htmx)
        assert again.status_code in (204, 303)
        page = citizen.get("/submit/receipt").get_data(as_text=True)
        assert receipt_numbers(page) == (number, None) and code not in page
    assert count(app, Case) == 1


def test_a_receipt_replayed_from_an_old_session_does_not_show_the_code_again(app, city):
    """The session that carried the receipt, sent again (a copied or restored cookie): the code was shown."""
    citizen = PortalClient(app.test_client())
    data = {**case_form(city), "form_token": token_of(citizen.get("/submit").get_data(as_text=True))}
    assert citizen.post("/submit", data).status_code == 303
    with citizen.client.session_transaction() as saved:
        receipt = dict(saved["receipt"])
    assert receipt_numbers(citizen.get("/submit/receipt").get_data(as_text=True))[1] == receipt["code"]
    with citizen.client.session_transaction() as replayed:
        replayed["receipt"] = receipt
    page = citizen.get("/submit/receipt").get_data(as_text=True)
    assert receipt_numbers(page) == (receipt["tracking_no"], None) and receipt["code"] not in page


def test_the_same_form_posted_from_a_browser_that_lost_its_cookie_gets_the_same_receipt(app, city):
    """Two posts at the same moment carry the same (old) session: the token alone brings the receipt back, with
    the code while no receipt showed it yet."""
    first_tab = PortalClient(app.test_client())
    data = {**case_form(city, citizen_email="zhang@example.com"),
            "form_token": token_of(first_tab.get("/submit").get_data(as_text=True))}
    assert first_tab.post("/submit", data).status_code == 303
    second_tab = PortalClient(app.test_client())
    assert second_tab.post("/submit", data, csrf_from="/submit").status_code == 303
    number, code = receipt_numbers(second_tab.get("/submit/receipt").get_data(as_text=True))
    assert code
    assert receipt_numbers(first_tab.get("/submit/receipt").get_data(as_text=True)) == (number, None)
    assert count(app, Case) == 1


def test_citizen_form_with_photos_posted_twice_without_a_token_creates_one_case(app, city):
    import io

    citizen = PortalClient(app.test_client())

    def post():
        data = {**case_form(city), "photos": (io.BytesIO(make_image()), "hole.jpg")}
        return citizen.post("/submit", data, content_type="multipart/form-data")
    assert post().status_code == 303
    number, code = receipt_numbers(citizen.get("/submit/receipt").get_data(as_text=True))
    assert post().status_code == 303
    again = citizen.get("/submit/receipt").get_data(as_text=True)
    assert receipt_numbers(again)[0] == number
    assert count(app, Case) == 1


def test_a_new_form_creates_a_new_case(app, city):
    citizen = PortalClient(app.test_client())
    for title in ("人民路路面破损", "人民路路面又破损"):
        token = token_of(citizen.get("/submit").get_data(as_text=True))
        assert citizen.post("/submit", {**case_form(city, title=title), "form_token": token}).status_code == 303
    assert count(app, Case) == 2


def test_a_form_re_rendered_with_errors_keeps_its_token(app, city):
    citizen = PortalClient(app.test_client())
    token = token_of(citizen.get("/submit").get_data(as_text=True))
    page = citizen.post("/submit", {**case_form(city, title=""), "form_token": token}).get_data(as_text=True)
    assert token_of(page) == token


# ---- operator intake -------------------------------------------------------------------------------------------

def test_operator_intake_posted_twice_records_one_call(app, city):
    operator = as_user(app, "operator")
    token = token_of(operator.get("/staff/intake").get_data(as_text=True))
    data = {**case_form(city), "channel": "hotline", "form_token": token}
    first = operator.post("/staff/intake", data)
    operator.get(first.headers["Location"])  # the first answer's message, read (or lost to a double click)
    second = operator.post("/staff/intake", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Case) == 1
    page = operator.get(second.headers["Location"]).get_data(as_text=True)
    code = re.search(r"(?:query code|查询码)[:：]\s*(\d{6})", page)
    assert code, "the second answer tells the operator the caller's query code too"
    with app.app_context():
        from portal.domain import intake

        assert intake.check_query_code(db.session.scalar(select(Case)), code.group(1))


# ---- Open311 ---------------------------------------------------------------------------------------------------

def test_open311_same_key_and_body_within_the_window_answers_the_same_request(app, city):
    from tests.helpers import filing, make_key

    key = make_key(app)
    client = app.test_client()
    first = client.post("/open311/v2/requests.json", data=filing(key))
    second = client.post("/open311/v2/requests.json", data=filing(key))
    assert first.status_code == 201 and second.status_code == 201
    assert first.get_json()[0]["service_request_id"] == second.get_json()[0]["service_request_id"]
    assert count(app, Case) == 1
    other = client.post("/open311/v2/requests.json", data=filing(key, description="另一件事：路灯不亮已经一周了。"))
    assert other.get_json()[0]["service_request_id"] != first.get_json()[0]["service_request_id"]
    another_key = make_key(app, name="市长信箱", channel="mayor_mailbox")
    third = client.post("/open311/v2/requests.json", data=filing(another_key))
    assert third.get_json()[0]["service_request_id"] != first.get_json()[0]["service_request_id"]
    assert count(app, Case) == 3


# ---- salons ----------------------------------------------------------------------------------------------------

def test_salon_registration_posted_twice_registers_once(app, city):
    salon_id = make_salon(app, city, "registration_open")
    netizen = PortalClient(app.test_client())
    path = f"/salons/{salon_id}/register"
    data = {"name": "王小明", "kind": "netizen_rep", "platform": "阜阳论坛", "handle": "xiaoming", "phone": "13800002222"}
    assert netizen.post(path, data, csrf_from=path).status_code == 303
    second = netizen.post(path, data, csrf_from=path)
    assert second.status_code == 303 and second.headers["Location"].endswith(f"/salons/{salon_id}/registered")
    assert count(app, Participant) == 1


def test_organizer_adding_a_participant_twice_adds_once(app, city):
    salon_id = make_salon(app, city, "registration_open")
    organizer = as_user(app, "organizer")
    path = f"/staff/salons/{salon_id}/participants"
    data = {"name": "李意见", "kind": "opinion_leader", "platform": "微博", "handle": "liyijian",
            "phone": "13800003333", "email": "li@example.com"}
    assert organizer.post(path, data, csrf_from=path).status_code == 303
    assert organizer.post(path, data, csrf_from=path).status_code == 303
    assert count(app, Participant) == 1


def test_a_suggestion_posted_twice_is_recorded_once(app, city):
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id)
    organizer = as_user(app, "organizer")
    capture = f"/staff/salons/{salon_id}/capture"
    data = {"participant_id": participant_id, "text": "建议老旧小区加装电梯简化审批手续。"}
    first = organizer.post(f"/staff/salons/{salon_id}/suggestions", data, csrf_from=capture, htmx=True)
    second = organizer.post(f"/staff/salons/{salon_id}/suggestions", data, csrf_from=capture, htmx=True)
    assert first.status_code == 200 and second.status_code == 204
    assert count(app, Suggestion) == 1


def test_a_salon_rating_posted_twice_counts_once(app, city, triaged_salon):
    from tests.helpers import answer_case

    answer_case(app, triaged_salon["case"])
    with app.app_context():
        code = db.session.get(Suggestion, triaged_salon["suggestions"][0]).rating_code
    raiser = PortalClient(app.test_client())
    link = f"/salons/rate/{code}"
    data = {"satisfaction": "satisfied", "comment": "换得很快，谢谢。"}
    assert raiser.post(link, data, csrf_from=link).status_code == 303
    assert raiser.post(link, data, csrf_from=link).status_code == 303
    assert count(app, CaseEvent, CaseEvent.action == "evaluate") == 1


# ---- ratings, supervision, reviews -----------------------------------------------------------------------------

def test_a_case_rating_posted_twice_creates_one_event(app, city, make_case):
    from tests.helpers import released_case

    case_id, number, code = released_case(app, city, make_case)
    citizen = PortalClient(app.test_client())
    assert citizen.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track").status_code == 303
    data = {"resolution": "resolved", "satisfaction": "satisfied", "comment": ""}
    first = citizen.post(f"/track/{number}/evaluate", data, csrf_from=f"/track/{number}")
    second = citizen.post(f"/track/{number}/evaluate", data, csrf_from=f"/track/{number}")
    assert first.status_code == second.status_code == 303
    assert count(app, CaseEvent, CaseEvent.action == "evaluate") == 1


def test_a_supervision_order_posted_twice_is_issued_once(app, city, make_case):
    supervisor = as_user(app, "supervisor")
    data = {"order-unit_id": city["units"]["cgj"], "order-requirement": "请于三日内报送背街小巷路灯整改情况。",
            "order-days": "3", "order-level": "yellow"}
    page = supervisor.get("/staff/supervision/orders").get_data(as_text=True)
    names = set(re.findall(r'name="(order-[a-z_]+)"', page))
    data = {k: v for k, v in data.items() if k in names} | {n: "" for n in names - set(data) if n != "order-csrf_token"}
    level = re.search(r'name="order-level"[^>]*>\s*<option[^>]*value="([^"]+)"', page)
    if "order-level" in names and level:
        data["order-level"] = level.group(1)
    first = supervisor.post("/staff/supervision/orders", data, csrf_from="/staff/supervision/orders")
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    second = supervisor.post("/staff/supervision/orders", data, csrf_from="/staff/supervision/orders")
    assert second.status_code == 303
    assert count(app, SupervisionOrder) == 1


def test_a_monitor_review_posted_twice_is_recorded_once(app, city, make_case):
    from tests.helpers import advance, appoint, post_review

    appoint(app, city)
    case_id, _, _ = make_case()
    advance(app, city, case_id, "awaiting_evaluation")
    monitor = as_user(app, "monitor")
    assert post_review(monitor, case_id).status_code == 303
    second = post_review(monitor, case_id)
    assert second.status_code == 303 and second.headers["Location"].endswith("#review")
    assert count(app, QualityReview) == 1


def test_sweep_forgets_old_submission_claims(app, city):
    from datetime import timedelta

    from portal.domain import idempotency, sweep
    from portal.models import FormSubmission
    from portal.models.base import utcnow

    with app.test_request_context():
        idempotency.claim("submit", "anonymous", token="old")
        idempotency.claim("submit", "anonymous", token="new")
        db.session.get(FormSubmission, idempotency.key_for("submit", "anonymous", "old")[0]).created_at = \
            utcnow() - idempotency.TOKEN_WINDOW - timedelta(minutes=1)
        db.session.commit()
        sweep.sweep()
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1


def test_an_api_key_form_posted_twice_makes_one_key_and_shows_its_secret_once(app, city):
    from portal.models import ApiKey

    admin = as_user(app, "admin")
    data = {"name": "12345 热线系统", "channel": "hotline",
            "form_token": token_of(admin.get("/admin/api-keys").get_data(as_text=True))}
    first = admin.post("/admin/api-keys", data).get_data(as_text=True)
    secret = re.search(r'id="new-api-key" type="text" readonly value="([^"]+)"', first).group(1)
    again = admin.post("/admin/api-keys", data, htmx=True)
    assert again.status_code == 200
    body = again.get_data(as_text=True)
    assert secret not in body and 'id="new-api-key"' not in body and "12345 热线系统" in body
    assert count(app, ApiKey) == 1
    fresh = {**data, "form_token": token_of(body)}  # a new form makes a new key
    assert fresh["form_token"] != data["form_token"]
    assert 'id="new-api-key"' in admin.post("/admin/api-keys", fresh).get_data(as_text=True)
    assert count(app, ApiKey) == 2


def test_a_salon_form_posted_twice_creates_one_salon(app, city):
    from portal.models import Salon
    from tests.helpers import STARTS

    organizer = as_user(app, "organizer")
    data = {"title": "网络名人看阜阳", "theme": "城市更新", "starts_at": STARTS.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": STARTS.replace(hour=(STARTS.hour + 2) % 24).strftime("%Y-%m-%dT%H:%M"), "venue": "市民中心",
            "venue_kind": "city", "capacity": "40", "unit_ids": [city["units"]["cgj"]],
            "agenda-0-title": "议程一", "agenda-0-minutes": "30"}
    first = organizer.post("/staff/salons/new", data, csrf_from="/staff/salons/new")
    second = organizer.post("/staff/salons/new", data, csrf_from="/staff/salons/new", htmx=True)
    assert first.status_code == 303 and second.status_code == 204
    assert second.headers["HX-Redirect"] == first.headers["Location"]
    assert count(app, Salon) == 1
