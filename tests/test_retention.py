"""`flask retention run`: contact details of cases closed more than RETENTION_YEARS (or --years) years ago are
anonymised, the case's text is masked, each case logs it; idempotent; --dry-run changes nothing."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, CaseEvent
from portal.models.base import utcnow


def _close(app, case_id, years_ago: float, state="closed"):
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.state = state  # test set-up of history; the workflow's clock is not what is under test
        case.closed_at = utcnow() - timedelta(days=365.25 * years_ago)
        case.reply_text = f"已联系{case.citizen_name}（13812345678）现场核实并处理。"
        db.session.commit()


def test_retention_anonymises_only_long_closed_cases_and_logs_it(app, make_case):
    old, old_no, _ = make_case(citizen_name="张三丰", citizen_phone="13812345678", citizen_email="zsf@example.com",
                               title="张三丰反映路灯", description="我是张三丰，电话13812345678，邮箱zsf@example.com，"
                               "身份证340102199001011234。")
    recent, _, _ = make_case(citizen_name="李四光", citizen_phone="13900001111")
    still_open, _, _ = make_case(citizen_name="王五", citizen_phone="13700002222")
    _close(app, old, years_ago=6)
    _close(app, recent, years_ago=2)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0 and "would anonymise 1 case(s)" in dry.output and old_no in dry.output
    with app.app_context():
        assert db.session.get(Case, old).citizen_phone == "13812345678"  # the dry run changed nothing

    result = runner.invoke(args=["retention", "run"])  # RETENTION_YEARS = 5
    assert result.exit_code == 0 and "anonymised 1 case(s)" in result.output and old_no in result.output
    with app.app_context():
        case = db.session.get(Case, old)
        assert (case.citizen_name, case.citizen_phone, case.citizen_email, case.hide_name) == ("匿名", "", None, True)
        text = " ".join([case.title, case.description, case.reply_text])
        for secret in ("张三丰", "13812345678", "zsf@example.com", "340102199001011234"):
            assert secret not in text
        assert "路灯" in case.title  # the substance stays
        events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == old,
                                                            CaseEvent.action == "contact_anonymised")).all()
        assert len(events) == 1 and not events[0].public
        assert db.session.get(Case, recent).citizen_phone == "13900001111"
        assert db.session.get(Case, still_open).citizen_phone == "13700002222"

    again = runner.invoke(args=["retention", "run"])
    assert again.exit_code == 0 and "anonymised 0 case(s)" in again.output  # idempotent

    shorter = runner.invoke(args=["retention", "run", "--years", "1"])
    assert "anonymised 1 case(s)" in shorter.output
    with app.app_context():
        assert db.session.get(Case, recent).citizen_name == "匿名"


def test_retention_period_is_a_setting(app, make_case):
    case_id, _, _ = make_case()
    _close(app, case_id, years_ago=3)
    app.config["RETENTION_YEARS"] = 2
    try:
        result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    finally:
        app.config["RETENTION_YEARS"] = 5
    assert "would anonymise 1 case(s)" in result.output and "retention 2 years" in result.output
    bad = app.test_cli_runner().invoke(args=["retention", "run", "--years", "0"])
    assert bad.exit_code != 0
