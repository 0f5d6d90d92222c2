"""Issue 4 in a browser: a supervisor publishes an echo-wall story; an anonymous visitor filters the echo wall,
reads the story and its Atom feed, and reads /stats on a 360 px phone (charts as inline SVG with tables, CSV,
period selector) — with and without JavaScript. Every public page shows only masked, consented data."""
import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from portal.domain import statistics
from tests.browser.flows import DESKTOP, PHONE, KnownAppBug, assert_accessible, htmx_settled, scroll_width
from tests.helpers import answer, publish, receive, story_id

pytestmark = pytest.mark.browser

NAME, PHONE_NO = "欧阳锋锐", "13987654321"  # distinctive: must never reach a public page
SECRET_TITLE = "机密举报绝不公开标题"
STORY_TITLE = "三号路口路灯恢复照明"
OTHER_TITLE = "临泉县城管占道经营整治"
STORY_URL = re.compile(r"/echo/\d+$")


@pytest.fixture(autouse=True)
def _fresh_statistics(app):
    """The suite runs with NullCache (app.testing); clear anyway so no earlier figures leak in."""
    with app.app_context():
        statistics.clear_cache()
    yield


def consented_replied(app, city, **fields) -> int:
    data = dict(at=datetime.now(timezone.utc), title="文峰街道路灯不亮", citizen_name=NAME, citizen_phone=PHONE_NO,
                description=f"我是{NAME}，电话{PHONE_NO}，文峰街道三号路口路灯连续一周不亮。")
    data.update(fields)
    case_id = receive(app, **data)
    answer(app, city, case_id, reply=f"{NAME}您好：已更换灯泡，路灯恢复照明。")
    return case_id


def sign_in(page, username: str, password: str = "demo12345") -> None:
    """Like flows.login, but a supervisor lands on their own staff page (/staff/supervision), not /staff/."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/staff/**")


def assert_private(html: str, where: str) -> None:
    assert NAME not in html, f"the citizen's name is shown on {where}"
    assert PHONE_NO not in html, f"the citizen's full phone number is shown on {where}"
    assert SECRET_TITLE not in html, f"a confidential case is shown on {where}"


@pytest.fixture
def cases(app, city):
    """One consented, replied case to publish in the browser (颍州区, 城乡建设), another already published
    (临泉县, 城市管理) so the filters have something to tell apart, and a confidential replied case."""
    mine = consented_replied(app, city)
    other = consented_replied(app, city, title=OTHER_TITLE, county="linquan", category="csgl-1-1",
                              description=f"{NAME}反映：临泉县城关镇路边占道经营，电话{PHONE_NO}。")
    response = publish(app, other, title=OTHER_TITLE)
    assert response.status_code == 303, response.get_data(as_text=True)
    secret = consented_replied(app, city, title=SECRET_TITLE, confidential=True)
    return {"mine": mine, "other": other, "other_story": story_id(app, other), "secret": secret}


def test_supervisor_publishes_and_an_anonymous_visitor_reads_the_echo_wall(app, cases, new_page):
    # --- the supervisor publishes from the form, in the browser
    staff = new_page()
    sign_in(staff, "supervisor")
    staff.goto(f"/staff/echo/new?case={cases['mine']}")
    expect(staff.locator("#echo-form")).to_be_visible()
    assert NAME not in staff.locator("#echo-form").inner_html()
    assert PHONE_NO not in staff.locator("#echo-form").inner_html()
    staff.fill("#title", STORY_TITLE)
    staff.locator("#echo-form .form-actions button[type=submit]").click()
    staff.wait_for_url(STORY_URL)
    expect(staff.locator("h1")).to_have_text(STORY_TITLE)
    sid = story_id(app, cases["mine"])
    assert sid is not None and staff.url.endswith(f"/echo/{sid}")
    # the confidential case is refused, with no form
    staff.goto(f"/staff/echo/new?case={cases['secret']}")
    expect(staff.locator(".form-errors[role=alert]")).to_be_visible()
    expect(staff.locator("#echo-form")).to_have_count(0)

    # --- an anonymous visitor (own cookies) on a phone
    page = new_page()
    page.goto("/echo")
    cards = page.locator("#echo-results .card")
    expect(cards).to_have_count(2)
    assert_private(page.content(), "/echo")
    assert_accessible(page, "echo wall")
    assert scroll_width(page) <= PHONE["width"]

    with htmx_settled(page):
        page.select_option("#echo-county", label="颍州区")
    expect(cards).to_have_count(1)
    expect(cards.first.locator("h3")).to_have_text(STORY_TITLE)
    page.wait_for_url(re.compile(r"/echo\?.*county=\d+"))  # hx-push-url: the filtered list has its own address
    expect(page.locator("#echo-county option:checked")).to_have_text("颍州区")
    with htmx_settled(page):
        page.select_option("#echo-category", label="城市管理")  # nothing of 城市管理 in 颍州区
    expect(cards).to_have_count(0)
    with htmx_settled(page):
        page.select_option("#echo-county", label="临泉县")
    expect(cards).to_have_count(1)
    expect(cards.first.locator("h3")).to_have_text(OTHER_TITLE)
    assert_private(page.content(), "/echo (filtered)")

    page.goto("/echo")
    page.locator("#echo-results .card h3 a", has_text=STORY_TITLE).click()
    page.wait_for_url(f"**/echo/{sid}")
    expect(page.locator("h1")).to_have_text(STORY_TITLE)
    expect(page.locator("article.echo-story")).to_contain_text("已更换灯泡")
    assert_private(page.content(), "the story page")
    assert_accessible(page, "echo story")
    assert scroll_width(page) <= PHONE["width"]

    feed_href = page.locator("a[type='application/atom+xml']").get_attribute("href")
    feed = page.request.get(feed_href)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    body = feed.text()
    assert STORY_TITLE in body and OTHER_TITLE in body
    assert_private(body, "the Atom feed")

    # the confidential story cannot be reached by its case either: no story exists, nothing links to it
    assert story_id(app, cases["secret"]) is None

    page.goto("/stats")
    assert_private(page.content(), "/stats")


def test_home_page_shows_no_personal_data(app, cases, page):
    """The replied, consented cases appear on the home page; their reply text is masked, the confidential one absent."""
    page.goto("/")
    expect(page.locator(".case-cards .card").first).to_be_visible()
    html = page.content()
    # the reply greets the citizen by name ("欧阳锋锐您好"): the card must show it masked (home.html `public_text`)
    assert_private(html, "the home page")


def _expect_charts(page) -> None:
    sections = page.locator("#stats-results section.stat-chart")
    expect(sections).to_have_count(4)
    for i in range(4):
        section = sections.nth(i)
        expect(section.locator("figure svg")).to_have_count(1)  # inline, not an <img>
        expect(section.locator("figure img")).to_have_count(0)
        expect(section.locator("table")).to_have_count(1)
        expect(section.locator("table th[scope=col]").first).to_be_attached()
        table_after_svg = section.evaluate(
            "s => !!(s.querySelector('svg').compareDocumentPosition(s.querySelector('table'))"
            " & Node.DOCUMENT_POSITION_FOLLOWING)")
        assert table_after_svg, f"chart {i}: the data table must follow the chart"


def _month_label(page) -> str:
    """The first single month the period selector offers (this month)."""
    return page.locator("#stats-period-select optgroup option").first.inner_text().strip()


def test_stats_on_a_phone(app, city, cases, page):
    page.goto("/stats")
    expect(page.locator("h1")).to_be_visible()
    tiles = page.locator("#stats-results .stat-tiles .stat-tile")
    expect(tiles).to_have_count(7)  # received, closed, closure rate, satisfaction, daily average, and apart:
    expect(tiles.first.locator("dd")).to_have_text("3")  # this year: the three cases of the fixture
    expect(tiles.nth(6)).to_contain_text("重复件")  # repeat calls (and the volume without them)
    _expect_charts(page)
    assert scroll_width(page) <= PHONE["width"], f"/stats scrolls sideways: {scroll_width(page)}"
    assert_private(page.content(), "/stats")

    csv_link = page.locator("#stats-results a[download][href*='.csv']").first
    response = page.request.get(csv_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert NAME not in response.text() and PHONE_NO not in response.text()

    heading = page.locator("#stats-headline")
    before = heading.inner_text()
    month = _month_label(page)
    with htmx_settled(page):
        page.select_option("#stats-period-select", label=month)
    expect(heading).to_have_text(re.compile(rf"^\s*{re.escape(month)}"))
    assert heading.inner_text() != before
    page.wait_for_url(re.compile(r"/stats\?period=\d{4}-\d{2}$"))
    expect(page.locator("#stats-results a[download][href*='.csv']").first).to_have_attribute(
        "href", re.compile(r"period=\d{4}-\d{2}"))
    _expect_charts(page)
    assert scroll_width(page) <= PHONE["width"]


def test_stats_is_accessible_on_a_desktop(app, city, cases, new_page):
    page = new_page(viewport=DESKTOP)
    page.goto("/stats")
    _expect_charts(page)
    assert_accessible(page, "stats (desktop)")


def test_stats_is_accessible_on_a_phone(app, city, cases, page):
    page.goto("/stats")
    _expect_charts(page)
    try:
        assert_accessible(page, "stats (phone)")
    except AssertionError as err:
        raise KnownAppBug(str(err)) from None


def test_filters_and_period_selector_work_without_javascript(app, city, cases, nojs_page):
    page = nojs_page
    page.goto("/echo")
    cards = page.locator("#echo-results .card")
    expect(cards).to_have_count(1)  # only the story published in the fixture
    page.select_option("#echo-county", label="颍州区")
    with page.expect_navigation():
        page.locator("#echo-filters button[type=submit]").click()
    assert re.search(r"county=\d+", page.url)
    expect(page.locator("#echo-county option:checked")).to_have_text("颍州区")
    expect(cards).to_have_count(0)
    expect(page.locator("#echo-results")).to_contain_text("没有")  # "no stories match"
    page.select_option("#echo-county", label="临泉县")
    with page.expect_navigation():
        page.locator("#echo-filters button[type=submit]").click()
    expect(cards).to_have_count(1)
    expect(cards.first.locator("h3")).to_have_text(OTHER_TITLE)
    assert_private(page.content(), "/echo without JavaScript")

    page.goto("/stats")
    heading = page.locator("#stats-headline")
    month = _month_label(page)
    starts_with_month = re.compile(rf"^\s*{re.escape(month)}")
    expect(heading).not_to_have_text(starts_with_month)
    page.select_option("#stats-period-select", label=month)
    with page.expect_navigation():
        page.locator("#stats-period button[type=submit]").click()
    assert re.search(r"period=\d{4}-\d{2}", page.url)
    expect(heading).to_have_text(starts_with_month)
    expect(page.locator("#stats-period-select option:checked")).to_have_text(month)
    _expect_charts(page)
