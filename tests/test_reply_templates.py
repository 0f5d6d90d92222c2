"""Reply templates: per unit and category, filled with the case's fields, inserted into the draft, and refused
when sent unedited."""
from sqlalchemy import select

from portal.domain import workflow
from portal.extensions import db
from portal.models import AuditEntry, Case, ReplyTemplate, Unit, User
from tests.helpers import as_user, step

BODY = "您好！您于{received_date}反映的“{title}”（编号{tracking_no}，地点：{address}）已收悉。经核查，"


def _handling_case(app, city, make_case):
    case_id, number, _code = make_case(title="路灯不亮", address="人民路12号")
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        handler = db.session.get(User, city["users"]["handler"])
        case = db.session.get(Case, case_id)
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, db.session.get(Unit, city["units"]["cgj"]), "general")
        workflow.sign_for(case, handler)
        db.session.commit()
    return case_id, number


def _template(client, city, body=BODY, category=""):
    return client.post("/staff/reply-templates/new", {"title": "路灯类通用答复", "category_id": category,
                                                      "unit_id": "", "body": body},
                       csrf_from="/staff/reply-templates/new")


def test_unit_lead_writes_a_template_and_the_handler_inserts_it_filled(app, city, make_case):
    lead = as_user(app, "unit_lead")
    assert _template(lead, city).status_code == 303
    assert _template(lead, city, body="含有未知占位符{phone}的模板内容文字").status_code == 422
    case_id, number = _handling_case(app, city, make_case)
    handler = as_user(app, "handler")
    page = handler.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "路灯类通用答复" in page
    with app.app_context():
        template_id = db.session.scalar(select(ReplyTemplate.id))
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "reply_template")) == "create"
    page = handler.get(f"/staff/cases/{case_id}/reply-template?template={template_id}").get_data(as_text=True)
    assert f"编号{number}" in page and "地点：人民路12号" in page and "“路灯不亮”" in page
    assert "{tracking_no}" not in page.split('id="draft_reply-text"')[1][:400]


def test_an_unedited_template_is_refused_and_an_edited_one_is_drafted(app, city, make_case):
    lead = as_user(app, "unit_lead")
    _template(lead, city)
    case_id, number = _handling_case(app, city, make_case)
    with app.app_context():
        case = db.session.get(Case, case_id)
        from portal.domain import reply_templates

        filled = reply_templates.fill(db.session.scalar(select(ReplyTemplate)), case)
    handler = as_user(app, "handler")
    response = step(handler, case_id, "draft_reply", {"reply_type": "resolved", "text": filled + "\n"})
    assert response.status_code == 409
    assert "路灯类通用答复" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, case_id).reply_drafted_at is None
    response = step(handler, case_id, "draft_reply",
                    {"reply_type": "resolved", "text": filled + "路灯线路老化，已于今日更换，恢复照明。"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Case, case_id).reply_drafted_at is not None


def test_templates_belong_to_their_unit(app, city, make_case):
    _template(as_user(app, "unit_lead"), city)
    other = as_user(app, "handler_yz")
    with app.app_context():
        template_id = db.session.scalar(select(ReplyTemplate.id))
    assert "路灯类通用答复" not in other.get("/staff/reply-templates").get_data(as_text=True)
    assert as_user(app, "handler").get(f"/staff/reply-templates/{template_id}").status_code == 403  # handlers use


def test_posting_the_same_template_twice_creates_it_once(app, city):
    lead = as_user(app, "unit_lead")
    assert _template(lead, city).status_code == 303
    assert _template(lead, city).status_code == 422
    with app.app_context():
        assert len(db.session.scalars(select(ReplyTemplate)).all()) == 1
