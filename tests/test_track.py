"""A citizen follows their case with tracking number + query code."""
from portal.domain import workflow
from portal.extensions import db
from portal.models import Case, User


def track(client, number, code, **kwargs):
    return client.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track", **kwargs)


def test_number_and_code_open_the_case_with_its_timeline(client, make_case):
    _, number, code = make_case(title="井盖缺失很危险")
    response = track(client, number.lower(), code)  # the number is not case-sensitive
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert number in page and "井盖缺失很危险" in page
    assert 'class="timeline"' in page


def test_wrong_code_and_unknown_number_get_the_same_answer(client, make_case):
    _, number, code = make_case()
    wrong = "000000" if code != "000000" else "111111"
    a = track(client, number, wrong)
    b = track(client, "FY20990101999999", wrong)
    assert a.status_code == b.status_code == 422
    message = "No case matches"
    client.get("/lang/en")
    a = track(client, number, wrong).get_data(as_text=True)
    b = track(client, "FY20990101999999", wrong).get_data(as_text=True)
    assert message in a and message in b
    assert a.replace(number, "X") .count(message) == b.count(message)


def test_case_page_needs_the_code_first(client, make_case):
    _, number, _code = make_case()
    assert client.get(f"/track/{number}").status_code == 404


def test_guessing_is_rate_limited(client, make_case, app):
    _, number, code = make_case()
    statuses = [track(client, number, "999999" if code != "999999" else "888888").status_code for _ in range(10)]
    assert set(statuses) == {422}
    blocked = track(client, number, code)
    assert blocked.status_code == 429
    assert "尝试" in blocked.get_data(as_text=True) or "attempts" in blocked.get_data(as_text=True)


def test_timeline_shows_public_steps_and_unit_but_not_internal_ones(client, make_case, app, city):
    case_id, number, code = make_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        handler = db.session.get(User, city["users"]["handler"])
        from portal.models import Unit
        unit = db.session.get(Unit, city["units"]["cgj"])
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, unit, "general")
        workflow.sign_for(case, handler)
        workflow.draft_reply(case, handler, "resolved", "内部草稿：已派人修复")
        workflow.approve_reply(case, db.session.get(User, city["users"]["unit_lead"]))
        db.session.commit()
    response = track(client, number, code)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "市城市管理局" in page  # the unit handling it
    assert "内部草稿" not in page  # the draft reply is internal until released
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_at is not None
        from portal.web.templating import local_time
        with app.test_request_context():
            due = local_time(case.due_at)
    assert due in page  # the deadline


def test_merged_case_shows_the_earlier_case(client, make_case, app, city):
    first_id, first_number, _ = make_case(title="第一件")
    second_id, second_number, second_code = make_case(title="第二件")
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        workflow.merge(db.session.get(Case, second_id), db.session.get(Case, first_id), dispatcher)
        db.session.commit()
    response = track(client, second_number, second_code)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert first_number in page


def test_htmx_errors_replace_the_main_area_with_a_message(client, make_case):
    _, number, code = make_case()
    for _ in range(10):
        track(client, number, "999999" if code != "999999" else "888888")
    blocked = track(client, number, code, htmx=True)
    assert blocked.status_code == 429
    assert blocked.headers["HX-Retarget"] == "#main"
    html = blocked.get_data(as_text=True)
    assert "<html" not in html and 'role="alert"' in html
