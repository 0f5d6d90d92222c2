"""Hotspot warnings as work items, governance tasks, automatic linking and the citizen's note; the monthly topic."""
import re
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CaseEvent, GovernanceLink, GovernanceTask, HotspotWarning, MonthlyTopic
from tests.helpers import planted_warning


def _track(client, number, code):
    return client.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track",
                       follow_redirects=True)


def test_supervisor_reads_why_a_warning_fired_and_turns_it_into_a_task(client, app, city, make_case):
    warning_id = planted_warning(app, make_case)
    client.login("supervisor")
    page = client.get(f"/staff/governance/warnings/{warning_id}").get_data(as_text=True)
    assert "6" in re.search(r'<p id="why">(.*?)</p>', page, re.S).group(1)
    assert "施工" in page or "噪音" in page  # the top words
    assert client.post(f"/staff/governance/warnings/{warning_id}/acknowledge", {},
                       csrf_from=f"/staff/governance/warnings/{warning_id}").status_code == 303
    bad = client.post(f"/staff/governance/warnings/{warning_id}/act", {"unit_id": city["units"]["cgj"], "title": "",
                                                                      "plan": "", "days": "0"},
                      csrf_from=f"/staff/governance/warnings/{warning_id}")
    assert bad.status_code == 422
    data = {"unit_id": city["units"]["cgj"], "title": "夜间施工噪音整治", "plan": "联合执法，夜间巡查，限定施工时间。",
            "days": "10"}
    for _ in range(2):  # posted twice: one task
        response = client.post(f"/staff/governance/warnings/{warning_id}/act", data,
                               csrf_from=f"/staff/governance/warnings/{warning_id}")
        assert response.status_code in (303, 422)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GovernanceTask)) == 1
        assert db.session.scalar(select(func.count()).select_from(GovernanceLink)) == 6
        assert db.session.get(HotspotWarning, warning_id).status == "acted"

    # a new matching case links itself, and its citizen is told
    _, number, code = make_case(title="施工噪音", description="工地晚上又在施工，噪音很吵。", citizen_phone="13700000001")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GovernanceLink)) == 7
    anonymous = type(client)(app.test_client())
    page = _track(anonymous, number, code).get_data(as_text=True)
    assert "7" in page and ("问题作为一类" in page or "handled as a whole" in page or "整体" in page)

    # a case of another category in the same town is not linked
    make_case(category_id=_other_leaf(app, city), title="井盖缺失", description="路口井盖丢了。", citizen_phone="13700000002")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GovernanceLink)) == 7

    # the dashboard shows the open warning; closing it stops the linking
    assert 'id="n-hotspots">1<' in client.get("/staff/supervision").get_data(as_text=True)
    assert client.post(f"/staff/governance/warnings/{warning_id}/close", {"note": "已限定施工时间，夜间噪音消除。"},
                       csrf_from=f"/staff/governance/warnings/{warning_id}").status_code == 303
    make_case(title="施工噪音", description="工地晚上施工。", citizen_phone="13700000003")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GovernanceLink)) == 7
        assert db.session.get(HotspotWarning, warning_id).open_key is None


def _other_leaf(app, city):
    from portal.models import Category

    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.level == 3, Category.id != city["leaf"]))


def test_warnings_are_for_supervisors_and_the_responsible_unit(client, app, city, make_case):
    warning_id = planted_warning(app, make_case)
    with app.app_context():
        unit_id = db.session.get(HotspotWarning, warning_id).unit_id
    from portal.models import User

    with app.app_context():
        own = db.session.scalar(select(User.username).where(User.role == "handler", User.unit_id == unit_id))
        other = db.session.scalar(select(User.username).where(User.role == "handler", User.unit_id != unit_id))
    assert client.get("/staff/governance").status_code == 302  # sign in first
    client.login(own)
    assert client.get(f"/staff/governance/warnings/{warning_id}").status_code == 200
    assert client.post(f"/staff/governance/warnings/{warning_id}/act", {"unit_id": unit_id, "title": "x",
                                                                       "plan": "xxxxxx", "days": "5"},
                       csrf_from="/staff/governance").status_code == 403
    other_client = type(client)(app.test_client())
    other_client.login(other)
    assert other_client.get(f"/staff/governance/warnings/{warning_id}").status_code == 404
    assert "工地" not in other_client.get("/staff/governance").get_data(as_text=True)


def test_the_rule_settings_page_validates_and_saves(client, city):
    client.login("supervisor")
    assert "7" in client.get("/staff/governance/settings").get_data(as_text=True)
    bad = client.post("/staff/governance/settings", {"window_days": "0", "baseline_weeks": "8",
                                                    "ratio_threshold": "abc", "min_count": "5"})
    assert bad.status_code == 422
    ok = client.post("/staff/governance/settings", {"window_days": "14", "baseline_weeks": "8",
                                                   "ratio_threshold": "2.5", "min_count": "6"})
    assert ok.status_code == 303
    assert "14" in client.get("/staff/governance/settings").get_data(as_text=True)


def _topic_data(city, month="2026-10"):
    return {"month": month, "title": "夜间施工噪音治理", "summary": "集中整治夜间施工噪音扰民问题。",
            "category_id": city["leaf"], "county_id": city["county"], "lead_unit_id": city["units"]["cgj"],
            "co_unit_ids": [city["units"]["zjj"]], "problem_1": "夜间违规施工", "problem_2": "投诉后反弹",
            "problem_3": "", "task_1_title": "建立夜间施工审批台账", "task_1_unit": city["units"]["zjj"],
            "task_1_days": "10", "task_2_title": "开展夜间联合巡查", "task_2_unit": city["units"]["cgj"],
            "task_2_days": "20", "task_3_title": "", "task_3_unit": "0", "task_3_days": ""}


def test_a_supervisor_publishes_a_monthly_topic_that_anyone_reads(client, app, city, make_case):
    make_case(title="施工噪音", description="工地夜间施工噪音。")
    client.login("supervisor")
    page = client.get("/staff/governance/topics").get_data(as_text=True)
    assert "topics/new?category=" in page  # proposals from the data
    response = client.post("/staff/governance/topics/new", _topic_data(city))
    assert response.status_code == 303
    again = client.post("/staff/governance/topics/new", _topic_data(city))
    assert again.status_code == 422  # one topic a month, created once
    with app.app_context():
        topic = db.session.scalar(select(MonthlyTopic))
        assert len(topic.tasks) == 2 and topic.status == "draft"
        topic_id = topic.id
    anonymous = type(client)(app.test_client())
    assert anonymous.get(f"/topics/{topic_id}").status_code == 404  # drafts are not public
    assert client.post(f"/staff/governance/topics/{topic_id}/publish", {"confirmed": "yes"},
                       csrf_from=f"/staff/governance/topics/{topic_id}").status_code == 303
    page = anonymous.get(f"/topics/{topic_id}").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "建立夜间施工审批台账" in page and "李四" not in page and "13912345678" not in page
    listing = anonymous.get("/topics").get_data(as_text=True)
    assert "夜间施工噪音治理" in listing and 'type="application/atom+xml"' in listing
    feed = anonymous.get("/topics/feed.atom")
    assert feed.content_type.startswith("application/atom+xml") and "夜间施工噪音治理" in feed.get_data(as_text=True)


def test_topic_form_errors_are_explained(client, city):
    client.login("supervisor")
    data = _topic_data(city)
    data.update(problem_2="", task_1_unit="0")
    response = client.post("/staff/governance/topics/new", data)
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)


def test_monthly_counts_split_before_and_since(app, city, make_case):
    from portal.domain import topics

    make_case()
    with app.app_context():
        topic = MonthlyTopic(month=date(2026, 1, 1), category_id=city["leaf"], county_id=city["county"])
        rows = topics.monthly_counts(topic, today=date(2026, 3, 15))
        assert [r["since"] for r in rows] == [False] * 6 + [True] * 3
        assert rows[0]["month"] == date(2025, 7, 1)
        assert db.session.scalar(select(func.count()).select_from(CaseEvent)) > 0


def test_a_warnings_case_list_goes_through_scope(client, app, city, make_case):
    """Issue 12, scope everywhere: the responsible unit's staff read why a warning fired, but its case list shows
    only the cases they may open (not cases still with the dispatchers or led by another unit); supervisors see
    every case of it."""
    from portal.models import Case, User

    warning_id = planted_warning(app, make_case)
    with app.app_context():
        warning = db.session.get(HotspotWarning, warning_id)
        numbers = [db.session.get(Case, cid).tracking_no for cid in warning.case_ids]
        own = db.session.scalar(select(User.username).where(User.role == "handler",
                                                            User.unit_id == warning.unit_id))
    client.login("supervisor")
    page = client.get(f"/staff/governance/warnings/{warning_id}").get_data(as_text=True)
    assert all(number in page for number in numbers)
    client.login(own)
    page = client.get(f"/staff/governance/warnings/{warning_id}").get_data(as_text=True)
    assert not any(number in page for number in numbers)  # none is with their unit yet
    assert "6" in re.search(r'<p id="why">(.*?)</p>', page, re.S).group(1)  # the figures stay
