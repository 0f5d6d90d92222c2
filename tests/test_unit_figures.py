"""A unit's own figures: the rankings' formulas, the unit's rank, and the cases behind each number."""
import re

from sqlalchemy import select

from portal.domain import metrics, unit_figures
from portal.extensions import db
from portal.models import Case, Unit
from tests.helpers import as_user


def _cgj() -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == "cgj"))


def _demo(app, count=300, days=70):
    from portal.demo import cases, reference

    with app.app_context():
        ref = reference.load_reference()
        cases.generate(ref, count=count, days=days)
        db.session.commit()


def test_the_cases_behind_each_figure_add_up_to_the_figure(app):
    _demo(app)
    with app.test_request_context():
        units = db.session.scalars(select(Unit)).all()
        checked = 0
        for key in ("this_month", "last_month", "year"):
            p = unit_figures.period(key)
            every = metrics.unit_metrics(p.start, p.end)
            for unit in units:
                if not unit_figures.rolls_up(unit):
                    figures = metrics.unit_metrics(p.start, p.end, unit_ids=[unit.id], roll_up=False)[unit.id]
                else:
                    figures = every.get(unit.id)
                    if figures is None:
                        continue
                assert unit_figures.cohort_counts(unit, p, "volume") == (figures.volume, figures.volume)
                for rate in metrics.RATE_KEYS:
                    r = figures.rates[rate]
                    assert unit_figures.cohort_counts(unit, p, rate) == (r.num, r.den), (unit.code, key, rate)
                    checked += r.den
        assert checked > 100  # the demo gave every cohort something to compare


def test_unit_lead_reads_the_figures_and_opens_the_cases_behind_one(app):
    _demo(app, count=200, days=40)
    lead = as_user(app, "unit_lead")
    page = lead.get("/staff/unit-figures/").get_data(as_text=True)
    assert "市城市管理局" in page or "cgj" in page
    with app.test_request_context():
        unit = _cgj()
        p = unit_figures.period("year")
        figures = metrics.unit_metrics(p.start, p.end)[unit.id]
    assert f'>{figures.volume}</a>' in page
    links = re.findall(r'href="(/staff/unit-figures/cases\?[^"]+)"', page)
    volume_link = next(link.replace("&amp;", "&") for link in links if "metric=volume" in link and "period=year" in link)
    listing = lead.get(volume_link)
    assert listing.status_code == 200
    listed = set(re.findall(r'href="/staff/cases/(\d+)"', listing.get_data(as_text=True)))
    with app.app_context():
        ids = {str(cid) for cid, _hit in unit_figures.cohort(_cgj(),
                                                             unit_figures.period("year"), "volume")}
        # only cases in the lead's scope are listed, and every listed one is behind the figure
        from portal.domain import scope
        from portal.models import User

        user = db.session.scalar(select(User).where(User.username == "unit_lead"))
        visible = {str(i) for i in db.session.scalars(scope.visible_cases(user).where(Case.id.in_(
            [int(i) for i in ids])).with_only_columns(Case.id))}
    assert listed == visible and listed <= ids and listed


def test_rank_matches_the_live_ranking(app):
    _demo(app, count=200, days=40)
    from portal.domain import periods, rankings

    with app.test_request_context():
        unit = _cgj()
        mine = unit_figures.figures_for(unit)
        live = rankings.compute(periods.month_text(periods.today()))
        row = next(r for r in live[unit.ranking_group] if r.unit_id == unit.id)
        assert mine[0].rank == row.rank


def test_figures_are_for_unit_staff_only(app, city):
    assert as_user(app, "operator").get("/staff/unit-figures/").status_code == 403
    assert as_user(app, "handler").get("/staff/unit-figures/").status_code == 200
    bad = as_user(app, "handler").get("/staff/unit-figures/cases?metric=nope&period=year")
    assert bad.status_code == 404


def test_the_cases_behind_a_figure_stay_inside_the_users_scope(app):
    """A supervisor may look at any unit's figures; a handler only at their own unit's, and only at cases they
    may open."""
    _demo(app, count=120, days=30)
    with app.app_context():
        other = db.session.scalar(select(Unit).where(Unit.code != "cgj", Unit.ranking_group == "city_department"))
        other_id = other.id
    handler = as_user(app, "handler")
    page = handler.get(f"/staff/unit-figures/?unit={other_id}").get_data(as_text=True)  # ?unit= is ignored
    with app.app_context():
        assert _cgj().name_zh in page
    listing = handler.get(f"/staff/unit-figures/cases?metric=volume&period=year&unit={other_id}").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'href="/staff/cases/(\d+)"', listing)}
    with app.app_context():
        assert all(db.session.get(Case, i).lead_unit_id == _cgj().id or
                   any(cu.unit_id == _cgj().id and cu.active for cu in db.session.get(Case, i).units) for i in listed)
    supervisor = as_user(app, "supervisor")
    with app.app_context():
        other_name = db.session.get(Unit, other_id).name_zh
    assert other_name in supervisor.get(f"/staff/unit-figures/?unit={other_id}").get_data(as_text=True)


def test_supervisors_choose_a_unit_first(app):
    _demo(app, count=20, days=10)
    supervisor = as_user(app, "supervisor")
    page = supervisor.get("/staff/unit-figures/").get_data(as_text=True)
    assert 'name="unit"' in page
    with app.app_context():
        assert _cgj().name_zh in page


def test_a_units_figures_are_computed_once_for_every_unit(app, count_queries, shared_cache):
    """The three periods' figures of every unit are kept in the shared cache (a year at city scale takes far
    longer than a page may): another unit's lead reads the same computation, with the same numbers."""
    _demo(app, count=120, days=40)
    lead = as_user(app, "unit_lead")
    computing = count_queries(lambda: lead.get("/staff/unit-figures/"))
    reading = count_queries(lambda: lead.get("/staff/unit-figures/"))
    assert reading <= computing - 3 * 4, (computing, reading)  # no GROUP BY of any period again
    with app.test_request_context():
        p = unit_figures.period("year")
        cached = metrics.cached_unit_metrics(p.start, p.end)[1][_cgj().id]
        assert cached.as_dict() == metrics.unit_metrics(p.start, p.end)[_cgj().id].as_dict()
