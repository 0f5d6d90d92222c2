"""The workflow module owns transitions and writes the append-only event log."""
import threading

import pytest
from sqlalchemy import select

from portal.domain import intake, workflow
from portal.extensions import db
from portal.models import Case, CaseEvent, Unit, User
from tests.helpers import POSTGRES_URL


def test_illegal_transition_is_refused_with_a_message(app, city, make_case):
    case_id, _, _ = make_case()
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        handler = db.session.get(User, city["users"]["handler"])
        with pytest.raises(workflow.IllegalTransition) as err:
            workflow.sign_for(case, handler)  # not assigned yet
        assert "无法" in str(err.value) or "not possible" in str(err.value)
        assert case.state == "submitted"


def test_events_are_append_only(app, make_case):
    case_id, _, _ = make_case()
    with app.app_context():
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id))
        event.note = "tampered"
        with pytest.raises(RuntimeError):
            db.session.flush()
        db.session.rollback()


def test_tracking_numbers_are_unique_with_a_readable_date(app, make_case):
    numbers = [make_case()[1] for _ in range(3)]
    assert len(set(numbers)) == 3
    assert all(n.startswith("FY") and len(n) == 20 and n[2:10].isdigit() for n in numbers)


@pytest.mark.skipif(not POSTGRES_URL, reason="concurrency is checked on PostgreSQL")
def test_tracking_numbers_unique_under_concurrent_submissions(app, city):
    results, errors = [], []
    barrier = threading.Barrier(8)

    def submit():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(5):
                    case, _ = intake.receive(intake.Submission(
                        category_id=city["leaf"], county_id=city["county"], town_id=None, address="并发路1号",
                        title="并发提交测试", description="同时提交的诉求，编号不能重复。", citizen_name="并发",
                        citizen_phone="13800000000"))
                    db.session.commit()
                    results.append(case.tracking_no)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 40 and len(set(results)) == 40


@pytest.mark.skipif(not POSTGRES_URL, reason="row-level concurrency is checked on PostgreSQL")
def test_two_dispatchers_at_once_one_wins_the_other_is_told(app, city, make_case):
    from sqlalchemy.orm.exc import StaleDataError

    case_id, _, _ = make_case()
    loaded, outcomes = threading.Barrier(2), []

    def dispatch(username, action):
        with app.app_context():
            user = db.session.get(User, city["users"][username])
            case = db.session.get(Case, case_id)
            loaded.wait()  # both have read the case in state "submitted"
            try:
                if action == "accept":
                    workflow.accept(case, user)
                else:
                    workflow.decline(case, user, "duplicate")
                db.session.commit()
                outcomes.append(("won", action))
            except StaleDataError:
                db.session.rollback()
                outcomes.append(("told", action))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=dispatch, args=("dispatcher", "accept")),
               threading.Thread(target=dispatch, args=("dispatcher_yz", "decline"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o[0] for o in outcomes) == ["told", "won"]
    winner = next(a for o, a in outcomes if o == "won")
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == ("accepted" if winner == "accept" else "declined")
        assert [e.action for e in case.events] == ["submit", winner]  # the loser wrote nothing


def test_a_units_active_lead_row_is_always_its_cases_lead_unit(app, city, make_case):
    """scope.visible_cases looks up only a unit's active co-handling rows beside Case.lead_unit_id: that holds
    because the workflow changes a case's lead unit and its active lead row together. Walk a case through
    assignment with a co-unit, return, keep, a consultation that changes the lead and a second one; after each step
    every unit sees exactly the cases the full rule (lead unit, or any active row) would show it, and counts them
    once."""
    from sqlalchemy import or_

    from portal.domain import keyset, scope
    from portal.models import CaseUnit

    def check():
        for unit_id in city["units"].values():
            full = set(db.session.scalars(select(Case.id).where(or_(
                Case.lead_unit_id == unit_id,
                Case.id.in_(select(CaseUnit.case_id).where(CaseUnit.unit_id == unit_id, CaseUnit.active.is_(True)))))))
            user = User(role="handler", unit_id=unit_id, active=True)  # a stand-in for the unit's handler
            assert set(db.session.scalars(scope.visible_cases(user).with_only_columns(Case.id))) == full
            # the lists' capped counts and the queue tabs read the scope's two arms apart: disjoint, together all
            led, co = (set(db.session.scalars(scope.unit_arm(user, arm).with_only_columns(Case.id)))
                       for arm in ("lead", "co"))
            assert led | co == full and not led & co, (unit_id, led, co)
            assert keyset.capped_count(scope.visible_cases(user)) == (len(full), False)
            assert keyset.capped_count(scope.visible_cases(user), cap=0) == (0, bool(full))
        stray = db.session.execute(select(CaseUnit.id).join(Case, Case.id == CaseUnit.case_id).where(
            CaseUnit.role == "lead", CaseUnit.active.is_(True), Case.lead_unit_id != CaseUnit.unit_id)).all()
        assert stray == []

    case_id, _, _ = make_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        unit = lambda code: db.session.get(Unit, city["units"][code])  # noqa: E731
        handler_of = lambda code: db.session.scalar(select(User).where(  # noqa: E731
            User.unit_id == city["units"][code], User.role == "handler"))
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, unit("cgj"), "general", co_units=[unit("jtj")])
        db.session.flush()
        check()
        workflow.return_case(case, handler_of("cgj"), "overlapping_duties", "不属于本单位职责。")
        db.session.flush()
        check()
        workflow.keep(case, dispatcher, "仍由原单位办理。")
        db.session.flush()
        check()
        workflow.sign_for(case, handler_of("cgj"))
        workflow.consult(case, dispatcher, unit("jtj"), [unit("cgj")], 15, "会商：交通局牵头。")
        db.session.flush()
        check()
        workflow.consult(case, dispatcher, unit("cgj"), [], 15, "再次会商：城管局牵头。")
        db.session.flush()
        check()
        db.session.rollback()
