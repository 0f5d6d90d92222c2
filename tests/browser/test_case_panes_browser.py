"""The staff case page in two panes (issue 15): at 1280 px the actions stand to the right of the case and its event
log and stay in view while the log scrolls; at 375 px they follow the case summary, before the log, with nothing
scrolling sideways. The most likely next step is open; axe finds nothing serious at either width."""
import re

import pytest
from playwright.sync_api import expect

from portal.domain import workflow
from portal.extensions import db
from portal.models import Case, User
from tests.browser.flows import assert_accessible, scroll_width, sign_in
from tests.helpers import assigned

pytestmark = pytest.mark.browser


def long_case(app, city, make_case, rounds=5) -> int:
    """A signed-for case with a long log (extensions asked and granted) and one request waiting for the
    dispatcher: their most likely next step is to approve it."""
    case_id, _ = assigned(app, city, make_case, sign=True)
    with app.app_context():
        case = db.session.get(Case, case_id)
        handler, dispatcher = (db.session.get(User, city["users"][n]) for n in ("handler", "dispatcher"))
        for i in range(rounds):
            workflow.request_extension(case, handler, 1, f"第{i + 1}次：需要协调供电部门更换线路，现场施工需要时间。")
            workflow.decide_extension(case, dispatcher, True, "同意延期。")
        workflow.request_extension(case, handler, 2, "还需要两个工作日完成路面养护。")
        db.session.commit()
    return case_id


def box(page, selector):
    found = page.locator(selector)
    expect(found).to_have_count(1)
    return found.bounding_box()


def expect_first_step_open(page, step):
    first = page.locator("#actions details.step").first
    expect(first).to_have_attribute("open", "")
    expect(first.locator(f"form[action$='/step/{step}'] button[type=submit]")).to_be_visible()
    for later in page.locator("#actions details.step").all()[1:]:
        expect(later).not_to_have_attribute("open", "")


def test_actions_beside_the_case_at_1280_and_in_view_down_the_log(app, city, make_case, new_page):
    case_id = long_case(app, city, make_case)
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, "dispatcher")
    page.goto(f"/staff/cases/{case_id}")
    expect_first_step_open(page, "approve_extension")
    actions, log, summary = box(page, "#actions"), box(page, ".case-log"), box(page, ".case-summary")
    assert actions["x"] >= log["x"] + log["width"], (actions, log)  # to the right of the timeline
    assert actions["x"] >= summary["x"] + summary["width"], (actions, summary)
    assert actions["y"] < summary["y"] + summary["height"]  # beside the case, not below it
    assert scroll_width(page) <= 1280
    assert_accessible(page, "dispatcher's case page at 1280 px")

    # half-way down the log the pane is held at the top of the window (sticky, 1 rem below its edge)…
    page.evaluate("y => window.scrollTo(0, y)", log["y"] + log["height"] / 2 - 400)
    assert page.evaluate("window.scrollY") > 0, "the page should be longer than the window"
    assert abs(box(page, "#actions")["y"] - 16) <= 1, box(page, "#actions")
    # …and at the end of the log the open step can still be sent without scrolling back up
    page.locator(".case-log ol.timeline > li").last.scroll_into_view_if_needed()
    expect(page.locator("#actions form[action$='/step/approve_extension'] button[type=submit]")).to_be_in_viewport()


def test_actions_follow_the_case_on_a_phone(app, city, make_case, new_page):
    case_id = long_case(app, city, make_case, rounds=2)
    page = new_page(viewport={"width": 375, "height": 740})
    sign_in(page, "dispatcher")
    page.goto(f"/staff/cases/{case_id}")
    expect_first_step_open(page, "approve_extension")
    summary, actions, log = box(page, ".case-summary"), box(page, "#actions"), box(page, ".case-log")
    assert actions["y"] >= summary["y"] + summary["height"] - 1, (summary, actions)  # below the case summary
    assert log["y"] >= actions["y"] + actions["height"] - 1, (actions, log)  # the log after the actions
    assert actions["x"] + actions["width"] <= 375
    assert scroll_width(page) <= 375, "the case page scrolls sideways at 375 px"
    assert_accessible(page, "dispatcher's case page at 375 px")

    jump = page.locator("a.jump-to-actions")
    expect(jump).to_be_visible()
    jump.click()
    expect(page.locator("#actions")).to_be_focused()
    expect(page.locator("#actions-heading")).to_be_in_viewport()


@pytest.mark.parametrize("username,action", [("handler", "/step/sign_for"), ("supervisor", "/supervise")])
def test_first_action_open_for_each_role_at_both_widths(app, city, make_case, new_page, username, action):
    """A handler on an assigned case finds "sign for" open; a supervisor the supervision order form (a panel's
    form leads the pane). Both widths, axe clean; the handler signs for the case from the open panel."""
    case_id, _ = assigned(app, city, make_case)
    for width in (1280, 375):
        page = new_page(viewport={"width": width, "height": 800})
        sign_in(page, username)
        page.goto(f"/staff/cases/{case_id}")
        first = page.locator("#actions details.step").first
        expect(first).to_have_attribute("open", "")
        expect(first.locator(f"form[action$='{action}'] button[type=submit]")).to_be_visible()
        assert scroll_width(page) <= width
        assert_accessible(page, f"{username}'s case page at {width} px")
    if username == "handler":
        page.locator("#actions form[action$='/step/sign_for'] button[type=submit]").click()
        expect(page.locator(".facts .badge").first).to_have_class(re.compile(r"state-handling"))
