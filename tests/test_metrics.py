"""Per-unit figures against hand-computed fixtures: cases driven through the workflow with explicit timestamps.

October 2026 on the official calendar: 1–7 Oct are National Day holidays (8 Oct is a working Thursday) and
Saturday 10 Oct is a swapped working day (调休). Deadlines: general 5 working days, simple/urgent 2, sign-for 1,
counted from the day after, due at the end of the last day (Beijing time).
"""
from datetime import date

import pytest

from portal.domain import metrics
from portal.extensions import db
from portal.models import Unit
from tests.helpers import Desk, T, october_fixture


def figures(result, unit_id) -> dict:
    f = result[unit_id]
    return {"volume": f.volume, **{k: (r.num, r.den) for k, r in f.rates.items()}}


def test_october_figures_by_hand(app, city):
    units = october_fixture(app, city)
    with app.app_context():
        result = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31))
        # A = 市城市管理局
        #   volume: cases 1, 2, 3, 4, 5 first assigned to A in October (6 was in September)        = 5
        #   response: 1 yes, 2 late, 3 yes, 4 returned (not signed), 5 yes (2 Nov ≤ 2 Nov)          = 3/5
        #   completion: due in October with A as lead: 1 (19th, closed), 2 (15th, closed),
        #               3 (20th after re-handling, closed), 6 (10th, still handling); 4 is B's       = 3/4
        #   on-time: replies approved in October: 1 on time, 2 late, 3 twice on time                 = 3/4
        #   re-handling: case 3's first reply was rejected and re-handled                           = 1/4
        #   ratings: 1 resolved+satisfied, 2 partly+basically, 3 not resolved+dissatisfied,
        #            3 resolved+satisfied: resolved 2 of 4, satisfied or basically 3 of 4
        #   return: case 4                                                                          = 1/5
        assert figures(result, units["cgj"]) == {
            "volume": 5, "response": (3, 5), "completion": (3, 4), "on_time": (3, 4), "resolution": (2, 4),
            "satisfaction": (3, 4), "return": (1, 5), "rehandling": (1, 4)}
        # B = 市交通运输局: cases 4 and 7 (7 counted once although kept after its return); both signed in time;
        #   completion: 4 due 28 Oct, awaiting evaluation = 0/1 (7 is due 2 Nov); 4 replied on time 1/1;
        #   no rating; return: 7 = 1/2
        assert figures(result, units["jtj"]) == {
            "volume": 2, "response": (2, 2), "completion": (0, 1), "on_time": (1, 1), "resolution": (0, 0),
            "satisfaction": (0, 0), "return": (1, 2), "rehandling": (0, 1)}
        # G = 颍州区人民政府 with its town office's case 8: volume 2 (8, 9); response 1/2 (9 late);
        #   completion: 8 closed, 9 open = 1/2; reply 8 on time 1/1; rating 8: 1/1, 1/1
        assert figures(result, units["gov-yingzhou"]) == {
            "volume": 2, "response": (1, 2), "completion": (1, 2), "on_time": (1, 1), "resolution": (1, 1),
            "satisfaction": (1, 1), "return": (0, 2), "rehandling": (0, 1)}
        assert units["town-yingzhou-1"] not in result  # rolled up into its county
        # H = 颍东区人民政府: only a rating in October; every other denominator is 0
        h = result[units["gov-yingdong"]]
        assert figures(result, units["gov-yingdong"]) == {
            "volume": 0, "response": (0, 0), "completion": (0, 0), "on_time": (0, 0), "resolution": (1, 1),
            "satisfaction": (1, 1), "return": (0, 0), "rehandling": (0, 0)}
        assert h.rates["response"].value is None and h.rates["satisfaction"].value == 1.0
        # C = 市生态环境局: no case at all
        c = result[units["sthjj"]]
        assert c.volume == 0 and all(r.value is None for r in c.rates.values())

        # Composite (30 response, 35 resolution, 35 satisfaction):
        #   A: 30×0.6 + 35×0.5 + 35×0.75 = 18 + 17.5 + 26.25 = 61.75 (÷ 100 weight, × 100 scale)
        #   B: no rating → resolution and satisfaction left out, weights renormalised: 30×1.0 / 30 → 100.0
        #   G: 30×0.5 + 35×1 + 35×1 = 85.0
        #   H and C: no assigned case → no score
        assert metrics.composite(result[units["cgj"]]) == 61.75
        assert metrics.composite(result[units["jtj"]]) == 100.0
        assert metrics.composite(result[units["gov-yingzhou"]]) == 85.0
        assert metrics.composite(h) is None and metrics.composite(c) is None


def test_re_handling_by_another_unit(app, city):
    with app.app_context():
        d = Desk(city)
        # 市交通运输局 (B): assigned Mon 12 Oct, signed, replied 13 Oct, rated dissatisfied 14 Oct; the supervisor
        # sends it to 市住房和城乡建设局 (Z) on Thu 15 Oct (urgent: due Mon 19 Oct); Z replies 16 Oct, rated 17 Oct.
        case = d.assign("jtj", T(2026, 10, 12, 10))
        d.sign(case, T(2026, 10, 12, 11))
        d.reply(case, T(2026, 10, 13, 10))
        d.rate(case, "not_resolved", "dissatisfied", T(2026, 10, 14, 10))
        d.rehandle(case, "zjj", T(2026, 10, 15, 10))
        d.reply(case, T(2026, 10, 16, 10))
        d.rate(case, "resolved", "satisfied", T(2026, 10, 17, 10))
        db.session.commit()
        result = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31))
        units = city["units"]
        # B: 1 assigned, signed in time; its reply on time but rejected and re-handled (1/1); rated dissatisfied;
        #    the case's deadline and lead are Z's now, so B has no completion figure
        assert figures(result, units["jtj"]) == {
            "volume": 1, "response": (1, 1), "completion": (0, 0), "on_time": (1, 1), "resolution": (0, 1),
            "satisfaction": (0, 1), "return": (0, 1), "rehandling": (1, 1)}
        # Z: received it on 15 Oct already under way (the workflow signs for it): response 1/1; due 19 Oct, closed;
        #    replied on time; rated resolved and satisfied
        assert figures(result, units["zjj"]) == {
            "volume": 1, "response": (1, 1), "completion": (1, 1), "on_time": (1, 1), "resolution": (1, 1),
            "satisfaction": (1, 1), "return": (0, 1), "rehandling": (0, 1)}


def test_without_roll_up_the_town_office_has_its_own_figures(app, city):
    units = october_fixture(app, city)
    with app.app_context():
        result = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31), roll_up=False)
        assert figures(result, units["town-yingzhou-1"]) == {
            "volume": 1, "response": (1, 1), "completion": (1, 1), "on_time": (1, 1), "resolution": (1, 1),
            "satisfaction": (1, 1), "return": (0, 1), "rehandling": (0, 1)}
        assert figures(result, units["gov-yingzhou"])["volume"] == 1


def test_period_boundaries_are_beijing_dates(app, city):
    """A case assigned at 00:30 on 1 Nov Beijing time (16:30 UTC on 31 Oct) is November's, not October's."""
    with app.app_context():
        d = Desk(city)
        d.assign("scjgj", T(2026, 11, 1, 0, 30))
        d.assign("scjgj", T(2026, 10, 31, 23, 30))
        db.session.commit()
        october = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31))
        november = metrics.unit_metrics(date(2026, 11, 1), date(2026, 11, 30))
        assert october[city["units"]["scjgj"]].volume == 1
        assert november[city["units"]["scjgj"]].volume == 1


def test_unit_ids_limits_the_result_with_the_same_figures(app, city):
    units = october_fixture(app, city)
    with app.app_context():
        everything = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31))
        only = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31), unit_ids=[units["cgj"]])
        assert list(only) == [units["cgj"]]
        assert figures(only, units["cgj"]) == figures(everything, units["cgj"])


def test_a_fixed_number_of_queries_whatever_the_units_and_cases(app, city, count_queries):
    with app.app_context():
        d = Desk(city)
        c = d.assign("cgj", T(2026, 10, 12))
        d.sign(c, T(2026, 10, 12, 11))
        db.session.commit()

    def run():
        with app.app_context():
            metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31))

    small = count_queries(run)
    october_fixture(app, city)
    with app.app_context():  # more units too
        for i in range(5):
            db.session.add(Unit(code=f"extra-{i}", name_zh=f"市测试局{i}", kind="city_department",
                                ranking_group="city_department", platform_id=d.unit("cgj").platform_id))
        db.session.commit()
    large = count_queries(run)
    assert small == large <= 8  # 5 aggregates + the calendar year's schedule


def test_weights_come_from_the_settings(app, city):
    units = october_fixture(app, city)
    with app.app_context():
        result = metrics.unit_metrics(date(2026, 10, 1), date(2026, 10, 31))
        a = result[units["cgj"]]
        app.config["RANKING_WEIGHTS"] = {"on_time": 1, "return": 1}
        try:
            # on-time 3/4 = 0.75; return 1/5 enters as 1 − 0.2 = 0.8; mean = 77.5
            assert metrics.composite(a) == 77.5
            app.config["RANKING_WEIGHTS"] = {"speed": 1}
            with pytest.raises(ValueError):
                metrics.weights()
        finally:
            app.config.pop("RANKING_WEIGHTS")
        assert metrics.weights() == {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}
