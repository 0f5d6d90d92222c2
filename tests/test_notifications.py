"""What people are sent: every citizen gets their tracking number and query code when the case is received (web,
hotline, Open311), salon participants get their attendance code when they are put on the roster, and no message
refers to a code or a link the person was never sent. The tests read the outbox rows."""
import re

from sqlalchemy import select

from portal.domain import salons
from portal.extensions import db
from portal.models import Case, OutboxMessage, Participant, Salon
from tests.helpers import (
    BASE,
    _organizer,
    as_user,
    case_form,
    citizen_page,
    dispatched,
    filing,
    make_key,
    make_salon,
    organizer,
    register,
    step,
    text_of,
)

QUERY_CODE_ZH = "查询码"


def outbox(app, recipient) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                       .order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def test_web_submission_sends_the_number_and_code_by_sms_and_email(client, city, app):
    response = client.post("/submit", case_form(city, citizen_email="zhang@example.com"))
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r"FY\d{18}", receipt).group(0)
    code = re.search(r'data-testid="query-code">(\d{6})<', receipt).group(1)
    sms = outbox(app, "13812345678")
    assert len(sms) == 1 and sms[0].channel == "sms"
    assert number in sms[0].body and code in sms[0].body and QUERY_CODE_ZH in sms[0].body
    email = outbox(app, "zhang@example.com")
    assert len(email) == 1 and email[0].channel == "email"
    assert number in email[0].subject and code in email[0].body
    # ...and the code really opens the case
    _, page = citizen_page(app, number, code)
    assert number in page


def test_hotline_call_typed_in_by_the_operator_sends_the_caller_number_and_code(client, city, app):
    client.login("operator")
    data = case_form(city, channel="hotline", citizen_name="来电人刘洋", citizen_phone="13955556666",
                     publish_consent=None)
    response = client.post("/staff/intake", data)
    assert response.status_code == 303
    flash = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        number = db.session.scalar(select(Case.tracking_no))
    code = re.search(r"\b(\d{6})\b", flash.split(number, 1)[1]).group(1)  # the flash the operator reads out
    sms = outbox(app, "13955556666")
    assert [m.channel for m in sms] == ["sms"]
    assert number in sms[0].body and code in sms[0].body


def test_open311_filing_sends_the_number_and_code(app, city):
    key = make_key(app)
    response = app.test_client().post(f"{BASE}/requests.json", data=filing(key, phone="13977778888"))
    assert response.status_code < 300, response.get_data(as_text=True)
    with app.app_context():
        number = db.session.scalar(select(Case.tracking_no))
    sms = outbox(app, "13977778888")
    assert len(sms) == 1 and number in sms[0].body and re.search(r"\d{6}", sms[0].body.replace(number, ""))


def test_every_later_message_to_the_citizen_follows_the_receipt_with_the_code(app, city, make_case):
    """A whole loop: the first message has the code; every message that mentions the query code comes after it."""
    case_id, number, code = make_case(citizen_phone="13911112222", citizen_email="li@example.com")
    dispatcher = dispatched(app, city, case_id)
    handler = as_user(app, "handler")
    step(handler, case_id, "sign_for")
    step(handler, case_id, "draft_reply", {"reply_type": "resolved", "text": "路面坑洞已于今日填平，感谢您的反映。"})
    step(as_user(app, "unit_lead"), case_id, "reply")
    step(dispatcher, case_id, "release")
    for recipient in ("13911112222", "li@example.com"):
        messages = outbox(app, recipient)
        assert len(messages) >= 4
        assert code in messages[0].body and number in messages[0].body
        for message in messages[1:]:
            assert code not in message.body  # the code is sent once, at receipt
    with app.app_context():
        assert db.session.get(Case, case_id).state == "awaiting_evaluation"


def test_salon_registration_and_waiting_list_send_the_attendance_code(app, city):
    salon_id = make_salon(app, city, "registration_open", capacity=1)
    netizen, r = register(app, salon_id, "张伟", "13900000001")
    code = re.search(r'data-testid="attendance-code">([A-Z0-9]+)<',
                     text_of(netizen.get(r.headers["Location"]))).group(1)
    sms = outbox(app, "13900000001")
    assert len(sms) == 1 and code in sms[0].body and "确认" in sms[0].body
    late, r = register(app, salon_id, "王芳", "13900000003")
    with app.app_context():
        waiting = db.session.scalar(select(Participant).where(Participant.state == "waitlisted"))
        late_code = waiting.attendance_code
    sms = outbox(app, "13900000003")
    assert len(sms) == 1 and late_code in sms[0].body and "候补" in sms[0].body


def test_participant_added_by_the_organizer_is_sent_the_check_in_code(app, city):
    salon_id = make_salon(app, city, "registration_open")
    org = organizer(app)
    roster = f"/staff/salons/{salon_id}/participants"
    r = org.post(roster, {"name": "陈晨", "kind": "opinion_leader", "platform": "微博", "handle": "@阜阳陈晨",
                          "phone": "13700001234", "email": "chen@example.com"}, csrf_from=roster)
    assert r.status_code == 303
    with app.app_context():
        code = db.session.scalar(select(Participant.attendance_code))
    for recipient, channel in (("13700001234", "sms"), ("chen@example.com", "email")):
        messages = outbox(app, recipient)
        assert [m.channel for m in messages] == [channel] and code in messages[0].body


def test_no_message_refers_to_a_code_or_link_it_does_not_carry(app, city, make_case):
    """Audit of every message queued along the main journeys: a message that speaks of a check-in code or a
    rating link carries it; one that speaks of the query code goes to someone whose receipt carried it."""
    case_id, number, code = make_case(citizen_phone="13911112222")
    dispatcher = as_user(app, "dispatcher")
    step(dispatcher, case_id, "decline", {"reason": "litigation", "text": "请通过诉讼途径解决。"})
    salon_id = make_salon(app, city, "registration_open")
    with app.app_context():
        salon = db.session.get(Salon, salon_id)
        salons.add_participant(salon, _organizer(), name="陈晨", kind="opinion_leader", phone="13700001234")
        db.session.commit()
        receipts = {m.recipient: m.body for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.body.contains(QUERY_CODE_ZH)).order_by(OutboxMessage.id.desc()))}
        for message in db.session.scalars(select(OutboxMessage)):
            body = message.body
            if "签到码" in body or "参会码" in body:
                participant = db.session.scalar(select(Participant).where(
                    Participant.attendance_code.in_(re.findall(r"[A-Z0-9]{4,}", body))))
                assert participant is not None, body
            if "链接" in body:
                assert "http" in body or "/salons/rate/" in body, body
            if QUERY_CODE_ZH in body:
                assert re.search(r"\d{6}", receipts[message.recipient]), body
