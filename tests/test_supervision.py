"""Supervision orders (督办单) and the supervisors' dashboard, as supervisors and units use them."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.domain import calendar, supervision, workflow
from portal.extensions import db
from portal.models import Case, CaseEvent, QualityReview, SupervisionOrder, User
from portal.models.base import utcnow
from tests.helpers import as_user, assigned, issue_order, label, section

# ---------------------------------------------------------------------------------------------- helpers


def set_due(app, case_id, due_at):
    """Hand-built deadline: the handling deadline, and the sign-for deadline the light of a case not yet signed
    for follows (portal.domain.deadlines)."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.due_at = due_at
        if case.state == "assigned":
            case.sign_due_at = due_at
        db.session.commit()


def shown(app, moment) -> str:
    from portal.web.templating import local_time

    with app.test_request_context():
        return local_time(moment)


def db_answer(app, order_id):
    with app.app_context():
        return db.session.get(SupervisionOrder, order_id).answer


def tile(page: str, tile_id: str) -> int:
    return int(re.search(rf'id="{tile_id}">(\d+)<', page).group(1))


# ---------------------------------------------------------------------------------------------- orders on a case
def test_order_on_a_case_is_logged_listed_for_the_unit_and_answered(app, city, make_case):
    case_id, number = assigned(app, city, make_case, sign=True)
    supervisor = as_user(app, "supervisor")
    page = supervisor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'name="supervise-requirement"' in page
    r = supervisor.post(f"/staff/cases/{case_id}/supervise",
                        {"supervise-level": "listed", "supervise-days": "3",
                         "supervise-requirement": "请三日内现场核实并反馈整改情况。"}, csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 303
    with app.app_context():
        order = db.session.scalar(select(SupervisionOrder))
        assert order.case_id == case_id and order.unit_id == city["units"]["cgj"] and order.level == "listed"
        assert order.due_at == calendar.add_working_days(order.issued_at, 3).due_at
        due = order.due_at
    due_text = shown(app, due)

    # on the case page: the order with its due date, and the internal event log entry
    page = supervisor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    panel = section(page, "supervision-heading")
    assert "请三日内现场核实并反馈整改情况。" in panel and due_text in panel
    assert label(app, supervision.LEVEL_LABELS, "listed") in panel
    log = section(page, "log-heading")
    assert label(app, workflow.ACTION_LABELS, "supervise") in log and "请三日内现场核实并反馈整改情况。" in log

    # the unit sees it on its order list with the due date, and answers it
    handler = as_user(app, "handler")
    orders_page = handler.get("/staff/supervision/orders").get_data(as_text=True)
    assert number in orders_page and "请三日内现场核实并反馈整改情况。" in orders_page and due_text in orders_page
    assert label(app, supervision.STATUS_LABELS, "awaiting") in orders_page
    r = handler.post(f"/staff/supervision/orders/{order.id}/answer", {f"answer-{order.id}-answer": "短"},
                     csrf_from="/staff/supervision/orders")
    assert r.status_code == 422  # too short
    r = handler.post(f"/staff/supervision/orders/{order.id}/answer",
                     {f"answer-{order.id}-answer": "已于今日完成现场核实，路面修复完毕。"}, csrf_from="/staff/supervision/orders")
    assert r.status_code == 303

    # the supervisor sees the answer on the order list and on the case, which logged it
    orders_page = supervisor.get("/staff/supervision/orders?status=answered").get_data(as_text=True)
    assert "已于今日完成现场核实，路面修复完毕。" in orders_page
    assert label(app, supervision.STATUS_LABELS, "answered") in orders_page
    page = supervisor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "已于今日完成现场核实，路面修复完毕。" in section(page, "supervision-heading")
    assert label(app, workflow.ACTION_LABELS, "supervision_answer") in section(page, "log-heading")
    with app.app_context():
        events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                            CaseEvent.action.in_(("supervise", "supervision_answer")))
                                    .order_by(CaseEvent.id))
        assert [(e.action, e.public) for e in events] == [("supervise", False), ("supervision_answer", False)]
        assert db.session.get(Case, case_id).state == "handling"  # no change of state

    # a second answer is refused
    r = handler.post(f"/staff/supervision/orders/{order.id}/answer",
                     {f"answer-{order.id}-answer": "再次答复的内容。"}, csrf_from="/staff/supervision/orders")
    assert r.status_code == 409
    assert "已于今日完成现场核实，路面修复完毕。" == db_answer(app, order.id)


def test_unit_answers_from_the_case_page(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    order_id = issue_order(app, city, case_id)
    lead = as_user(app, "unit_lead")
    page = lead.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert f'name="answer-{order_id}-answer"' in page
    r = lead.post(f"/staff/supervision/orders/{order_id}/answer?from=case",
                  {f"answer-{order_id}-answer": ""}, csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 422 and f'name="answer-{order_id}-answer"' in r.get_data(as_text=True)
    r = lead.post(f"/staff/supervision/orders/{order_id}/answer?from=case",
                  {f"answer-{order_id}-answer": "单位负责人已督促整改完毕。"}, csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 303 and f"/staff/cases/{case_id}" in r.headers["Location"]
    with app.app_context():
        order = db.session.get(SupervisionOrder, order_id)
        assert order.answered_by_id == city["users"]["unit_lead"] and order.answer == "单位负责人已督促整改完毕。"


def test_other_units_neither_see_nor_answer_the_order(app, city, make_case):
    case_id, number = assigned(app, city, make_case)
    order_id = issue_order(app, city, case_id)
    other = as_user(app, "h_jtj")
    assert number not in other.get("/staff/supervision/orders").get_data(as_text=True)
    r = other.post(f"/staff/supervision/orders/{order_id}/answer", {f"answer-{order_id}-answer": "不是我们的单子。"},
                   csrf_from="/staff/supervision/orders")
    assert r.status_code == 403
    with app.app_context():
        assert db.session.get(SupervisionOrder, order_id).answered_at is None


def test_issue_form_errors_and_case_without_a_unit(app, city, make_case):
    case_id, _ = assigned(app, city, make_case)
    supervisor = as_user(app, "supervisor")
    r = supervisor.post(f"/staff/cases/{case_id}/supervise",
                        {"supervise-level": "normal", "supervise-days": "0", "supervise-requirement": ""},
                        csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="supervise-days"' in page and 'aria-invalid="true"' in page
    fresh_id, _, _ = make_case()  # not yet assigned: no unit to supervise
    assert 'name="supervise-requirement"' not in supervisor.get(f"/staff/cases/{fresh_id}").get_data(as_text=True)
    r = supervisor.post(f"/staff/cases/{fresh_id}/supervise",
                        {"supervise-level": "normal", "supervise-days": "3", "supervise-requirement": "请尽快处理此件。"},
                        csrf_from=f"/staff/cases/{fresh_id}")
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(SupervisionOrder)) is None


def test_order_on_a_unit_from_the_order_list(app, city):
    supervisor = as_user(app, "supervisor")
    r = supervisor.post("/staff/supervision/orders", {"order-unit_id": city["units"]["jtj"], "order-level": "normal",
                                                      "order-days": "5", "order-requirement": "请报送本月超期件整改方案。"},
                        csrf_from="/staff/supervision/orders")
    assert r.status_code == 303
    r = supervisor.post("/staff/supervision/orders", {"order-unit_id": city["units"]["jtj"], "order-level": "bogus",
                                                      "order-days": "5", "order-requirement": "x"},
                        csrf_from="/staff/supervision/orders")
    assert r.status_code == 422
    with app.app_context():
        order = db.session.scalar(select(SupervisionOrder))
        assert order.case_id is None and order.unit_id == city["units"]["jtj"]
        due_text = shown(app, order.due_at)
    page = as_user(app, "h_jtj").get("/staff/supervision/orders").get_data(as_text=True)
    assert "请报送本月超期件整改方案。" in page and due_text in page and f'name="answer-{order.id}-answer"' in page


def test_due_date_counts_official_working_days(app, city, make_case):
    case_id, _ = assigned(app, city, make_case)
    before_national_day = datetime(2025, 9, 30, 10, tzinfo=calendar.SHANGHAI)
    order_id = issue_order(app, city, case_id, days=1, at=before_national_day)
    with app.app_context():
        order = db.session.get(SupervisionOrder, order_id)
        assert calendar.local_day(order.due_at) == date(2025, 10, 9)  # 1–8 October off
        assert not supervision.provisional(order)
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.action == "supervise"))
        assert event.data["order_id"] == order_id and event.data["level"] == "normal"


# ---------------------------------------------------------------------------------------------- overdue
def test_unanswered_order_past_its_due_date_is_flagged_overdue(app, city, make_case):
    case_id, number = assigned(app, city, make_case)
    long_ago = utcnow() - timedelta(days=20)
    late_id = issue_order(app, city, case_id, days=2, at=long_ago, requirement="逾期未复的督办单。")
    issue_order(app, city, unit="jtj", days=5, requirement="尚在期限内的督办单。")
    answered_id = issue_order(app, city, unit="jtj", days=1, at=long_ago, requirement="已经答复的督办单。")
    with app.app_context():
        supervision.answer(db.session.get(SupervisionOrder, answered_id),
                           db.session.get(User, city["users"]["h_jtj"]), "已按要求完成整改。", at=long_ago)
        db.session.commit()
    supervisor = as_user(app, "supervisor")
    board = supervisor.get("/staff/supervision").get_data(as_text=True)
    assert tile(board, "n-awaiting") == 2 and tile(board, "n-overdue-orders") == 1
    overdue = supervisor.get("/staff/supervision/orders?status=overdue").get_data(as_text=True)
    assert "逾期未复的督办单。" in overdue and "尚在期限内的督办单。" not in overdue and "已经答复的督办单。" not in overdue
    assert label(app, supervision.STATUS_LABELS, "overdue") in overdue
    everything = supervisor.get("/staff/supervision/orders").get_data(as_text=True)
    late_item = everything[everything.index(f'id="order-{late_id}"'):]
    late_item = late_item[:late_item.index("</li>")]
    assert label(app, supervision.STATUS_LABELS, "overdue") in late_item
    # the unit sees its overdue order flagged too
    unit_page = as_user(app, "handler").get("/staff/supervision/orders").get_data(as_text=True)
    assert number in unit_page and label(app, supervision.STATUS_LABELS, "overdue") in unit_page


# ---------------------------------------------------------------------------------------------- dashboard
@pytest.fixture
def board_data(app, city, make_case):
    """Hand-built: 市城管局 2 red, 1 yellow, 1 green; 市交通局 1 red; 1 dissatisfied; 2 unanswered orders (one
    overdue) and 1 answered; 1 open perfunctory flag."""
    now = utcnow()
    ids = {}
    for key, unit, due in (("cgj_red1", "cgj", now - timedelta(hours=3)), ("cgj_red2", "cgj", now - timedelta(days=4)),
                           ("cgj_yellow", "cgj", now + timedelta(minutes=30)),
                           ("cgj_green", "cgj", now + timedelta(days=40)),
                           ("jtj_red", "jtj", now - timedelta(days=1))):
        ids[key], _ = assigned(app, city, make_case, unit=unit, title=f"看板{key}")
        set_due(app, ids[key], due)
    ids["dissatisfied"], _ = assigned(app, city, make_case, title="看板不满意")
    with app.app_context():
        case = db.session.get(Case, ids["dissatisfied"])
        case.state = "dissatisfied"  # hand-built data: straight into the zone
        case.received_at = now - timedelta(days=90)  # the oldest open case
        db.session.commit()
    issue_order(app, city, ids["cgj_red1"], at=now - timedelta(days=20))
    issue_order(app, city, unit="jtj")
    answered = issue_order(app, city, unit="jtj")
    with app.app_context():
        supervision.answer(db.session.get(SupervisionOrder, answered), db.session.get(User, city["users"]["h_jtj"]),
                           "已完成整改。")
        db.session.add(QualityReview(case_id=ids["cgj_green"], monitor_id=city["users"]["monitor"], timeliness=1,
                                     attitude=2, solution=1, reply_quality=1, comment="敷衍了事。", perfunctory=True,
                                     flag_state="open"))
        db.session.commit()
    return ids


def case_numbers(app, ids) -> dict:
    with app.app_context():
        return {key: db.session.get(Case, case_id).tracking_no for key, case_id in ids.items()}


def test_dashboard_numbers_match_hand_built_data(app, city, board_data):
    numbers = case_numbers(app, board_data)
    supervisor = as_user(app, "supervisor")
    board = supervisor.get("/staff/supervision").get_data(as_text=True)
    assert tile(board, "n-red") == 3 and tile(board, "n-yellow") == 1 and tile(board, "n-dissatisfied") == 1
    assert tile(board, "n-awaiting") == 2 and tile(board, "n-overdue-orders") == 1 and tile(board, "n-flags") == 1
    cgj_row = re.search(rf'<tr id="unit-{city["units"]["cgj"]}">(.*?)</tr>', board, re.S).group(1)
    jtj_row = re.search(rf'<tr id="unit-{city["units"]["jtj"]}">(.*?)</tr>', board, re.S).group(1)
    assert re.findall(r">(\d+)</a>", cgj_row) == ["2", "1"]
    assert re.findall(r">(\d+)</a>", jtj_row) == ["1"]
    # the oldest open case first in its table
    oldest = board[board.index('id="oldest-heading"'):]
    first_row = oldest[oldest.index("<tbody>"):oldest.index("</tr>", oldest.index("<tbody>"))]
    assert numbers["dissatisfied"] in first_row


def test_dashboard_numbers_link_to_lists_of_those_cases(app, city, board_data):
    numbers = case_numbers(app, board_data)
    supervisor = as_user(app, "supervisor")
    board = supervisor.get("/staff/supervision").get_data(as_text=True)
    links = {m.group(2): m.group(1).replace("&amp;", "&")
             for m in re.finditer(r'<a href="([^"]+)"><span class="tile-number" id="([^"]+)">', board)}
    red = supervisor.get(links["n-red"]).get_data(as_text=True)
    assert all(numbers[k] in red for k in ("cgj_red1", "cgj_red2", "jtj_red"))
    assert numbers["cgj_yellow"] not in red and numbers["cgj_green"] not in red
    yellow = supervisor.get(links["n-yellow"]).get_data(as_text=True)
    assert numbers["cgj_yellow"] in yellow and numbers["cgj_red1"] not in yellow
    assert numbers["dissatisfied"] in supervisor.get(links["n-dissatisfied"]).get_data(as_text=True)
    awaiting = supervisor.get(links["n-awaiting"]).get_data(as_text=True)
    assert numbers["cgj_red1"] in awaiting and "已完成整改。" not in awaiting
    assert numbers["cgj_red1"] in supervisor.get(links["n-overdue-orders"]).get_data(as_text=True)
    assert numbers["cgj_green"] in supervisor.get(links["n-flags"]).get_data(as_text=True)
    # a unit's figure links to that unit's cases with that light
    cgj_row = re.search(rf'<tr id="unit-{city["units"]["cgj"]}">(.*?)</tr>', board, re.S).group(1)
    red_link, yellow_link = [h.replace("&amp;", "&") for h in re.findall(r'<a href="([^"]+)">', cgj_row)]
    unit_red = supervisor.get(red_link).get_data(as_text=True)
    assert numbers["cgj_red1"] in unit_red and numbers["cgj_red2"] in unit_red
    assert numbers["jtj_red"] not in unit_red and numbers["cgj_yellow"] not in unit_red
    assert numbers["cgj_yellow"] in supervisor.get(yellow_link).get_data(as_text=True)
    assert supervisor.get("/staff/supervision/cases?light=purple").status_code == 404


def test_polling_request_returns_only_the_block(app, city, board_data):
    supervisor = as_user(app, "supervisor")
    full = supervisor.get("/staff/supervision").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in full and 'hx-get="/staff/supervision"' in full and "<html" in full
    r = supervisor.get("/staff/supervision", htmx=True)
    fragment = r.get_data(as_text=True)
    assert r.status_code == 200 and "HX-Request" in r.headers.get("Vary", "")
    assert "<html" not in fragment and "staff-nav" not in fragment
    assert fragment.strip().startswith('<div id="board"') and 'hx-trigger="every 30s"' in fragment
    assert tile(fragment, "n-red") == 3


def test_dashboard_runs_a_fixed_number_of_queries(app, city, make_case, count_queries):
    supervisor = as_user(app, "supervisor")
    now = utcnow()
    for i in range(2):
        case_id, _ = assigned(app, city, make_case, title=f"少{i}")
        set_due(app, case_id, now - timedelta(hours=1))
    issue_order(app, city, case_id)
    small = count_queries(lambda: supervisor.get("/staff/supervision", htmx=True))
    for i, unit in enumerate(("jtj", "zjj", "sthjj", "cgj", "jtj", "gov-yingzhou")):
        case_id, _ = assigned(app, city, make_case, unit=unit, title=f"多{i}")
        set_due(app, case_id, now + (timedelta(minutes=20) if i % 2 else -timedelta(days=i + 1)))
        issue_order(app, city, case_id, at=now - timedelta(days=30) if i % 2 else None)
    issue_order(app, city, unit="zjj")
    large = count_queries(lambda: supervisor.get("/staff/supervision", htmx=True))
    assert large == small, f"{small} statements with few cases, {large} with more"
    assert count_queries(lambda: supervisor.get("/staff/supervision/orders")) == \
        count_queries(lambda: supervisor.get("/staff/supervision/orders?status=awaiting"))


# ---------------------------------------------------------------------------------------------- access
@pytest.mark.parametrize("username", ["handler", "unit_lead", "monitor", "dispatcher", "operator", "organizer"])
def test_non_supervisors_get_403_on_supervisor_pages(app, city, make_case, username):
    case_id, _ = assigned(app, city, make_case)
    client = as_user(app, username)
    for path in ("/staff/supervision", "/staff/supervision/flags", "/staff/supervision/cases?light=red"):
        assert client.get(path).status_code == 403, path
    r = client.post(f"/staff/cases/{case_id}/supervise", {"supervise-level": "normal", "supervise-days": "3",
                                                          "supervise-requirement": "越权下达督办单。"},
                    csrf_from="/staff/cases")
    assert r.status_code == 403
    r = client.post("/staff/supervision/orders", {"order-unit_id": city["units"]["cgj"], "order-level": "normal",
                                                  "order-days": "3", "order-requirement": "越权下达督办单。"},
                    csrf_from="/staff/cases")
    assert r.status_code == 403
    expected = 200 if username in ("handler", "unit_lead") else 403
    assert client.get("/staff/supervision/orders").status_code == expected
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'name="supervise-requirement"' not in page
    with app.app_context():
        assert db.session.scalar(select(SupervisionOrder)) is None


def test_admin_may_supervise(app, city, make_case):
    case_id, _ = assigned(app, city, make_case)
    admin = as_user(app, "admin")
    assert admin.get("/staff/supervision").status_code == 200
    r = admin.post(f"/staff/cases/{case_id}/supervise", {"supervise-level": "normal", "supervise-days": "2",
                                                         "supervise-requirement": "请加快办理进度。"},
                   csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 303


def test_orders_do_not_answer_themselves_outside_the_domain_rules(app, city, make_case):
    case_id, _ = assigned(app, city, make_case)
    order_id = issue_order(app, city, case_id)
    with app.app_context():
        order = db.session.get(SupervisionOrder, order_id)
        supervisor = db.session.get(User, city["users"]["supervisor"])
        with pytest.raises(workflow.NotAllowed):
            supervision.answer(order, supervisor, "督办员不能替单位答复。")
        with pytest.raises(workflow.NotAllowed):
            supervision.issue(db.session.get(User, city["users"]["handler"]), "承办人不能下达督办单。", 3,
                              case=db.session.get(Case, case_id))
        with pytest.raises(supervision.SupervisionError):
            supervision.issue(supervisor, "期限超出范围的督办单。", 31, case=db.session.get(Case, case_id))
        assert supervision.status(order, order.due_at + timedelta(seconds=1)) == "overdue"
        assert supervision.status(order, order.issued_at) == "awaiting"
        order.answered_at = order.due_at + timedelta(hours=1)
        assert supervision.status(order) == "answered_late"
        db.session.rollback()

