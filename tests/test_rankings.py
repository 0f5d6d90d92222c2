"""Monthly rankings: ties, unranked units, snapshots, the December → January interview rule, the public pages,
the XLSX export, the supervisors' publish button and the interview records."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.domain import periods, rankings
from portal.extensions import db
from portal.models import Interview, RankingRow, RankingSnapshot
from tests.helpers import Desk, PortalClient, as_user, october_fixture, one_case

AFTER_JANUARY = date(2027, 2, 1)


DECEMBER = {"town-yingzhou-1": "good", "gov-yingquan": "good", "gov-jieshou": "late", "gov-linquan": "partly",
            "gov-yingdong": "bad"}
JANUARY = {"gov-yingzhou": "good", "gov-jieshou": "good", "gov-linquan": "good", "gov-yingquan": "partly",
           "gov-yingdong": "bad"}


def winter_fixture(app, city):
    """Five counties with one case each in December 2026 (Mon 14 Dec) and January 2027 (Mon 11 Jan; 2027 has no
    official schedule loaded, so its deadlines are provisional Monday–Friday)."""
    with app.app_context():
        d = Desk(city)
        for code, kind in DECEMBER.items():
            one_case(d, code, (2026, 12, 14), kind)
        for code, kind in JANUARY.items():
            one_case(d, code, (2027, 1, 11), kind)
        db.session.commit()


def by_code(city, rows):
    names = {uid: code for code, uid in city["units"].items()}
    return {names[r.unit_id]: r for r in rows}


# ---- ranks --------------------------------------------------------------------------------------------------

def row(unit_id, score, name=None):
    return rankings.TableRow(unit_id=unit_id, group="county", name_zh=name or f"单位{unit_id}", name_en="",
                             rank=None, bottom_rank=None, position=None, volume=1 if score is not None else 0,
                             rates={}, score=score)


def test_competition_ranks_ties_and_the_edges_of_top_and_bottom():
    rows = rankings.rank_group([row(1, 90.0, "乙"), row(2, 95.0), row(3, 90.0, "甲"), row(4, 80.0), row(5, None),
                                row(6, 70.0), row(7, 70.0), row(8, 75.0)], size=3)
    # scores 95, 90, 90, 80, 75, 70, 70 → ranks 1, 2, 2, 4, 5, 6, 6; bottom ranks (fewer strictly lower + 1):
    # 70 → 1, 75 → 3, 80 → 4; top 3 = ranks ≤ 3; bottom 3 = bottom ranks ≤ 3 (both 70s and the 75)
    assert [(r.unit_id, r.rank, r.bottom_rank, r.position) for r in rows] == [
        (2, 1, 7, "top"), (1, 2, 5, "top"), (3, 2, 5, "top"), (4, 4, 4, None), (8, 5, 3, "bottom"),
        (6, 6, 1, "bottom"), (7, 6, 1, "bottom"), (5, None, None, None)]
    # equal ranks are listed by name (code point order: 乙 U+4E59 before 甲 U+7532)
    assert [r.name_zh for r in rows[1:3]] == ["乙", "甲"]
    # a small group: top wins over bottom
    small = rankings.rank_group([row(1, 50.0), row(2, 40.0)], size=3)
    assert [r.position for r in small] == ["top", "top"]


def test_ties_through_the_workflow_and_units_without_cases(app, city):
    with app.app_context():
        d = Desk(city)
        one_case(d, "jtj", (2026, 10, 12), "good")     # 100
        one_case(d, "zjj", (2026, 10, 12), "good")     # 100
        one_case(d, "cgj", (2026, 10, 12), "late")     # 70
        one_case(d, "scjgj", (2026, 10, 12), "partly")  # 65
        db.session.commit()
        table = rankings.compute("2026-10")
        departments = table["city_department"]
        ranked = [(r.name_zh, r.rank, r.score) for r in departments if r.rank is not None]
        first_two = sorted(["市交通运输局", "市住房和城乡建设局"])
        assert ranked == [(first_two[0], 1, 100.0), (first_two[1], 1, 100.0), ("市城市管理局", 3, 70.0),
                          ("市市场监督管理局", 4, 65.0)]
        unranked = [r for r in departments if r.rank is None]
        assert len(unranked) == 10 and all(r.volume == 0 and r.score is None and r.position is None
                                           for r in unranked)
        assert [r.name_zh for r in unranked] == sorted(r.name_zh for r in unranked)
        assert all(rate["value"] is None for rate in unranked[0].rates.values())
        assert all(r.rank is None for r in table["county"])  # no county had a case


# ---- snapshots ----------------------------------------------------------------------------------------------

def test_snapshot_is_immutable_and_publishing_twice_is_refused(app, city):
    units = october_fixture(app, city)
    with app.app_context():
        result = rankings.publish("2026-10", on=date(2026, 11, 2))
        db.session.commit()
        assert result.interviews == []
        snap = rankings.snapshot_for("2026-10")
        a = next(r for r in snap.rows if r.unit_id == units["cgj"])
        assert (a.rank, a.volume, a.score) == (2, 5, 61.75)  # departments: B 100, A 61.75
        assert a.figures["rates"]["response"] == {"num": 3, "den": 5, "value": 0.6}
        assert a.figures["name_zh"] == "市城市管理局"
        assert snap.weights == {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}
        assert len(snap.rows) == 14 + 8  # every department and county government, ranked or not
        before = [(r.unit_id, r.rank, r.score, r.volume, r.figures) for r in snap.rows]

        with pytest.raises(rankings.AlreadyPublished, match="2026-10"):  # "… already published on …"
            rankings.publish("2026-10", on=date(2026, 11, 2))
        db.session.rollback()
        with pytest.raises(rankings.RankingError, match="2026-12-01"):  # "… can be published from 2026-12-01"
            rankings.publish("2026-11", on=date(2026, 11, 30))
        with pytest.raises(rankings.RankingError):
            rankings.publish("2026-13")

        # more October data and a renamed unit change the live figures, not the snapshot
        d = Desk(city)
        one_case(d, "cgj", (2026, 10, 19), "good")
        d.unit("cgj").name_zh = "市城市管理行政执法局"
        db.session.commit()
        live = next(r for r in rankings.compute("2026-10")["city_department"] if r.unit_id == units["cgj"])
        assert live.volume == 6 and live.score != 61.75
    with app.app_context():
        snap = rankings.snapshot_for("2026-10")
        assert [(r.unit_id, r.rank, r.score, r.volume, r.figures) for r in snap.rows] == before
        row_ = snap.rows[0]
        row_.score = 1.0
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.delete(db.session.get(RankingSnapshot, snap.id))
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("order", [("2026-12", "2027-01"), ("2027-01", "2026-12")])
def test_bottom_three_two_months_running_across_december_and_january(app, city, order):
    winter_fixture(app, city)
    with app.app_context():
        results = {}
        for month in order:
            results[month] = rankings.publish(month, on=AFTER_JANUARY)
            db.session.commit()
        dec = by_code(city, rankings.snapshot_table(rankings.snapshot_for("2026-12"))["county"])
        jan = by_code(city, rankings.snapshot_table(rankings.snapshot_for("2027-01"))["county"])
        # December: 颍州区 (via its town office) 100, 颍泉区 100, 界首市 70, 临泉县 65, 颍东区 0
        #   ranks 1, 1, 3, 4, 5; top 3 = the first three; bottom: 颍东区 (bottom rank 1), 临泉县 (2)
        assert {c: (r.rank, r.position) for c, r in dec.items() if r.rank} == {
            "gov-yingzhou": (1, "top"), "gov-yingquan": (1, "top"), "gov-jieshou": (3, "top"),
            "gov-linquan": (4, "bottom"), "gov-yingdong": (5, "bottom")}
        # January: 颍州区, 界首市, 临泉县 100 (rank 1 ×3), 颍泉区 65 (4), 颍东区 0 (5)
        assert {c: (r.rank, r.position) for c, r in jan.items() if r.rank} == {
            "gov-yingzhou": (1, "top"), "gov-jieshou": (1, "top"), "gov-linquan": (1, "top"),
            "gov-yingquan": (4, "bottom"), "gov-yingdong": (5, "bottom")}
        assert sum(1 for r in jan.values() if r.rank is None) == 3  # 太和县, 阜南县, 颍上县: no cases
        # only 颍东区 was in the bottom 3 both months; 临泉县 and 颍泉区 only once
        listed = db.session.execute(select(Interview.unit_id, Interview.month)).all()
        assert listed == [(city["units"]["gov-yingdong"], "2027-01")]
        assert len(results[order[1]].interviews) == 1 and results[order[0]].interviews == []


def test_no_interview_without_the_previous_month_published(app, city):
    winter_fixture(app, city)
    with app.app_context():
        rankings.publish("2027-01", on=AFTER_JANUARY)
        db.session.commit()
        assert db.session.scalar(select(func.count(Interview.id))) == 0


# ---- pages --------------------------------------------------------------------------------------------------

def publish_december(app, city):
    winter_fixture(app, city)
    with app.app_context():
        rankings.publish("2026-12", on=AFTER_JANUARY)
        db.session.commit()


def test_public_pages_show_published_months_only(app, city):
    client = PortalClient(app.test_client())
    r = client.get("/rankings")
    assert r.status_code == 200 and "ranking-table" not in r.get_data(as_text=True)  # nothing published yet
    publish_december(app, city)
    r = client.get("/rankings")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "2026-12" in page and "2027-01" not in page
    assert "颍东区人民政府" in page and "市公安局" in page  # units without cases are listed, not ranked
    assert "李四" not in page and "13912345678" not in page  # figures and unit names only
    assert client.get("/rankings/2026-12").status_code == 200
    assert client.get("/rankings/2027-01").status_code == 404  # live figures are never public
    assert client.get("/rankings/2027-01.xlsx").status_code == 404
    assert client.get("/rankings/december").status_code == 404
    fragment = client.get("/rankings/2026-12", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'id="ranking-tables"' in fragment
    # a unit with no cases: not ranked, its rates shown as "—"
    yingshang = re.search(r"颍上县人民政府</th>(.*?)</tr>", page, re.S).group(1)
    assert "—" in yingshang and "%" not in yingshang


def test_xlsx_has_one_row_per_unit_with_the_figures(app, city):
    publish_december(app, city)
    client = PortalClient(app.test_client())
    r = client.get("/rankings/2026-12.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 14 + 8
    assert len(header) == 6 + 3 * 7 + 1  # month, group, rank, position, unit, volume; rate, num, den ×7; score
    values = list(next(b for b in body if b[4] == "颍东区人民政府"))
    # 颍东区 in December: one case, signed late, rated not resolved and dissatisfied → score 0, rank 5
    assert values[0] == "2026-12" and values[2] == 5
    assert values[5] == 1  # volume
    assert values[6:9] == [0, 0, 1]  # response rate 0 %, 0 of 1
    assert values[-1] == 0
    unranked = next(b for b in body if b[4] == "颍上县人民政府")
    assert unranked[2] is None and unranked[5] == 0 and unranked[6] is None


def test_supervisor_publishes_last_month_once(app, city):
    with app.app_context():
        month = rankings.last_month()
        first, _ = periods.month_bounds(month)
        one_case(Desk(city), "cgj", (first.year, first.month, 10), "good")
        db.session.commit()
    supervisor = as_user(app, "supervisor")
    page = supervisor.get("/staff/rankings").get_data(as_text=True)
    assert f'name="month" type="hidden" value="{month}"' in page and "市城市管理局" in page
    r = supervisor.post("/staff/rankings/publish", {"month": month, "stage": "confirm", "confirmed": "y"},
                        csrf_from="/staff/rankings")  # after the confirmation step (tests/test_rankings_confirm.py)
    assert r.status_code == 303 and r.headers["Location"].endswith("/staff/rankings")
    with app.app_context():
        snap = rankings.snapshot_for(month)
        assert snap is not None and snap.published_by_id == city["users"]["supervisor"]
        assert db.session.scalar(select(func.count(RankingRow.id))) == 22
    page = supervisor.get("/staff/rankings").get_data(as_text=True)
    assert 'action="/staff/rankings/publish"' not in page  # no button once published
    r = supervisor.post("/staff/rankings/publish", {"month": month}, csrf_from="/rankings")
    assert r.status_code == 422
    assert re.search(r'<div class="form-errors" role="alert"><p>[^<]*' + month, r.get_data(as_text=True))
    assert PortalClient(app.test_client()).get(f"/rankings/{month}").status_code == 200


@pytest.mark.parametrize("username", ["handler", "dispatcher", "monitor", "operator"])
def test_staff_pages_are_for_supervisors_and_admins(app, city, username):
    client = as_user(app, username)
    assert client.get("/staff/rankings").status_code == 403
    assert client.get("/staff/interviews").status_code == 403
    assert client.post("/staff/rankings/publish", {"month": "2026-10"}, csrf_from="/rankings").status_code == 403
    anonymous = PortalClient(app.test_client())
    assert anonymous.get("/staff/rankings").status_code == 302
    assert as_user(app, "admin").get("/staff/rankings").status_code == 200


def test_interview_list_records_the_interview_and_its_follow_up(app, city, monkeypatch):
    monkeypatch.setattr(periods, "today", lambda: date(2027, 2, 10))
    winter_fixture(app, city)
    with app.app_context():
        for month in ("2026-12", "2027-01"):
            rankings.publish(month)
        db.session.commit()
        interview_id = db.session.scalar(select(Interview.id))
    supervisor = as_user(app, "supervisor")
    page = supervisor.get("/staff/interviews").get_data(as_text=True)
    assert "颍东区人民政府" in page and "2027-01" in page and f"iv{interview_id}-held_on" in page
    path = f"/staff/interviews/{interview_id}"
    fields = {f"iv{interview_id}-held_on": "2027-02-03", f"iv{interview_id}-attendees": "",
              f"iv{interview_id}-rectification": "一个月内完成整改。"}
    r = supervisor.post(f"{path}/interview", fields, csrf_from="/staff/interviews")
    assert r.status_code == 422
    r = supervisor.post(f"{path}/interview", fields, csrf_from="/staff/interviews", htmx=True)
    assert r.status_code == 422 and "<html" not in r.get_data(as_text=True)
    fields[f"iv{interview_id}-attendees"] = "颍东区副区长、12345热线办主任"
    r = supervisor.post(f"{path}/interview", fields, csrf_from="/staff/interviews")
    assert r.status_code == 303
    follow = {f"fu{interview_id}-followed_up_on": "2027-02-01", f"fu{interview_id}-follow_up": "已完成整改。"}
    r = supervisor.post(f"{path}/follow-up", follow, csrf_from="/staff/interviews")
    assert r.status_code == 422  # dated before the interview
    assert 'role="alert"' in r.get_data(as_text=True)
    follow[f"fu{interview_id}-followed_up_on"] = "2027-03-03"
    r = supervisor.post(f"{path}/follow-up", follow, csrf_from="/staff/interviews")
    assert r.status_code == 422  # in the future (today is 10 Feb 2027 here)
    monkeypatch.setattr(periods, "today", lambda: date(2027, 3, 10))
    r = supervisor.post(f"{path}/follow-up", follow, csrf_from="/staff/interviews")
    assert r.status_code == 303
    page = supervisor.get("/staff/interviews").get_data(as_text=True)
    assert "一个月内完成整改" in page and "已完成整改" in page and "2027-03-03" in page
    with app.app_context():
        interview = db.session.get(Interview, interview_id)
        assert interview.held_on == date(2027, 2, 3) and interview.followed_up_on == date(2027, 3, 3)
        assert interview.recorded_by_id == city["users"]["supervisor"]


# ---- commands -----------------------------------------------------------------------------------------------

def test_cli_publish_and_show(app, city):
    october_fixture(app, city)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rankings", "show", "--month", "2026-10"])
    assert result.exit_code == 0 and "61.75" in result.output
    result = runner.invoke(args=["rankings", "publish", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "2026-10" in result.output and "61.75" in result.output
    result = runner.invoke(args=["rankings", "publish", "--month", "2026-10"])
    assert result.exit_code == 1 and ("already published" in result.output or "已发布" in result.output)
    result = runner.invoke(args=["rankings", "publish", "--month", "October"])
    assert result.exit_code == 1


def test_the_live_preview_is_computed_once_and_refreshed_by_the_worker(app, city, count_queries, shared_cache):
    """At city scale a month's figures take seconds: the supervisors' page reads them from the shared cache, says
    when they were computed, and `flask stats warm` (the worker) recomputes this and last month's."""
    from portal.commands.stats import warm_statistics

    with app.app_context():
        month = rankings.last_month()
        first_day, _ = periods.month_bounds(month)
    supervisor = as_user(app, "supervisor")
    computing = count_queries(lambda: supervisor.get(f"/staff/rankings?month={month}"))
    page = supervisor.get(f"/staff/rankings?month={month}").get_data(as_text=True)
    assert "市城市管理局" in page and re.search(r"数据截至 ?\d\d:\d\d", page)
    with app.app_context():
        one_case(Desk(city), "cgj", (first_day.year, first_day.month, 12), "good")
        db.session.commit()
    reading = count_queries(lambda: supervisor.get(f"/staff/rankings?month={month}"))
    assert reading <= computing - 4  # the figures' GROUP BY statements are not run again
    with app.app_context():
        assert by_code(city, rankings.preview(month)[1]["city_department"])["cgj"].volume == 0  # cached
    with app.test_request_context():
        warm_statistics()
    with app.app_context():
        assert by_code(city, rankings.preview(month)[1]["city_department"])["cgj"].volume == 1
