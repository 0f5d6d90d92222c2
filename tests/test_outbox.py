"""The outbox: citizen-visible steps queue texts and emails; `flask outbox send` delivers them through the
configured senders, here through a real local SMTP server (aiosmtpd)."""
import logging
import socket
from email import message_from_bytes
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from portal.domain import outbox
from portal.extensions import db
from portal.models import OutboxMessage
from tests.helpers import released_case

CITIZEN_EMAIL = "lisi@example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


@pytest.fixture
def use_smtp(app, monkeypatch):
    """Switch the app's email sender to SMTP on a port (settings restored after the test)."""
    def configure(port, **extra):
        settings = {"OUTBOX_EMAIL_SENDER": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                    "MAIL_FROM": "阜阳12345 <noreply@12345.example.gov.cn>", "MAIL_TIMEOUT": 5, **extra}
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
    return configure




def messages(app, **where) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for key, value in where.items():
            query = query.where(getattr(OutboxMessage, key) == value)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def test_release_queues_a_text_and_an_email_to_the_citizen(app, city, make_case):
    case_id, tracking_no, _ = released_case(app, city, make_case, citizen_email=CITIZEN_EMAIL)
    rows = messages(app, case_id=case_id)
    sms = [m for m in rows if m.channel == "sms"]
    emails = [m for m in rows if m.channel == "email"]
    # the receipt (number and query code), then accept, assign, sign for, release: four public steps, each told
    # by text and by email
    assert len(sms) == len(emails) == 5
    assert "查询码" in sms[0].body and "查询码" in emails[0].body
    assert {m.recipient for m in sms} == {"13912345678"}
    assert {m.recipient for m in emails} == {CITIZEN_EMAIL}
    last = emails[-1]
    assert tracking_no in last.subject and tracking_no in last.body
    assert "路面坑洞已于今日填平" in last.body  # the email carries the reply itself
    assert all(m.sent_at is None and m.attempts == 0 for m in rows)


def test_no_email_is_queued_without_a_citizen_email(app, city, make_case):
    case_id, *_ = released_case(app, city, make_case, drop_receipt=True)
    rows = messages(app, case_id=case_id)
    assert rows and {m.channel for m in rows} == {"sms"}


def test_outbox_send_delivers_the_email_through_smtp(app, city, make_case, smtp_server, use_smtp):
    controller, collector = smtp_server
    use_smtp(controller.port)
    case_id, tracking_no, _ = released_case(app, city, make_case, drop_receipt=True, citizen_email=CITIZEN_EMAIL)
    queued = messages(app, case_id=case_id, channel="email")

    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 8, failed 0" in result.output

    assert len(collector.envelopes) == len(queued) == 4
    envelope = collector.envelopes[-1]
    assert envelope.rcpt_tos == [CITIZEN_EMAIL]
    assert envelope.mail_from == "noreply@12345.example.gov.cn"
    received = message_from_bytes(envelope.content, policy=email_policy.default)
    assert received["To"] == CITIZEN_EMAIL
    assert received["Subject"] == queued[-1].subject  # RFC 2047 round trip of the Chinese subject
    assert tracking_no in received["Subject"] and any(ord(ch) > 127 for ch in received["Subject"])
    assert received["From"].addresses[0].display_name == "阜阳12345"
    body = received.get_body(("plain",)).get_content()
    assert tracking_no in body and "路面坑洞已于今日填平" in body
    assert all(m.sent_at is not None and m.attempts == 1 and m.last_error is None
               for m in messages(app, case_id=case_id))


def test_a_failing_smtp_server_leaves_the_email_for_a_retry_and_the_batch_goes_on(
        app, city, make_case, use_smtp):
    use_smtp(free_port())  # nothing listens there
    case_id, *_ = released_case(app, city, make_case, drop_receipt=True, citizen_email=CITIZEN_EMAIL)

    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 4, failed 4" in result.output
    rows = messages(app, case_id=case_id)
    for message in rows:
        assert message.attempts == 1
        if message.channel == "email":
            assert message.sent_at is None and message.last_error
            assert "Connection" in message.last_error or "refused" in message.last_error.lower()
        else:  # texts queued after a failed email still went out
            assert message.sent_at is not None and message.last_error is None


def test_failed_messages_are_retried_until_the_max_attempts(app, city, make_case, smtp_server, use_smtp,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 2)
    dead_port = free_port()
    use_smtp(dead_port)
    case_id, *_ = released_case(app, city, make_case, drop_receipt=True, citizen_email=CITIZEN_EMAIL)
    runner = app.test_cli_runner()

    assert "failed 4" in runner.invoke(args=["outbox", "send"]).output
    assert "given up" not in runner.invoke(args=["outbox", "status"]).output.split("given up 0")[0]
    second = runner.invoke(args=["outbox", "send"]).output
    assert "sent 0, failed 4 (4 given up" in second
    assert {m.attempts for m in messages(app, channel="email")} == {2}

    controller, collector = smtp_server  # the server is back, but these messages were given up
    use_smtp(controller.port)
    assert "sent 0, failed 0" in runner.invoke(args=["outbox", "send"]).output
    assert collector.envelopes == []
    status = runner.invoke(args=["outbox", "status"]).output
    assert "pending 0" in status and "given up 4" in status and "sent 4" in status
    assert case_id


def test_a_message_that_failed_once_goes_out_when_the_server_is_back(app, city, make_case, smtp_server,
                                                                   use_smtp):
    use_smtp(free_port())
    case_id, *_ = released_case(app, city, make_case, drop_receipt=True, citizen_email=CITIZEN_EMAIL)
    with app.app_context():
        first = outbox.deliver_pending(limit=50)
    assert (first.sent, first.failed, first.given_up) == (4, 4, 0)
    controller, collector = smtp_server
    use_smtp(controller.port)
    with app.app_context():
        second = outbox.deliver_pending(limit=50)
    assert (second.sent, second.failed) == (4, 0)
    assert len(collector.envelopes) == 4
    emails = messages(app, case_id=case_id, channel="email")
    assert all(m.sent_at is not None and m.attempts == 2 and m.last_error is None for m in emails)


def test_limit_caps_the_batch_oldest_first(app, city, make_case):
    released_case(app, city, make_case, drop_receipt=True)
    runner = app.test_cli_runner()
    assert "sent 3, failed 0" in runner.invoke(args=["outbox", "send", "--limit", "3"]).output
    rows = messages(app)
    assert [m.sent_at is not None for m in rows] == [True, True, True, False]
    assert "pending 1 (sms 1)" in runner.invoke(args=["outbox", "status"]).output


def test_smtp_login_when_the_relay_wants_one(app, city, make_case, use_smtp):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        use_smtp(controller.port, MAIL_USERNAME="portal", MAIL_PASSWORD="wrong")
        released_case(app, city, make_case, drop_receipt=True, citizen_email=CITIZEN_EMAIL)
        with app.app_context():
            assert outbox.deliver_pending().failed == 4
        assert collector.envelopes == []
        assert "SMTPAuthenticationError" in messages(app, channel="email")[0].last_error
        use_smtp(controller.port, MAIL_USERNAME="portal", MAIL_PASSWORD="s3cret")
        with app.app_context():
            assert outbox.deliver_pending().sent == 4
        assert len(collector.envelopes) == 4 and logins[-1] == (b"portal", b"s3cret")
    finally:
        controller.stop()


def test_the_default_senders_log_with_masked_recipients(app, city, make_case, caplog):
    case_id, tracking_no, _ = released_case(app, city, make_case, drop_receipt=True, citizen_email=CITIZEN_EMAIL)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 8, failed 0" in result.output
    logged = caplog.text
    assert "139****5678" in logged and "l***@example.com" in logged and tracking_no in logged
    assert "13912345678" not in logged and CITIZEN_EMAIL not in logged
    assert all(m.sent_at is not None for m in messages(app, case_id=case_id))


class RecordingGateway(outbox.SmsGateway):
    """A stand-in SMS provider: refuses one number, records the rest in app.config["TEST_SMS_SENT"]."""

    def send_sms(self, phone, text):
        if phone == "13000000000":
            raise RuntimeError("provider says: number out of service")
        self.config["TEST_SMS_SENT"].append((phone, text))


def test_an_sms_gateway_plugs_in_by_name(app, city, make_case, monkeypatch):
    sent = []
    monkeypatch.setitem(app.config, "TEST_SMS_SENT", sent)
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "tests.test_outbox:RecordingGateway")
    bad_id, *_ = released_case(app, city, make_case, drop_receipt=True, citizen_phone="13000000000")
    good_id, tracking_no, _ = released_case(app, city, make_case, drop_receipt=True)

    with app.app_context():
        result = outbox.deliver_pending()
    assert (result.sent, result.failed) == (4, 4)
    assert len(sent) == 4 and {phone for phone, _ in sent} == {"13912345678"}
    assert tracking_no in sent[-1][1]
    assert all("number out of service" in m.last_error and m.sent_at is None
               for m in messages(app, case_id=bad_id))
    assert all(m.sent_at is not None for m in messages(app, case_id=good_id))


def test_misconfigured_senders_are_reported(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "SMS_GATEWAY", "no_colon_here")
        with pytest.raises(ValueError, match="module:Class"):
            outbox.senders()
        monkeypatch.setitem(app.config, "SMS_GATEWAY", "portal.domain.outbox:SmtpSender")
        with pytest.raises(ValueError, match="SmsGateway"):
            outbox.senders()
        monkeypatch.setitem(app.config, "SMS_GATEWAY", outbox.LoggingSmsGateway)
        monkeypatch.setitem(app.config, "OUTBOX_EMAIL_SENDER", "carrier-pigeon")
        with pytest.raises(ValueError, match="OUTBOX_EMAIL_SENDER"):
            outbox.senders()


def test_a_message_on_an_unknown_channel_fails_alone(app, city, make_case):
    case_id, *_ = released_case(app, city, make_case, drop_receipt=True)
    with app.app_context():
        db.session.add(OutboxMessage(channel="fax", recipient="0558-1234567", body="传真"))
        db.session.commit()
        result = outbox.deliver_pending()
    assert (result.sent, result.failed) == (4, 1)
    fax = messages(app, channel="fax")[0]
    assert fax.sent_at is None and "no sender for channel 'fax'" in fax.last_error


def test_built_emails_are_seven_bit_clean(app):
    message = OutboxMessage(id=7, channel="email", recipient="a@example.com", subject="您的诉求件已办结",
                            body="感谢您对阜阳12345的支持。")
    email = outbox.build_email(message, "阜阳12345 <noreply@example.gov.cn>")
    raw = email.as_bytes()
    raw.decode("ascii")  # headers RFC 2047-encoded, body base64: any relay takes it
    parsed = message_from_bytes(raw, policy=email_policy.default)
    assert parsed["Subject"] == "您的诉求件已办结"
    assert parsed.get_content().strip() == "感谢您对阜阳12345的支持。"
    assert parsed["Message-ID"].endswith("@example.gov.cn>")
