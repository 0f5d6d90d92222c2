"""Every staff and admin page, as the role that uses it, on a 360 px phone and a 1280 px desk screen: no sideways
scrolling, no serious or critical axe violation at either width. Uses the demo organisation plus a few cases in
varied states."""
import pytest

from tests.browser.flows import DESKTOP, PHONE, assert_accessible, scroll_width, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "dispatcher": ["/staff/queue", "/staff/queue?tab=assign", "/staff/ledger", "/staff/cases", "/staff/intake",
                   "/staff/search?q=批量件", "/staff/search?q=13912345678", "/staff/callers", "/staff/knowledge/"],
    "supervisor": ["/staff/supervision", "/staff/supervision/orders", "/staff/supervision/flags", "/staff/rankings",
                   "/staff/interviews", "/staff/dissatisfied", "/staff/echo/new", "/admin/audit",
                   "/staff/unit-figures/units", "/staff/knowledge/", "/staff/governance", "/staff/governance/settings",
                   "/staff/governance/topics", "/staff/governance/topics/new"],
    "handler": ["/staff/unit", "/staff/supervision/orders", "/staff/search?q=批量件", "/staff/unit-figures/",
                "/staff/unit-figures/cases?metric=volume&period=year", "/staff/knowledge/", "/staff/reply-templates",
                "/staff/governance", "/staff/governance/settings"],
    "monitor": ["/staff/monitor"],
    "organizer": ["/staff/salons", "/staff/salons/new"],
    "admin": ["/admin/calendar", "/admin/routing", "/admin/api-keys", "/staff/ledger/contact-views",
              "/admin/", "/admin/users", "/admin/users/new", "/admin/organisation/units",
              "/admin/organisation/units/new", "/admin/organisation/platforms", "/admin/organisation/regions",
              "/admin/organisation/categories", "/admin/outbox", "/admin/audit", "/staff/knowledge/new",
              "/staff/reply-templates/new", "/account/password"],
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("username", sorted(PAGES))
def test_staff_pages_fit_the_screen_and_pass_axe(city, make_assigned_cases, make_case, new_page, username, viewport):
    make_case(title="新来的诉求")
    page = new_page(viewport=viewport)
    width = viewport["width"]
    sign_in(page, username)
    for path in PAGES[username]:
        response = page.goto(path)
        assert response.status == 200, path
        assert scroll_width(page) <= width, f"{path} scrolls sideways at {width} px"
        assert_accessible(page, f"{username} {path} at {width} px")
    case_page = None
    if username in ("dispatcher", "handler", "supervisor", "monitor"):
        case_page = page.locator("table a[href*='/staff/cases/']").first
    if case_page is not None and case_page.count():
        case_page.click()
        page.wait_for_url("**/staff/cases/**")
        assert scroll_width(page) <= width
        assert_accessible(page, f"{username} case page at {width} px")


@pytest.fixture
def make_assigned_cases(app, city, make_case):
    from tests.helpers import make_assigned

    make_assigned(app, city, make_case, 2)
