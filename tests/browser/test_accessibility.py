"""axe-core on every page a citizen or an operator uses, and no horizontal scrolling on a 360 px phone."""
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Case
from tests.browser.flows import DESKTOP, PHONE, assert_accessible, login, scroll_width, track

pytestmark = pytest.mark.browser

def assert_no_horizontal_scroll(page, where: str) -> None:
    width = scroll_width(page)
    assert width <= PHONE["width"], f"{where} scrolls sideways on a 360 px phone: scrollWidth={width}"


@pytest.fixture
def published_case(app, make_case):
    """A case answered and published, so the home page shows a card (state set directly: display only)."""
    case_id, tracking_no, code = make_case(title="人民路路灯不亮已修复", citizen_name="王小明")
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.state = "closed"
        case.reply_text = "经核查，人民路路灯线路老化，已于当日更换，恢复照明。感谢您的反映。" * 3
        db.session.commit()
    return tracking_no, code


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_public_pages_are_accessible(city, published_case, new_page, viewport):
    page = new_page(viewport=viewport)
    phone = viewport == PHONE

    page.goto("/")
    expect(page.locator(".case-cards .card")).to_have_count(1)
    assert_accessible(page, "home")
    if phone:
        assert_no_horizontal_scroll(page, "home")

    page.goto("/submit")
    assert_accessible(page, "submit")
    if phone:
        assert_no_horizontal_scroll(page, "submit")
    page.fill("#citizen_phone", "123")
    page.locator("#case-form .form-actions button[type=submit]").click()
    expect(page.locator("#citizen_phone")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "submit with errors")
    if phone:
        assert_no_horizontal_scroll(page, "submit with errors")

    page.goto("/track")
    assert_accessible(page, "track")
    if phone:
        assert_no_horizontal_scroll(page, "track")
    page.fill("#tracking_no", published_case[0])
    page.fill("#query_code", "000000" if published_case[1] != "000000" else "111111")
    page.locator("#track-form button[type=submit]").click()
    expect(page.locator("#query_code-error")).not_to_be_empty()
    assert_accessible(page, "track with a wrong code")

    track(page, *published_case)
    assert_accessible(page, "tracked case")
    if phone:
        assert_no_horizontal_scroll(page, "tracked case")

    page.goto("/questions/")
    assert_accessible(page, "common questions")
    if phone:
        assert_no_horizontal_scroll(page, "common questions")

    page.goto("/login")
    assert_accessible(page, "login")
    if phone:
        assert_no_horizontal_scroll(page, "login")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_intake_is_accessible(city, new_page, viewport):
    page = new_page(viewport=viewport)
    login(page, "operator")
    page.goto("/staff/intake")
    expect(page.locator("#case-form")).to_be_visible()
    assert_accessible(page, "staff intake")
    if viewport == PHONE:
        assert_no_horizontal_scroll(page, "staff intake")
    page.locator("#case-form .form-actions button[type=submit]").click()
    expect(page.locator("#category_id")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "staff intake with errors")
    if viewport == PHONE:
        assert_no_horizontal_scroll(page, "staff intake with errors")


def test_english_submit_page_is_accessible_on_a_phone(city, page):
    page.goto("/lang/en?next=/submit")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "submit (English)")
    assert_no_horizontal_scroll(page, "submit (English)")
