"""`flask demo` and `flask create-user`."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, CaseEvent, Category, Platform, Region, Role, Unit, User


def test_demo_loads_the_city_and_prints_logins(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "--cases", "60"])
    assert result.exit_code == 0, result.output
    assert "operator" in result.output and "demo12345" in result.output
    assert "FY" in result.output  # sample tracking numbers with their query codes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform).where(Platform.kind == "county")) == 8
        assert db.session.scalar(select(func.count()).select_from(Platform).where(Platform.kind == "city")) == 1
        assert db.session.scalar(select(func.count()).select_from(Platform).where(Platform.kind == "sector")) >= 2
        assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.kind == "city_department")) >= 12
        assert db.session.scalar(select(func.count()).select_from(Region).where(Region.parent_id.is_(None))) == 8
        assert db.session.scalar(select(func.max(Category.level))) >= 3
        assert {r for (r,) in db.session.execute(select(User.role).distinct())} >= set(Role.ALL)
        from portal.models import Salon, Suggestion
        cases = db.session.scalars(select(Case)).all()
        salon_made = db.session.scalar(select(func.count(Suggestion.id)).where(Suggestion.case_id.is_not(None)))
        from portal.demo.cases import REPEAT_CALL_CASES, REPEAT_CALLERS
        from portal.demo.governance import PLANTED_CASES  # the two planted hotspots

        # adopted suggestions, the earlier cases "in hand" ones link to, the callers who rang back
        assert len(cases) == 60 + salon_made + PLANTED_CASES + REPEAT_CALL_CASES
        assert db.session.scalar(select(func.count(Salon.id))) == 6
        assert db.session.scalar(select(func.count(Suggestion.id))) == 39
        assert len({c.state for c in cases}) >= 4  # realistic spread of states
        assert len({c.channel for c in cases}) >= 3
        assert db.session.scalar(select(func.count(CaseEvent.id))) > 60
        repeats = [c for c in cases if c.repeat_of_id]
        assert len(repeats) == REPEAT_CALL_CASES - len(REPEAT_CALLERS)  # every call back, linked to the first call
        for repeat in repeats:
            first = db.session.get(Case, repeat.repeat_of_id)
            assert first.caller_phone_key == repeat.caller_phone_key and first.category_id == repeat.category_id
            assert first.repeat_of_id is None and first.received_at < repeat.received_at
        waiting = {c.tracking_no: c.repeat_of_id for c in repeats if c.state == "submitted"}
    assert waiting
    client.login("dispatcher")  # the dispatcher sees them flagged, with a link to the first call
    page = client.get("/staff/queue?tab=new").get_data(as_text=True)
    for tracking_no, first_id in waiting.items():
        row = next(tr for tr in page.split("<tr")[1:] if tracking_no in tr)
        assert "repeat-flag" in row and f"/staff/cases/{first_id}" in row
    again = app.test_cli_runner().invoke(args=["demo"])
    assert "already" in again.output  # not loaded twice


def test_create_user(app, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "wang", "--name", "王五", "--role", "handler", "--unit", "cgj"],
                           input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "wang"))
        assert user.unit.code == "cgj" and user.check_password("s3cret-pass")
    result = runner.invoke(args=["create-user", "li", "--name", "李", "--role", "handler"], input="x\nx\n")
    assert result.exit_code != 0 and "--unit" in result.output
