"""Every staff and admin page, as the role that uses it: no sideways scrolling at 360 px, no serious or critical
axe violation. Uses the demo organisation plus a few cases in varied states."""
import pytest

from tests.browser.flows import assert_accessible, scroll_width, sign_in

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


@pytest.mark.parametrize("username", sorted(PAGES))
def test_staff_pages_fit_a_phone_and_pass_axe(city, make_assigned_cases, make_case, new_page, username):
    make_case(title="新来的诉求")
    page = new_page()
    sign_in(page, username)
    for path in PAGES[username]:
        response = page.goto(path)
        assert response.status == 200, path
        assert scroll_width(page) <= 360, f"{path} scrolls sideways at 360 px"
        assert_accessible(page, f"{username} {path}")
    case_page = None
    if username in ("dispatcher", "handler", "supervisor", "monitor"):
        case_page = page.locator("table a[href*='/staff/cases/']").first
    if case_page is not None and case_page.count():
        case_page.click()
        page.wait_for_url("**/staff/cases/**")
        assert scroll_width(page) <= 360
        assert_accessible(page, f"{username} case page")


@pytest.fixture
def make_assigned_cases(app, city, make_case):
    from tests.helpers import make_assigned

    make_assigned(app, city, make_case, 2)
