"""Actions that cannot be undone ask first, with JavaScript off too: the plain POST answers with a confirmation
page and changes nothing; the confirmation page's form (the same fields and confirmed=yes) does it. With
JavaScript the button's own dialog asks and adds confirmed=yes (hx-vals)."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiKey, MonthlyTopic, Salon
from tests.helpers import as_user, make_salon, text_of


def _confirm_form(page: str) -> dict:
    form = re.search(r'<form method="post" action="([^"]+)" id="confirm-form">(.*?)</form>', page, re.S)
    assert form, "no confirmation form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    assert fields.pop("confirmed") == "yes"
    return {"action": form.group(1).replace("&amp;", "&"), **fields}


def _asks_then_does(client, path, page_for_csrf):
    first = client.post(path, {}, csrf_from=page_for_csrf)
    assert first.status_code == 200
    page = text_of(first)
    form = _confirm_form(page)
    assert form["action"] == path
    return page, client.post(path, {"confirmed": "yes"}, csrf_from=page_for_csrf)


def test_publishing_a_monthly_topic_asks_first(app, city):
    supervisor = as_user(app, "supervisor")
    topic = {"month": "2026-10", "title": "夜间施工噪音治理", "summary": "集中整治夜间施工噪音扰民问题。",
             "category_id": city["leaf"], "county_id": city["county"], "lead_unit_id": city["units"]["cgj"],
             "co_unit_ids": [city["units"]["zjj"]], "problem_1": "夜间违规施工", "problem_2": "投诉后反弹",
             "problem_3": "", "task_1_title": "建立夜间施工审批台账", "task_1_unit": city["units"]["zjj"],
             "task_1_days": "10", "task_2_title": "", "task_2_unit": "0", "task_2_days": "", "task_3_title": "",
             "task_3_unit": "0", "task_3_days": ""}
    assert supervisor.post("/staff/governance/topics/new", topic, csrf_from="/staff/governance/topics/new"
                           ).status_code == 303
    with app.app_context():
        topic_id = db.session.scalar(select(MonthlyTopic.id))
    path = f"/staff/governance/topics/{topic_id}/publish"
    page, done = _asks_then_does(supervisor, path, f"/staff/governance/topics/{topic_id}")
    assert "夜间施工噪音治理" in page
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(MonthlyTopic, topic_id).status == "published"


def test_publishing_salon_outcomes_asks_first(app, city):
    salon_id = make_salon(app, city, "closed")
    organizer = as_user(app, "organizer")
    detail = f"/staff/salons/{salon_id}"
    first = organizer.post(f"{detail}/step/publish", {}, csrf_from=detail)
    assert first.status_code == 200 and 'id="confirm-form"' in text_of(first)
    with app.app_context():
        assert db.session.get(Salon, salon_id).state == "closed"
    assert organizer.post(f"{detail}/step/publish", {"confirmed": "yes"}, csrf_from=detail).status_code == 303
    with app.app_context():
        assert db.session.get(Salon, salon_id).state == "outcomes_published"


def test_revoking_an_api_key_asks_first_and_the_page_button_confirms_in_one_step(app, city):
    admin = as_user(app, "admin")
    admin.post("/admin/api-keys", {"name": "领导留言板", "channel": "leader_board"}, csrf_from="/admin/api-keys")
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    page = text_of(admin.get("/admin/api-keys"))
    assert re.search(rf'action="/admin/api-keys/{key_id}/revoke"[^>]*hx-confirm="[^"]+" hx-vals=\'{{"confirmed": "yes"}}\'',
                     page)
    _page, done = _asks_then_does(admin, f"/admin/api-keys/{key_id}/revoke", "/admin/api-keys")
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(ApiKey, key_id).revoked_at is not None
