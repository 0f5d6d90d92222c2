"""A unit's capped counts add the two arms of its scope (led by the unit; co-handled, led by another). The split is
only made where the arms' counts add up to the query's: the scope ANDed into the WHERE, once."""
from sqlalchemy import func, or_, select

from portal.domain import keyset, scope, workflow
from portal.extensions import db
from portal.models import Case, Unit, User


def _exact(query) -> int:
    return db.session.scalar(select(func.count()).select_from(
        query.with_only_columns(Case.id).order_by(None).subquery()))


def test_counts_add_up_whatever_the_shape_of_the_query(app, city, make_case):
    ids = [make_case(title=f"路灯不亮{i}")[0] for i in range(4)]
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        unit = lambda code: db.session.get(Unit, city["units"][code])  # noqa: E731
        cases = [db.session.get(Case, case_id) for case_id in ids]
        for case in cases:
            workflow.accept(case, dispatcher)
        workflow.assign(cases[0], dispatcher, unit("cgj"), "general")
        workflow.assign(cases[1], dispatcher, unit("cgj"), "general")
        workflow.assign(cases[2], dispatcher, unit("jtj"), "general", co_units=[unit("cgj")])
        db.session.flush()
        cgj = User(role="handler", unit_id=city["units"]["cgj"], active=True)
        jtj_scope = scope.unit_scope(city["units"]["jtj"])
        mine = scope.visible_cases(cgj)
        assert len(scope.count_arms(mine)) == 2  # the shape the lists use is split
        shapes = {
            "the unit's lists": mine,
            "with a filter": mine.where(Case.state == "assigned"),
            "or another case": select(Case).where(or_(scope.unit_scope(cgj.unit_id), Case.id == ids[3])),
            "not the unit's": select(Case).where(~scope.unit_scope(cgj.unit_id)),
            "beside another unit's scope": mine.where(jtj_scope),
            "inside a sub-query": select(Case).where(Case.id.in_(mine.with_only_columns(Case.id)), Case.id > 0),
        }
        for name, query in shapes.items():
            assert keyset.capped_count(query) == (_exact(query), False), name
        assert _exact(mine) == 3 and _exact(shapes["beside another unit's scope"]) == 1
        db.session.rollback()
