"""Finding a case: a tracking number jumps to it; Chinese words (井盖, 噪音) are found through jieba segmentation in
title, description, address and reply; the ledger's filters narrow; results are ranked, highlighted (escaped
first), paged and never leave the user's scope; the search box is on every staff page."""
import re

import pytest
from sqlalchemy import select

from portal.domain import ledger, scope, search, workflow
from portal.extensions import db
from portal.models import Case, Region, Unit, User
from tests.helpers import as_user


def hits(response) -> list[str]:
    """Tracking numbers listed as search hits, in order."""
    return re.findall(r'<p class="hit-title"><a href="/staff/cases/\d+">(FY\d+)</a>', response.get_data(as_text=True))


@pytest.fixture
def other_county(app, city):
    with app.app_context():
        return db.session.get(Region, city["other_county_town"]).parent_id


@pytest.fixture
def cases(make_case):
    """Three cases whose words differ: a manhole cover, night-time noise, a pothole."""
    manhole = make_case(title="小区门口井盖丢失", description="幸福小区南门的井盖不见了，晚上很危险。",
                        citizen_phone="13700000001")
    noise = make_case(title="夜间施工扰民", description="工地每天晚上十一点以后还在施工，噪音很大。",
                      address="颍州区清河路12号", citizen_phone="13700000002")
    pothole = make_case(title="路面破损", description="人民路门前路面有一个大坑。", citizen_phone="13700000003")
    return {"manhole": manhole, "noise": noise, "pothole": pothole}


def test_a_tracking_number_jumps_straight_to_the_case(app, city, cases):
    client = as_user(app, "operator")
    case_id, number, _code = cases["noise"]
    response = client.get(f"/staff/search?q={number}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/cases/{case_id}")
    # typed in lower case with spaces around, as a caller reads it out
    response = client.get(f"/staff/search?q=+{number.lower()}+")
    assert response.status_code == 303


def test_an_unknown_number_says_so(app, city, cases):
    client = as_user(app, "operator")
    response = client.get("/staff/search?q=FY20990101000001")
    assert response.status_code == 200
    assert "FY20990101000001" in response.get_data(as_text=True)
    assert hits(response) == []


@pytest.mark.parametrize("word,expected", [("井盖", "manhole"), ("噪音", "noise"), ("大坑", "pothole"),
                                           ("清河路", "noise")])
def test_two_character_chinese_words_are_found(app, city, cases, word, expected):
    client = as_user(app, "operator")
    response = client.get(f"/staff/search?q={word}")
    assert response.status_code == 200
    assert hits(response) == [cases[expected][1]]


def test_all_words_must_match(app, city, cases):
    client = as_user(app, "operator")
    assert hits(client.get("/staff/search?q=井盖 危险")) == [cases["manhole"][1]]
    assert hits(client.get("/staff/search?q=井盖 噪音")) == []


def test_the_reply_is_searched_once_it_is_written(app, city, cases):
    client = as_user(app, "operator")
    assert hits(client.get("/staff/search?q=绿化带")) == []
    with app.app_context():
        case = db.session.get(Case, cases["pothole"][0])
        workflow.answer_directly(case, db.session.get(User, city["users"]["operator"]),
                                 "已转交养护单位，绿化带旁的坑本周填平。")
        db.session.commit()
    assert hits(client.get("/staff/search?q=绿化带")) == [cases["pothole"][1]]


def test_filters_narrow_the_search(app, city, cases, make_case, other_county):
    make_case(title="另一个井盖问题", description="井盖松动", county_id=other_county, town_id=None)
    client = as_user(app, "operator")
    assert len(hits(client.get("/staff/search?q=井盖"))) == 2
    assert hits(client.get(f"/staff/search?q=井盖&county={city['county']}")) == [cases["manhole"][1]]
    assert hits(client.get("/staff/search?q=井盖&state=closed")) == []
    assert len(hits(client.get("/staff/search?q=井盖&state=submitted"))) == 2
    response = client.get("/staff/search?q=井盖&from=yesterday")
    assert response.status_code == 422
    assert "yesterday" in response.get_data(as_text=True)


def test_results_are_ranked_and_paged(app, city, make_case):
    for i in range(search.PAGE_SIZE + 3):
        make_case(title=f"路灯不亮{i}", description="小区路灯坏了。", citizen_phone=f"1360000{i:04d}")
    best = make_case(title="井盖井盖", description="井盖丢失，井盖旁还有一个井盖。", citizen_phone="13611112222")
    make_case(title="路灯不亮", description="顺便说一下井盖。", citizen_phone="13611113333")
    client = as_user(app, "operator")
    assert hits(client.get("/staff/search?q=井盖"))[0] == best[1]  # more occurrences rank first
    first = hits(client.get("/staff/search?q=路灯"))
    second = hits(client.get("/staff/search?q=路灯&page=2"))
    assert len(first) == search.PAGE_SIZE and len(second) == 4
    assert not set(first) & set(second)


def test_highlighting_escapes_the_text_before_marking(app, city, make_case):
    make_case(title="<b>井盖</b><script>alert(1)</script>", description="井盖 & <img src=x onerror=alert(1)>")
    client = as_user(app, "operator")
    page = client.get("/staff/search?q=井盖").get_data(as_text=True)
    assert "&lt;b&gt;<mark>井盖</mark>&lt;/b&gt;&lt;script&gt;" in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "<mark>井盖</mark> &amp; &lt;img" in page


def test_query_syntax_is_not_interpreted(app, city, cases):
    client = as_user(app, "operator")
    for query in ['井盖 OR "', "井盖*", "' OR 1=1 --", "NEAR(井盖", "井盖 & !噪音 |", "))"]:
        response = client.get("/staff/search", query_string={"q": query})
        assert response.status_code == 200, query


def test_htmx_gets_only_the_results(app, city, cases):
    client = as_user(app, "operator")
    response = client.get("/staff/search?q=井盖", htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page and 'id="search-results"' in page
    assert "HX-Request" in response.headers["Vary"]


def test_only_the_newest_matches_are_ranked_and_the_count_says_so(app, city, make_case, monkeypatch):
    monkeypatch.setattr(search, "MAX_CANDIDATES", 5)
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    numbers = [make_case(title="路灯不亮" + "路灯" * (i % 3), description="路灯坏了。", citizen_phone=f"1360000{i:04d}")[1]
               for i in range(7)]
    with app.app_context():
        user = db.session.get(User, city["users"]["operator"])
        pages = [search.search(user, "路灯", ledger.LedgerFilters(), page) for page in (1, 2, 3, 4)]
    assert [(r.total, r.capped, r.page, r.pages) for r in pages] == [(5, True, p, 3) for p in (1, 2, 3, 3)]
    listed = [h.case.tracking_no for r in pages[:3] for h in r.hits]
    assert sorted(listed) == sorted(numbers[2:])  # the five newest, each once; the two oldest are not ranked
    assert listed[:2] == [numbers[5], numbers[2]]  # most occurrences first (路灯 four times), the newest first on a tie


@pytest.mark.parametrize("username", ["operator", "dispatcher", "dispatcher_yz", "handler", "handler_yz",
                                      "unit_lead", "supervisor", "monitor", "organizer", "admin"])
def test_search_never_leaves_the_scope(app, city, make_case, other_county, username):
    """Cases everywhere (two counties, assigned to two units, a salon case); every hit must be in scope and every
    case in scope that matches must be found."""
    ids = [make_case(title=f"井盖问题{i}", description="井盖丢失", citizen_phone=f"1350000000{i}",
                     county_id=county, town_id=None)[0]
           for i, county in enumerate([city["county"], other_county, city["county"], other_county])]
    ids.append(make_case(title="茶座井盖建议", description="井盖", channel="tea_salon")[0])
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        for case_id, unit in ((ids[0], "cgj"), (ids[1], "cgj")):
            case = db.session.get(Case, case_id)
            workflow.accept(case, dispatcher)
            workflow.assign(case, dispatcher, db.session.get(Unit, city["units"][unit]), "general")
        yz_gov = db.session.scalar(select(Unit).where(Unit.id == db.session.get(User, city["users"]["handler_yz"])
                                                      .unit_id))
        case = db.session.get(Case, ids[2])
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, yz_gov, "general")
        db.session.commit()
        user = db.session.get(User, city["users"][username])
        visible = set(db.session.scalars(scope.visible_cases(user).where(Case.id.in_(ids))
                                         .with_only_columns(Case.tracking_no)))
    client = as_user(app, username)
    found = set(hits(client.get("/staff/search?q=井盖")))
    assert found == visible
    assert len(visible) < 5 or username in ("operator", "dispatcher", "supervisor", "monitor", "admin")
    # the number of a case outside the scope does not open it, nor say it exists differently
    with app.app_context():
        numbers = [db.session.get(Case, i).tracking_no for i in ids]
    for number in numbers:
        response = client.get(f"/staff/search?q={number}")
        assert response.status_code == (303 if number in visible else 200)


def test_every_staff_page_has_the_search_box(app, city, cases):
    for username, path in (("operator", "/staff/intake"), ("dispatcher", "/staff/queue"),
                           ("handler", "/staff/unit"), ("admin", "/staff/ledger")):
        page = as_user(app, username).get(path).get_data(as_text=True)
        assert 'id="staff-search-q"' in page and 'action="/staff/search"' in page, path
    from tests.helpers import PortalClient  # a citizen (not signed in) never sees it

    assert 'id="staff-search-q"' not in PortalClient(app.test_client()).get("/").get_data(as_text=True)


def test_search_page_runs_a_fixed_number_of_queries(app, city, make_case, count_queries):
    client = as_user(app, "dispatcher")
    for i in range(2):
        make_case(title=f"井盖{i}", citizen_phone=f"1340000000{i}")
    small = count_queries(lambda: client.get("/staff/search?q=井盖"))
    for i in range(15):
        make_case(title=f"井盖多{i}", citizen_phone=f"1341000000{i % 10}")
    large = count_queries(lambda: client.get("/staff/search?q=井盖"))
    assert large == small


def test_reindex_rebuilds_the_index(app, city, cases):
    with app.app_context():
        db.session.execute(db.text("DELETE FROM case_fts") if db.engine.dialect.name == "sqlite"
                           else db.text('UPDATE "case" SET search_vector = NULL'))
        db.session.commit()
    client = as_user(app, "operator")
    assert hits(client.get("/staff/search?q=井盖")) == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "reindex"])
    assert "Indexed 3 cases" in result.output
    assert hits(client.get("/staff/search?q=井盖")) == [cases["manhole"][1]]


def test_segmentation_helpers(app):
    assert "井盖" in search.words("小区门口井盖丢失")
    assert search.query_groups("  ") == []
    assert any("人民" in g for g in search.query_groups("人民路"))
    assert search.looks_like_tracking_number("fy20261127000001")
    assert not search.looks_like_tracking_number("井盖")
    with app.test_request_context():
        f = ledger.parse_filters({}, ledger.load_reference())
        assert f.valid


def test_any_typed_text_gets_an_answer_not_an_error(app, city, cases):
    """Whatever an operator types (FTS operators, quotes, punctuation, mixed scripts), the page answers."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = as_user(app, "operator")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(alphabet=st.sampled_from(list('井盖噪音路灯 "\'*()&|!:^-+ORANDNEARab1<>')), max_size=30))
    def typed(query):
        response = client.get("/staff/search", query_string={"q": query})
        assert response.status_code in (200, 303)

    typed()


def test_windows_are_disjoint_newest_first_and_cover_every_id(monkeypatch):
    monkeypatch.setattr(search, "FIRST_WINDOW", 3)
    monkeypatch.setattr(search, "WIDENING", 2)
    assert search.windows(1, 20) == [(18, None), (15, 18), (9, 15), (None, 9)]
    assert search.windows(5, 20) == [(18, None), (15, 18), (9, 15), (None, 9)]
    assert search.windows(9, 20) == [(18, None), (15, 18), (None, 15)]
    assert search.windows(1, 2) == [(None, None)]
    for newest in range(1, 40):
        arms = search.windows(1, newest)
        for case_id in range(-2, newest + 5):  # every id falls in exactly one window
            assert sum((low is None or case_id >= low) and (high is None or case_id < high)
                       for low, high in arms) == 1


@pytest.mark.parametrize("first,widening", [(1, 2), (2, 3), (4, 10)])
def test_windowed_search_finds_what_one_unwindowed_query_finds(app, city, make_case, other_county, monkeypatch,
                                                               first, widening):
    """Varied data (a common word, a rare one, two counties, a closed case), small windows and a small cap: the
    windows give exactly the results of the single query over all matches, page by page, in and out of scope."""
    monkeypatch.setattr(search, "MAX_CANDIDATES", 6)
    monkeypatch.setattr(search, "PAGE_SIZE", 4)
    for i in range(14):
        make_case(title="路灯不亮" + "路灯" * (i % 3) + ("井盖" if i == 3 else ""),
                  description="路灯坏了。" if i % 4 else "晚上很黑。路灯",
                  county_id=other_county if i % 3 == 0 else city["county"],
                  town_id=None if i % 3 == 0 else city["town"], citizen_phone=f"1360000{i:04d}")
    closed_id = make_case(title="另一处路灯", description="路灯已修好", citizen_phone="13611119999")[0]
    with app.app_context():
        db.session.execute(db.update(Case).where(Case.id == closed_id).values(state="closed"))
        db.session.commit()

    def run(windowed: bool):
        if windowed:
            monkeypatch.setattr(search, "FIRST_WINDOW", first)
            monkeypatch.setattr(search, "WIDENING", widening)
        else:
            monkeypatch.setattr(search, "windows", lambda oldest, newest: [(None, None)])
        out = []
        with app.app_context():
            for username in ("operator", "dispatcher_yz", "handler"):
                user = db.session.get(User, city["users"][username])
                for query, raw in (("路灯", {}), ("井盖", {}), ("火箭", {}), ("路灯", {"state": "closed"}),
                                   ("路灯", {"county": str(other_county)}), ("路灯 黑", {})):
                    with app.test_request_context():
                        filters = ledger.parse_filters(raw, ledger.load_reference())
                    for page in (1, 2):
                        r = search.search(user, query, filters, page)
                        out.append((username, query, str(raw), page, r.total, r.capped, r.pages,
                                    [h.case.id for h in r.hits]))
        return out

    windowed = run(True)
    unwindowed = run(False)
    assert windowed == unwindowed
    assert any(row[5] for row in windowed) and any(row[4] == 1 for row in windowed)  # capped and rare both seen


def test_the_search_benchmark_runs_read_only(app, city, cases):
    """scripts/bench_search.py on the test database: every scenario prints its timings; nothing is written."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Case))
    result = subprocess.run([sys.executable, str(root / "scripts" / "bench_search.py"), "--url",
                             app.config["SQLALCHEMY_DATABASE_URI"], "--runs", "2"],
                            capture_output=True, text=True, cwd=root, timeout=300)
    assert result.returncode == 0, result.stderr
    for scenario in ("井盖, whole city", "井盖, sub-platform", "路灯 + state + county", "no match (火箭)",
                     "tracking number"):
        assert scenario in result.stdout
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Case)) == before


@pytest.mark.parametrize("word", ["井盖", "火箭"])  # found, and found nowhere
def test_a_search_reads_no_whole_case_table_on_sqlite(app, city, cases, word):
    """Each statement of the search page seeks what it needs. SQLite answered min(id) and max(id) in one SELECT by
    reading every row of the case table (57 ms of a 72 ms search at 1 M cases)."""
    from sqlalchemy import event

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plans")
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    client = as_user(app, "dispatcher")
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/staff/search?q={word}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with app.app_context():
        for statement, parameters in statements:
            plan = [row[3] for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, tuple(parameters or ()))]
            assert not any(re.match(r"SCAN (case|\"case\")\b", step) for step in plan), (statement, plan)
