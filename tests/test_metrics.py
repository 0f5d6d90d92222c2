"""Per-unit figures against hand-computed fixtures: cases driven through the workflow with explicit timestamps.

October 2026 on the official calendar: 1–7 Oct are National Day holidays (8 Oct is a working Thursday) and
Saturday 10 Oct is a swapped working day (调休). Deadlines: general 5 working days, simple/urgent 2, sign-for 1,
counted from the day after, due at the end of the last day (Beijing time).
"""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.domain import intake, metrics, notify, workflow
from portal.domain.calendar import SHANGHAI
from portal.extensions import db
from portal.models import Case, Unit, User


def T(year, month, day, hour=10, minute=0) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Desk:
    """Drives cases through the real workflow functions with explicit timestamps (inside an app context)."""

    def __init__(self, city):
        self.city = city

    def user(self, name) -> User:
        return db.session.get(User, self.city["users"][name])

    def unit(self, code) -> Unit:
        return db.session.get(Unit, self.city["units"][code])

    def staff(self, unit_id, role) -> User:
        return db.session.scalar(select(User).where(User.unit_id == unit_id, User.role == role).order_by(User.id))

    def new(self, at: datetime) -> Case:
        sub = intake.Submission(category_id=self.city["leaf"], county_id=self.city["county"],
                                town_id=self.city["town"], address="人民路88号", title="路面破损",
                                description="门前路面有一个大坑，请尽快修复。", citizen_name="李四",
                                citizen_phone="13912345678")
        with notify.muted():
            case, _ = intake.receive(sub, at=at)
        db.session.flush()
        return case

    def assign(self, unit_code, at: datetime, priority="general", case: Case | None = None) -> Case:
        """A new case (received and accepted an hour before) assigned to `unit_code` at `at`, or re-assign
        `case` (after a return)."""
        dispatcher = self.user("dispatcher")
        with notify.muted():
            if case is None:
                case = self.new(at - timedelta(hours=2))
                workflow.accept(case, dispatcher, at=at - timedelta(hours=1))
            workflow.assign(case, dispatcher, self.unit(unit_code), priority, at=at)
        db.session.flush()
        return case

    def sign(self, case, at):
        with notify.muted():
            workflow.sign_for(case, self.staff(case.lead_unit_id, "handler"), at=at)

    def reply(self, case, at, release_after=timedelta(hours=1)):
        """Drafted an hour before `at`, approved by the unit lead at `at`, released `release_after` later."""
        with notify.muted():
            workflow.draft_reply(case, self.staff(case.lead_unit_id, "handler"), "resolved", "已处理完毕。",
                                 at=at - timedelta(hours=1))
            workflow.approve_reply(case, self.staff(case.lead_unit_id, "unit_lead"), at=at)
            if release_after is not None:
                workflow.release(case, self.user("dispatcher"), at=at + release_after)

    def rate(self, case, resolution, satisfaction, at):
        with notify.muted():
            workflow.evaluate(case, resolution, satisfaction,
                              "问题仍然存在。" if satisfaction == "dissatisfied" else None, at=at)

    def give_back(self, case, at):
        with notify.muted():
            workflow.return_case(case, self.staff(case.lead_unit_id, "handler"), "wrong_locality", "不属于本单位。",
                                 at=at)

    def keep(self, case, at):
        with notify.muted():
            workflow.keep(case, self.user("dispatcher"), "经核实属本单位职责。", at=at)

    def rehandle(self, case, unit_code, at, priority="urgent"):
        with notify.muted():
            workflow.rehandle(case, self.user("supervisor"), self.unit(unit_code), priority, "请重新核实。", at=at)


def october_fixture(app, city) -> dict:
    """The October 2026 cases; returns {code: unit id} of the units involved."""
    with app.app_context():
        d = Desk(city)
        # Case 1 — 市城市管理局 (A). Assigned Mon 12 Oct: sign by 13 Oct, due 19 Oct (13,14,15,16,19).
        c1 = d.assign("cgj", T(2026, 10, 12, 10))
        d.sign(c1, T(2026, 10, 12, 15))                     # on time
        d.reply(c1, T(2026, 10, 14, 12))                    # on time (≤ 19 Oct)
        d.rate(c1, "resolved", "satisfied", T(2026, 10, 15))  # closed
        # Case 2 — A. Assigned Fri 9 Oct 16:00: sign by Sat 10 Oct (a swapped working day), due 15 Oct
        # (10, 12, 13, 14, 15).
        c2 = d.assign("cgj", T(2026, 10, 9, 16))
        d.sign(c2, T(2026, 10, 12, 9))                      # late: 12 Oct > 10 Oct
        d.reply(c2, T(2026, 10, 16, 10))                    # late: 16 Oct > 15 Oct
        d.rate(c2, "partly", "basically_satisfied", T(2026, 10, 17))  # closed
        # Case 3 — A. Simple, assigned Tue 13 Oct: due 15 Oct. Rated dissatisfied, re-handled by A (urgent,
        # Fri 16 Oct → due Tue 20 Oct), replied again and rated satisfied.
        c3 = d.assign("cgj", T(2026, 10, 13, 10), priority="simple")
        d.sign(c3, T(2026, 10, 13, 11))                     # on time
        d.reply(c3, T(2026, 10, 14, 10))                    # on time (≤ 15 Oct)
        d.rate(c3, "not_resolved", "dissatisfied", T(2026, 10, 14, 20))
        d.rehandle(c3, "cgj", T(2026, 10, 16, 10))
        d.reply(c3, T(2026, 10, 19, 10))                    # on time (≤ 20 Oct)
        d.rate(c3, "resolved", "satisfied", T(2026, 10, 20))  # closed, current deadline 20 Oct
        # Case 4 — assigned to A Tue 20 Oct, A returns it; re-assigned to 市交通运输局 (B) Wed 21 Oct:
        # sign by 22 Oct, due 28 Oct (22, 23, 26, 27, 28). B signs, replies; not rated yet.
        c4 = d.assign("cgj", T(2026, 10, 20, 10))
        d.give_back(c4, T(2026, 10, 20, 15))
        d.assign("jtj", T(2026, 10, 21, 9), case=c4)
        d.sign(c4, T(2026, 10, 22, 10))                     # on time
        d.reply(c4, T(2026, 10, 23, 10))                    # on time; awaiting evaluation
        # Case 5 — A, assigned Fri 30 Oct 16:00: sign by Mon 2 Nov, signed then (on time); due 6 Nov.
        c5 = d.assign("cgj", T(2026, 10, 30, 16))
        d.sign(c5, T(2026, 11, 2, 9))
        # Case 6 — A, assigned Mon 28 Sep (not October's volume): due Sat 10 Oct (29, 30 Sep, 8, 9, 10 Oct);
        # still being handled.
        c6 = d.assign("cgj", T(2026, 9, 28, 10))
        d.sign(c6, T(2026, 9, 28, 11))
        # Case 7 — B, assigned Mon 26 Oct (sign by 27 Oct, due 2 Nov), returned, the dispatcher rules B keeps it;
        # B signs on 27 Oct.
        c7 = d.assign("jtj", T(2026, 10, 26, 10))
        d.give_back(c7, T(2026, 10, 26, 11))
        d.keep(c7, T(2026, 10, 27, 9))
        d.sign(c7, T(2026, 10, 27, 10))                     # on time for the first assignment
        # Case 8 — 颍州区鼓楼街道办事处 (a town office; counts for 颍州区人民政府, G). Mon 12 Oct, due 19 Oct.
        c8 = d.assign("town-yingzhou-1", T(2026, 10, 12, 10))
        d.sign(c8, T(2026, 10, 13, 9))                      # on time
        d.reply(c8, T(2026, 10, 15, 10))                    # on time
        d.rate(c8, "resolved", "satisfied", T(2026, 10, 16))
        # Case 9 — G, Wed 14 Oct: sign by 15 Oct, due 21 Oct. Signed late, no reply yet.
        c9 = d.assign("gov-yingzhou", T(2026, 10, 14, 10))
        d.sign(c9, T(2026, 10, 16, 10))
        # Case 10 — 颍东区人民政府 (H): assigned, replied and released in September, rated in October.
        c10 = d.assign("gov-yingdong", T(2026, 9, 21, 10))
        d.sign(c10, T(2026, 9, 21, 11))
        d.reply(c10, T(2026, 9, 24, 10))
        d.rate(c10, "resolved", "satisfied", T(2026, 10, 12))
        assert (c2.due_at.astimezone(SHANGHAI).date(), c3.due_at.astimezone(SHANGHAI).date(),
                c4.due_at.astimezone(SHANGHAI).date(), c6.due_at.astimezone(SHANGHAI).date(),
                c7.due_at.astimezone(SHANGHAI).date()) == (
            date(2026, 10, 15), date(2026, 10, 20), date(2026, 10, 28), date(2026, 10, 10), date(2026, 11, 2))
        assert c1.state == c2.state == c3.state == c8.state == "closed" and c4.state == "awaiting_evaluation"
        db.session.commit()
    return city["units"]


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
