"""Issue 14 in a browser, on a 360 px phone: a supervisor opens a hotspot warning, reads why it fired, turns it into
a governance task owned by a unit; a new matching case links itself and its citizen sees the note. A supervisor
publishes a monthly topic that an anonymous visitor reads with its before/after chart (JavaScript on and off)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import assert_accessible, scroll_width, sign_in, track
from tests.helpers import planted_warning

pytestmark = pytest.mark.browser


def check_page(page, where: str) -> None:
    assert scroll_width(page) <= 360, f"{where} scrolls sideways at 360 px"
    assert_accessible(page, where)


def test_a_warning_becomes_a_governance_task_and_the_next_citizen_is_told(app, city, make_case, new_page):
    planted_warning(app, make_case)
    page = new_page()
    sign_in(page, "supervisor")
    page.goto("/staff/supervision")
    expect(page.locator("#n-hotspots")).to_have_text("1")
    page.locator("a:has(#n-hotspots)").click()
    page.wait_for_url("**/staff/governance")
    check_page(page, "warnings list")
    page.locator("table a[href*='/staff/governance/warnings/']").first.click()
    page.wait_for_url(re.compile(r"/staff/governance/warnings/\d+$"))
    why = page.locator("#why")
    expect(why).to_contain_text("6")
    expect(page.locator("#why-heading")).to_be_visible()
    check_page(page, "warning")

    page.locator("form[action$='/acknowledge'] button").click()
    page.wait_for_url(re.compile(r"/staff/governance/warnings/\d+$"))
    page.select_option("#unit_id", str(city["units"]["cgj"]))
    page.fill("#title", "颍河路工地夜间施工噪音整治")
    page.fill("#plan", "联合住建、城管夜间巡查，限定施工时间，违规即停工整改。")
    page.fill("#days", "10")
    page.locator("#task-form button[type=submit]").click()
    task = page.locator("#governance-task")
    expect(task).to_contain_text("颍河路工地夜间施工噪音整治")
    expect(task).to_contain_text("6")
    check_page(page, "warning with its task")

    _, number, code = make_case(title="施工噪音又来了", description="工地晚上又在施工，噪音很吵。",
                                citizen_phone="13700000009")
    citizen = new_page()
    citizen.goto("/track")
    track(citizen, number, code)
    note = citizen.locator(".timeline-note", has_text=re.compile("7"))
    expect(note).to_have_count(1)
    check_page(citizen, "tracked case with the governance note")


def test_a_published_monthly_topic_is_read_by_a_visitor(app, city, make_case, new_page, nojs_page):
    for i in range(3):
        make_case(title="施工噪音", description="工地夜间施工噪音。", citizen_phone=f"1370000100{i}")
    page = new_page()
    sign_in(page, "supervisor")
    page.goto("/staff/governance/topics")
    check_page(page, "topics and proposals")
    page.locator("table a[href*='/topics/new']").first.click()
    page.wait_for_url("**/topics/new**")
    check_page(page, "new topic")
    page.fill("#title", "夜间施工噪音治理")
    page.fill("#summary", "集中整治夜间施工噪音扰民问题。")
    page.fill("#problem_1", "夜间违规施工")
    page.fill("#problem_2", "投诉后反弹")
    page.fill("#task_1_title", "建立夜间施工审批台账")
    page.select_option("#task_1_unit", str(city["units"]["zjj"]))
    page.locator("#topic-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/governance/topics/\d+$"))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("发布|Publish")).click()
    check_page(page, "publication confirmation")  # a published topic cannot be withdrawn: asked first
    page.locator("#confirm-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/governance/topics/\d+$"))
    check_page(page, "staff topic page")
    public_link = page.locator("a[href^='/topics/']")
    href = public_link.get_attribute("href")

    for visitor, js in ((new_page(), True), (nojs_page, False)):
        visitor.goto("/topics")
        expect(visitor.locator("link[rel=alternate][type='application/atom+xml']")).to_have_count(1)
        if js:  # axe and the width check run scripts in the page: a page without JavaScript never answers them
            check_page(visitor, "public topics")
        visitor.get_by_role("link", name="夜间施工噪音治理").click()
        visitor.wait_for_url(f"**{href}")
        chart = visitor.locator(".chart-svg svg")
        expect(chart).to_have_count(1)
        expect(chart).to_have_attribute("role", "img")
        expect(visitor.locator("#done-heading + .table-wrap")).to_contain_text("建立夜间施工审批台账")
        expect(visitor.locator("#effect")).to_contain_text("3")
        if js:
            check_page(visitor, "public topic")
