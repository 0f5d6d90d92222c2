"""`flask sweep`: overdue cases are escalated once and their unit reminded, late sign-fors are reminded,
unrated replies close as not evaluated; a second run changes nothing."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.domain import sweep, workflow
from portal.extensions import db
from portal.models import Case, CaseEvent, OutboxMessage, Unit
from tests.helpers import _users, assigned_case, now, set_email

HANDLER_EMAIL = "chengang@cgj.example.gov.cn"


def released_case(app, city, make_case, at: datetime) -> int:
    case_id, _ = assigned_case(app, city, make_case, at)
    with app.app_context():
        case = db.session.get(Case, case_id)
        users = _users(city)
        workflow.draft_reply(case, users["handler"], "resolved", "已处理完毕。", at=at + timedelta(hours=2))
        workflow.approve_reply(case, users["unit_lead"], at=at + timedelta(hours=3))
        workflow.release(case, users["dispatcher"], at=at + timedelta(hours=4))
        db.session.commit()
    return case_id


def run(app, at=None) -> sweep.SweepSummary:
    with app.app_context():
        return sweep.sweep(at)


def events(app, case_id, action=None) -> list[CaseEvent]:
    with app.app_context():
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        if action:
            query = query.where(CaseEvent.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def staff_mail(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == HANDLER_EMAIL)
                                       .order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_an_overdue_case_is_escalated_once(app, city, make_case):
    overdue_id, tracking_no = assigned_case(app, city, make_case, now() - timedelta(days=30))
    fresh_id, _ = assigned_case(app, city, make_case, now())
    with app.app_context():
        assert db.session.get(Case, overdue_id).due_at < now() < db.session.get(Case, fresh_id).due_at

    summary = run(app)
    assert summary.escalated == 1 and summary.closed_unevaluated == 0
    [escalation] = events(app, overdue_id, "escalate")
    assert escalation.actor_id is None and not escalation.public and escalation.from_state == "handling"
    with app.app_context():
        case = db.session.get(Case, overdue_id)
        assert case.escalated_at is not None and case.state == "handling"
        assert db.session.get(Case, fresh_id).escalated_at is None
    assert events(app, fresh_id, "escalate") == []

    count_events, count_outbox = len(events(app, overdue_id)), outbox_count(app)
    again = run(app)
    assert not again.changed
    assert len(events(app, overdue_id)) == count_events and outbox_count(app) == count_outbox


def test_the_deadline_is_the_boundary(app, city, make_case):
    case_id, _ = assigned_case(app, city, make_case, now(), priority="urgent")
    with app.app_context():
        due_at = db.session.get(Case, case_id).due_at
    assert run(app, due_at - timedelta(minutes=1)).escalated == 0
    assert run(app, due_at + timedelta(minutes=1)).escalated == 1
    [escalation] = events(app, case_id, "escalate")
    assert escalation.at == due_at + timedelta(minutes=1)


def test_escalation_reminds_the_lead_units_staff_who_have_an_email(app, city, make_case):
    set_email(app, city, "handler", HANDLER_EMAIL)  # the unit lead has no email: skipped
    set_email(app, city, "handler_yz", "sunli@yingzhou.example.gov.cn")  # another unit: not told
    _, tracking_no = assigned_case(app, city, make_case, now() - timedelta(days=30))

    summary = run(app)
    assert (summary.escalated, summary.overdue_reminders, summary.sign_reminders) == (1, 1, 0)
    [reminder] = staff_mail(app)
    assert reminder.channel == "email" and reminder.sent_at is None
    assert tracking_no in reminder.subject and tracking_no in reminder.body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == "sunli@yingzhou.example.gov.cn")) == 0

    assert not run(app).changed
    assert len(staff_mail(app)) == 1


def test_a_case_not_signed_for_in_time_is_reminded_once_per_assignment(app, city, make_case):
    set_email(app, city, "handler", HANDLER_EMAIL)
    set_email(app, city, "unit_lead", "zhoutao@cgj.example.gov.cn")
    case_id, tracking_no = assigned_case(app, city, make_case, now() - timedelta(days=30), sign=False)

    summary = run(app)
    # overdue too: escalated, and both unit staff get the overdue reminder and the sign-for reminder
    assert (summary.escalated, summary.overdue_reminders, summary.sign_reminders) == (1, 2, 2)
    assert len(staff_mail(app)) == 2
    assert not run(app).changed

    # the unit hands it back, the dispatcher assigns it again: a new sign-for deadline, a new reminder
    with app.test_request_context():  # the return reason's label needs the request's locale
        case = db.session.get(Case, case_id)
        users = _users(city)
        workflow.return_case(case, users["handler"], "unclear_ownership", "不属于本单位职责。")
        workflow.assign(case, users["dispatcher"], db.session.get(Unit, city["units"]["cgj"]), "general")
        db.session.commit()
        sign_due_at, due_at = case.sign_due_at, case.due_at
    assert not run(app, sign_due_at - timedelta(minutes=1)).changed
    later = run(app, sign_due_at + timedelta(minutes=1))
    assert (later.escalated, later.sign_reminders) == (0, 2)
    assert len(staff_mail(app)) == 3
    assert not run(app, sign_due_at + timedelta(minutes=2)).changed
    assert run(app, due_at + timedelta(minutes=1)).escalated == 1  # its new deadline is escalated again
    assert len(events(app, case_id, "escalate")) == 2


def test_an_unrated_reply_closes_as_not_evaluated(app, city, make_case):
    old_id = released_case(app, city, make_case, now() - timedelta(days=30))
    recent_id = released_case(app, city, make_case, now() - timedelta(days=2))

    summary = run(app)
    assert summary.closed_unevaluated == 1
    [close] = events(app, old_id, "close")
    assert close.public and close.from_state == "awaiting_evaluation" and close.to_state == "closed"
    assert close.data == {"evaluated": False}
    with app.app_context():
        old = db.session.get(Case, old_id)
        assert old.state == "closed" and old.closed_at is not None and old.satisfaction is None
        assert db.session.get(Case, recent_id).state == "awaiting_evaluation"
        # the citizen is told their case closed
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.case_id == old_id, OutboxMessage.created_at >= close.at - timedelta(seconds=1),
            OutboxMessage.channel == "sms")) >= 1
    outbox_before = outbox_count(app)
    assert not run(app).changed
    assert outbox_count(app) == outbox_before and len(events(app, old_id, "close")) == 1


def test_evaluation_days_is_a_setting(app, city, make_case, monkeypatch):
    monkeypatch.setitem(app.config, "EVALUATION_DAYS", 3)
    case_id = released_case(app, city, make_case, now() - timedelta(days=4))
    assert run(app).closed_unevaluated == 1
    with app.app_context():
        assert db.session.get(Case, case_id).state == "closed"


def test_a_rated_case_is_left_alone(app, city, make_case):
    case_id = released_case(app, city, make_case, now() - timedelta(days=30))
    with app.app_context():
        workflow.evaluate(db.session.get(Case, case_id), "resolved", "satisfied", at=now() - timedelta(days=29))
        db.session.commit()
    assert not run(app).changed
    assert events(app, case_id, "close") == []


def test_the_sweep_queries_in_bulk(app, city, make_case):
    """The number of SELECTs does not grow with the number of cases swept."""
    set_email(app, city, "handler", HANDLER_EMAIL)

    def selects_for(cases: int) -> int:
        past = now() - timedelta(days=30)
        for _ in range(cases):
            assigned_case(app, city, make_case, past)
            assigned_case(app, city, make_case, past, sign=False)
            released_case(app, city, make_case, past)
        statements = []

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)
        with app.app_context():
            engine = db.engine
            event.listen(engine, "before_cursor_execute", count)
            try:
                summary = sweep.sweep()
            finally:
                event.remove(engine, "before_cursor_execute", count)
        assert summary.escalated == 2 * cases and summary.closed_unevaluated == cases
        return len(statements)

    one = selects_for(1)
    assert one <= 6  # three kinds of case, the units' staff, the reminders already queued, expired articles
    assert selects_for(4) == one


def test_flask_sweep_runs_from_the_cli(app, city, make_case):
    assigned_case(app, city, make_case, now() - timedelta(days=30))
    released_case(app, city, make_case, now() - timedelta(days=30))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "escalated 1" in result.output and "closed unevaluated 1" in result.output
    again = runner.invoke(args=["sweep"]).output
    assert "escalated 0" in again and "closed unevaluated 0" in again


@pytest.mark.parametrize("state_step", ["replied", "closed"])
def test_cases_out_of_the_units_hands_are_not_escalated(app, city, make_case, state_step):
    case_id, _ = assigned_case(app, city, make_case, now() - timedelta(days=30))
    with app.app_context():
        case = db.session.get(Case, case_id)
        users = _users(city)
        workflow.draft_reply(case, users["handler"], "resolved", "已处理。", at=now() - timedelta(days=29))
        workflow.approve_reply(case, users["unit_lead"], at=now() - timedelta(days=29))
        if state_step == "closed":
            workflow.release(case, users["dispatcher"], at=now() - timedelta(days=29))
            workflow.evaluate(case, "resolved", "satisfied", at=now() - timedelta(days=28))
        db.session.commit()
    assert run(app).escalated == 0
