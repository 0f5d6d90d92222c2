"""Public statistics (/stats): headline figures, breakdowns, monthly trend, charts, CSV, query counts and cache.

Hand-built October 2026 (Asia/Shanghai): 10 cases received, 7 closed (4 satisfied, 1 basically satisfied, 2 closed
without a rating), 1 rated dissatisfied, 2 still open → share closed 70.0 %, satisfaction 5 ÷ 6 = 83.3 %,
daily average 10 ÷ 31 = 0.3. One case just before and one just after October (in Beijing time) must not count.
"""
import csv
import io
import re
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from portal.domain import periods, statistics, workflow
from portal.extensions import db
from portal.models import Case
from tests.helpers import PortalClient, answer, english, receive

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# ---------------------------------------------------------------------------------------------- building cases


def rate(app, case_id, satisfaction):
    with app.app_context():
        case = db.session.get(Case, case_id)
        if satisfaction is None:
            workflow.close_unevaluated(case)
        else:
            resolution = "not_resolved" if satisfaction == "dissatisfied" else "resolved"
            workflow.evaluate(case, resolution, satisfaction, "还是没有解决。" if satisfaction == "dissatisfied" else None)
        db.session.commit()


def october(app, city):
    """The hand-built month (see the module docstring). Returns the case ids."""
    plan = [  # channel, category (leaf code), county, rating ("open" = left open)
        ("web", "cxjs-1-1", "yingzhou", "satisfied"),
        ("web", "cxjs-1-1", "yingzhou", "satisfied"),
        ("web", "cxjs-1-2", "yingzhou", "satisfied"),
        ("web", "cxjs-2-1", "yingzhou", "satisfied"),
        ("hotline", "csgl-1-1", "linquan", "basically_satisfied"),
        ("hotline", "cxjs-1-1", "linquan", None),
        ("hotline", "cxjs-1-3", "linquan", None),
        ("web", "csgl-1-2", "yingzhou", "dissatisfied"),
        ("hotline", "csgl-1-1", "yingzhou", "open"),
    ]
    made = []
    for i, (channel, category, county, rating) in enumerate(plan):
        case_id = receive(app, at=shanghai(2026, 10, 3 + i, 10, 0), channel=channel, category=category, county=county)
        if rating != "open":
            answer(app, city, case_id)
            rate(app, case_id, rating)
        made.append(case_id)
    # 23:30 on 31 October in Fuyang is 15:30 UTC: it counts in October
    made.append(receive(app, at=datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc), channel="web",
                        category="cxjs-1-1", county="linquan"))
    # just outside: 23:59 on 30 September and 00:30 on 1 November, Beijing time
    receive(app, at=shanghai(2026, 9, 30, 23, 59), channel="mayor_mailbox", county="funan")
    receive(app, at=datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc), channel="mayor_mailbox", county="funan")
    return made


# ---------------------------------------------------------------------------------------------- reading pages
class Tables(HTMLParser):
    """Every <table> as {caption: [[cell text, ...], ...]} and the stat tiles as {label: value}."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.tiles = {}, {}
        self._caption = self._rows = self._cell = self._text = None
        self._tile = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._text = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._text = []
        elif tag in ("dt", "dd"):
            self._text = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = "".join(self._text).strip()
            self._text = None
        elif tag in ("td", "th") and self._rows is not None and self._text is not None:
            self._rows[-1].append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "table":
            self.tables[self._caption] = [r for r in self._rows if r]
            self._rows = None
        elif tag == "dt":
            self._tile = "".join(self._text).strip()
            self._text = None
        elif tag == "dd" and self._tile is not None:
            self.tiles[self._tile] = "".join(self._text).strip()
            self._tile, self._text = None, None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def table(self, prefix):
        matches = [rows for caption, rows in self.tables.items() if caption.startswith(prefix)]
        assert len(matches) == 1, (prefix, list(self.tables))
        return {row[0]: row[1:] for row in matches[0][1:]}


# ---------------------------------------------------------------------------------------------- tests
def test_headline_figures_match_the_hand_built_month(app, city):
    october(app, city)
    page = english(app).get("/stats?period=2026-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    tiles = Tables(html).tiles
    assert tiles["Cases received"] == "10"
    assert tiles["Cases closed"] == "7"
    assert tiles["Share closed"] == "70.0%"
    assert tiles["Satisfaction"] == "83.3%"
    assert tiles["Daily average"] == "0.3"
    # and in words
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "received 10 cases and closed 7 of them: a share closed of 70.0%" in text
    assert "Of the 6 citizens who rated the handling, 5 were satisfied or basically satisfied" in text


def test_breakdowns_by_channel_county_and_category(app, city):
    october(app, city)
    tables = Tables(english(app).get("/stats?period=2026-10").get_data(as_text=True))
    channels = tables.table("Cases by channel")
    # received, closed, share closed, ratings, satisfaction
    assert channels["Web portal"] == ["6", "4", "66.7%", "5", "80.0%"]
    assert channels["12345 hotline"] == ["4", "3", "75.0%", "1", "100.0%"]
    assert channels["Mayor's mailbox"] == ["0", "0", "—", "0", "—"]  # its cases fell outside October
    counties = tables.table("Cases by county or district")
    assert counties["Yingzhou District"] == ["6", "4", "66.7%", "5", "80.0%"]
    assert counties["Linquan County"] == ["4", "3", "75.0%", "1", "100.0%"]
    assert counties["Funan County"] == ["0", "0", "—", "0", "—"]
    assert len(counties) == 8
    categories = tables.table("Cases by category")  # leaves rolled up to the top level through the tree
    assert categories["Urban and rural construction"] == ["7", "6", "85.7%", "4", "100.0%"]
    assert categories["Urban management"] == ["3", "1", "33.3%", "2", "50.0%"]
    assert categories["Transport"] == ["0", "0", "—", "0", "—"]


def test_monthly_trend_buckets_on_the_shanghai_date(app, city):
    late = receive(app, at=datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc))  # 23:30 on 31 Oct in Fuyang
    receive(app, at=datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc))  # 00:30 on 1 Nov in Fuyang
    receive(app, at=datetime(2026, 9, 30, 15, 59, tzinfo=timezone.utc))  # 23:59 on 30 Sep
    receive(app, at=datetime(2026, 9, 30, 16, 0, tzinfo=timezone.utc))  # 00:00 on 1 Oct
    with app.app_context():
        assert db.session.get(Case, late).received_day == date(2026, 10, 31)
        trend = statistics.monthly_trend(statistics.Period("12m", date(2026, 8, 1), date(2026, 11, 30)))
    assert [(row["key"], row["received"]) for row in trend] == [
        ("2026-08", 0), ("2026-09", 1), ("2026-10", 2), ("2026-11", 1)]
    tables = Tables(english(app).get("/stats?period=2026-10").get_data(as_text=True))
    trend_table = tables.table("Monthly trend")
    assert len(trend_table) == 12  # the 12 months up to the chosen month
    assert trend_table["Oct 2026"][0] == "2"
    assert trend_table["Sep 2026"][0] == "1"
    assert "Nov 2026" not in trend_table


def test_periods(app, ctx):
    on = date(2026, 11, 25)
    assert statistics.period("year", on=on) == statistics.Period("year", date(2026, 1, 1), on)
    twelve = statistics.period("12m", on=on)
    assert twelve.start == date(2025, 12, 1) and twelve.end == on
    october_ = statistics.period("month", "2026-10", on=on)
    assert (october_.start, october_.end, october_.days) == (date(2026, 10, 1), date(2026, 10, 31), 31)
    running = statistics.period("month", "2026-11", on=on)
    assert running.end == on and running.days == 25  # the daily average counts the days so far
    with pytest.raises(periods.PeriodError):
        statistics.period("month", "2026-12", on=on)
    with pytest.raises(periods.PeriodError):
        statistics.period("month", "october", on=on)


def test_bad_period_is_explained_and_this_year_shown(client, city):
    response = client.get("/stats?period=2999-01")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_svg_charts_have_no_script_and_no_outside_address(app, city):
    october(app, city)
    html = english(app).get("/stats?period=2026-10").get_data(as_text=True)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert "<script" not in svg.lower()
        assert "javascript:" not in svg.lower()
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", svg))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Web portal" in svgs[0] and "Linquan County" in svgs[1]  # labels in the user's language
    # each chart sits in a <figure> with a caption, followed by its data table and a CSV link
    assert html.count("<figure>") == 4 and html.count("<figcaption>") == 4
    assert html.count('<th scope="col"') == 24 and html.count('<th scope="row"') >= 4
    for name in ("channels", "districts", "categories", "trend", "summary"):
        assert f"/stats/{name}.csv?period=2026-10" in html


def test_chinese_labels_by_default(app, city):
    october(app, city)
    html = PortalClient(app.test_client()).get("/stats?period=2026-10").get_data(as_text=True)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert "12345热线" in svgs[0] and "临泉县" in svgs[1] and "城乡建设" in svgs[2] and "2026年10月" in svgs[3]


def test_csv_has_the_same_numbers(app, city):
    october(app, city)
    client = english(app)
    response = client.get("/stats/channels.csv?period=2026-10")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for spreadsheet programs
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Channel", "Cases received", "Cases closed"]
    by_label = {r[0]: r[1:] for r in rows[1:]}
    assert by_label["Web portal"] == ["6", "4", "66.7", "5", "4", "80.0"]
    assert by_label["12345 hotline"] == ["4", "3", "75.0", "1", "1", "100.0"]

    rows = list(csv.reader(io.StringIO(client.get("/stats/categories.csv?period=2026-10").data.decode("utf-8-sig"))))
    assert {r[0]: r[1] for r in rows[1:]}["Urban and rural construction"] == "7"
    rows = list(csv.reader(io.StringIO(client.get("/stats/trend.csv?period=2026-10").data.decode("utf-8-sig"))))
    assert {r[0]: r[1] for r in rows[1:]}["2026-10"] == "10"
    summary = list(csv.reader(io.StringIO(client.get("/stats/summary.csv?period=2026-10").data.decode("utf-8-sig"))))
    assert summary[1][1:10] == ["2026-10-01", "2026-10-31", "10", "7", "70.0", "6", "5", "83.3", "31"]
    assert client.get("/stats/nothing.csv").status_code == 404


def test_page_runs_a_fixed_number_of_queries(app, city, count_queries):
    client = PortalClient(app.test_client())
    receive(app, at=shanghai(2026, 10, 2, 9, 0))
    few = count_queries(lambda: client.get("/stats?period=2026-10"))
    october(app, city)
    many = count_queries(lambda: client.get("/stats?period=2026-10"))
    assert few == many <= 6, (few, many)


def test_second_request_is_served_from_the_cache(app, city, count_queries, shared_cache):
    receive(app, at=shanghai(2026, 10, 2, 9, 0))
    client = PortalClient(app.test_client())
    first = count_queries(lambda: client.get("/stats?period=2026-10"))
    second = count_queries(lambda: client.get("/stats?period=2026-10"))
    assert first >= 5 and second == 0, (first, second)  # figures, charts and their rendering: all cached
    assert ">1<" in client.get("/stats?period=2026-10").get_data(as_text=True)
    # the CSV and the home page's strip read the same cached figures
    assert count_queries(lambda: client.get("/stats/summary.csv?period=2026-10")) == 0
    with app.app_context():
        statistics.clear_cache()
    assert count_queries(lambda: client.get("/stats?period=2026-10")) == first


def test_htmx_period_change_returns_only_the_results(client, city):
    response = client.get("/stats?period=12m", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="stats-results">') and "<html" not in body


def test_anonymous_visitor_sees_stats_and_the_home_strip(client, app, city):
    receive(app, at=datetime.now(timezone.utc))
    assert client.get("/stats").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert 'href="/stats"' in home and 'href="/echo"' in home
    assert 'class="stat-tiles"' in home


def test_warm_command_fills_the_cache(app, city, count_queries, shared_cache):
    receive(app, at=datetime.now(timezone.utc))
    result = app.test_cli_runner().invoke(args=["stats", "warm"])
    assert result.exit_code == 0, result.output
    assert "warmed" in result.output
    client = PortalClient(app.test_client())
    assert count_queries(lambda: client.get("/stats")) == 0
    assert count_queries(lambda: client.get("/stats?period=12m")) == 0
    english_client = english(app)
    assert count_queries(lambda: english_client.get("/stats")) == 0  # charts in both languages
