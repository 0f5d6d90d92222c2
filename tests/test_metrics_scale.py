"""The rankings at city scale: the assignment cohort's query was rewritten so that its cost follows the period's
assignments, not the size of the table (a lead row of the period with no earlier lead row for the same unit, instead
of the minimum over every lead row of the touched cases). The figures must not change: here the rewritten query is
compared with the original formulation on varied histories, and the ranking page runs a fixed number of queries."""
from datetime import date

import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from portal.domain import metrics, periods, workflow
from portal.domain.metrics import _count_if, _ranking_key, _sign_due_of
from portal.extensions import db
from portal.models import CaseEvent, CaseUnit, Unit
from tests.helpers import Desk, T, as_user, october_fixture


def original_assignment_cohort(start_day: date, end_day: date, roll_up: bool) -> dict[int, tuple[int, int, int]]:
    """{unit: (volume, responded, returned)} as the first version of metrics.unit_metrics computed them."""
    start, end = periods.instants(start_day, end_day)
    U = aliased(Unit, name="ru")
    key = _ranking_key(U, roll_up)
    cu = aliased(CaseUnit, name="cu")
    touched = select(CaseUnit.case_id).where(CaseUnit.role == "lead", CaseUnit.assigned_at >= start,
                                             CaseUnit.assigned_at < end)
    first_at = func.min(cu.assigned_at)
    pairs = (select(cu.case_id.label("case_id"), key.label("unit_id"),
                    _sign_due_of(first_at, start_day, end_day).label("sign_due"))
             .join(U, U.id == cu.unit_id)
             .where(cu.role == "lead", cu.case_id.in_(touched))
             .group_by(cu.case_id, key)
             .having(and_(first_at >= start, first_at < end))
             .subquery("pairs"))

    def by_pair_unit(action_condition, extra=None):
        e, eu = aliased(CaseEvent, name="pe"), aliased(Unit, name="peu")
        conditions = [e.case_id == pairs.c.case_id, _ranking_key(eu, roll_up) == pairs.c.unit_id,
                      action_condition(e)]
        if extra is not None:
            conditions.append(extra(e))
        return select(e.id).join(eu, eu.id == e.unit_id).where(*conditions).exists()

    responded = by_pair_unit(
        lambda e: or_(e.action.in_(("sign_for", "rehandle")), and_(e.action == "consult", e.from_state == "handling")),
        lambda e: e.at <= pairs.c.sign_due)
    returned = by_pair_unit(lambda e: e.action == "return")
    rows = db.session.execute(select(pairs.c.unit_id, func.count(), _count_if(responded), _count_if(returned))
                              .group_by(pairs.c.unit_id))
    return {unit_id: (int(n), int(r), int(b)) for unit_id, n, r, b in rows}


def more_history(city) -> None:
    """Besides the October fixture: a town office's case taken over by its county, a case assigned in September,
    returned and assigned to the same unit again in October, a consultation on a case in handling, a case assigned
    on the last evening of October and one early on 1 November (Beijing time)."""
    d = Desk(city)
    town_then_county = d.assign("town-yingzhou-1", T(2026, 9, 29, 10))
    d.give_back(town_then_county, T(2026, 9, 29, 15))
    d.assign("gov-yingzhou", T(2026, 10, 9, 10), case=town_then_county)
    d.sign(town_then_county, T(2026, 10, 9, 11))
    again = d.assign("cgj", T(2026, 9, 30, 10))
    d.give_back(again, T(2026, 9, 30, 11))
    d.assign("cgj", T(2026, 10, 8, 10), case=again)
    consulted = d.assign("jtj", T(2026, 10, 19, 10))
    d.sign(consulted, T(2026, 10, 19, 11))
    workflow.consult(consulted, d.user("dispatcher"), d.unit("zjj"), [d.unit("jtj")], 15, "会商确定牵头单位。",
                     at=T(2026, 10, 20, 10))
    d.assign("scjgj", T(2026, 10, 31, 23, 30))
    late = d.assign("scjgj", T(2026, 11, 1, 0, 30))
    d.give_back(late, T(2026, 11, 2, 10))
    db.session.commit()


@pytest.mark.parametrize("roll_up", [True, False])
def test_the_assignment_cohort_is_unchanged(app, city, roll_up):
    october_fixture(app, city)
    with app.app_context():
        more_history(city)
        for first, last in ((date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 10, 31)),
                            (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 9), date(2026, 10, 20))):
            expected = original_assignment_cohort(first, last, roll_up)
            result = metrics.unit_metrics(first, last, roll_up=roll_up)
            got = {u: (f.volume, f.rates["response"].num, f.rates["return"].num)
                   for u, f in result.items() if f.volume}
            assert got == {u: v for u, v in expected.items() if u in result}, (first, last)
            if first == date(2026, 10, 1):
                assert sum(v[0] for v in got.values()) >= 10


def test_the_ranking_page_runs_a_fixed_number_of_queries(app, city, count_queries):
    supervisor = as_user(app, "supervisor")
    with app.app_context():
        d = Desk(city)
        d.sign(d.assign("cgj", T(2026, 10, 12)), T(2026, 10, 12, 11))
        db.session.commit()
    few = count_queries(lambda: supervisor.get("/staff/rankings?month=2026-10"))
    october_fixture(app, city)
    with app.app_context():
        more_history(city)
    many = count_queries(lambda: supervisor.get("/staff/rankings?month=2026-10"))
    assert few == many, (few, many)


def _without_recorded_facts() -> None:
    """Events as written before replies recorded their deadline and ratings their unit (a Core UPDATE: the ORM
    refuses to change events; the test's transaction is thrown away)."""
    table = CaseEvent.__table__
    for event_id, data in db.session.execute(select(table.c.id, table.c.data)
                                                     .where(table.c.action.in_(("reply", "evaluate")))).all():
        stripped = {k: v for k, v in (data or {}).items() if k not in ("due_at", "rated_unit_id")}
        db.session.execute(table.update().where(table.c.id == event_id).values(data=stripped or None))


@pytest.mark.parametrize("roll_up", [True, False])
def test_recorded_facts_give_the_figures_the_look_ups_give(app, city, roll_up):
    """The reply records the deadline in force and the rating the unit whose reply was rated: the ranking reads
    them instead of one look-up per reply and per rating; events written before look them up. Same figures."""
    october_fixture(app, city)
    with app.app_context():
        more_history(city)
        replies = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "reply")).all()
        ratings = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "evaluate")).all()
        assert replies and all(e.data["due_at"] for e in replies)
        assert ratings and all(e.data["rated_unit_id"] for e in ratings)
        periods = ((date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 10, 14), date(2026, 10, 20)),
                   (date(2026, 11, 1), date(2026, 11, 30)))

        def figures():
            return [{u: f.as_dict() for u, f in metrics.unit_metrics(a, b, roll_up=roll_up).items()}
                    for a, b in periods]

        recorded = figures()
        _without_recorded_facts()
        assert not db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action == "reply", CaseEvent.data["due_at"].as_string().is_not(None)))
        looked_up = figures()
        db.session.rollback()
    assert recorded == looked_up
    october = recorded[0]
    assert sum(f["rates"]["on_time"]["den"] for f in october.values()) >= 4
    assert sum(f["rates"]["rehandling"]["num"] for f in october.values()) >= 1
    assert sum(f["rates"]["satisfaction"]["den"] for f in october.values()) >= 3
