"""Everyday correctness in the browser: an e-mail address typed in the citizen's and the operator's forms passes
the inline check and keeps the page and the chosen photo; a double click on "send" creates one case; no console
warnings or errors; the main pages in Chinese carry no English interface words."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case
from tests.browser.flows import fill_case, htmx_settled, login, photo_file
from tests.zh_pages import english_words

pytestmark = pytest.mark.browser


# htmx reports a request it abandoned because a newer one from the same element superseded it (typing on while an
# inline check is in flight): expected, not a defect.
SUPERSEDED = ("htmx:sendAbort", "htmx:afterRequest")


def console_problems(page) -> list[str]:
    problems = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("warning", "error") and not m.text.startswith(SUPERSEDED) else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


@pytest.mark.parametrize("path,who", [("/submit", None), ("/staff/intake", "operator")])
def test_email_inline_check_keeps_the_page_and_the_photo(app, city, page, tmp_path, path, who):
    problems = console_problems(page)
    if who:
        login(page, who)
    page.goto(path)
    fill_case(page, "zh", photo=photo_file(tmp_path))
    page.fill("#citizen_email", "zhang.san@example.com")
    page.locator("#citizen_email").press("Tab")
    htmx_settled(page)
    expect(page.locator("#citizen_email-error")).to_have_text("")
    expect(page.locator("#case-form")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("#photos").evaluate("el => el.files.length") == 1
    assert page.locator("#title").input_value() != ""
    page.fill("#citizen_email", "zhang@")
    page.locator("#citizen_email").press("Tab")
    htmx_settled(page)
    expect(page.locator("#citizen_email-error")).not_to_have_text("")
    expect(page.locator("#citizen_email")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#photos").evaluate("el => el.files.length") == 1
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path,who,after", [("/submit", None, "**/submit/receipt"),
                                             ("/staff/intake", "operator", "**/staff/cases/*")])
def test_double_click_on_send_creates_one_case(app, city, page, tmp_path, path, who, after):
    problems = console_problems(page)
    if who:
        login(page, who)
    page.goto(path)
    fill_case(page, "zh")
    button = page.locator("#case-form .form-actions button[type=submit]")
    button.dblclick()
    page.wait_for_url(after)
    htmx_settled(page)
    assert cases(app) == 1
    assert problems == [], "\n".join(problems)


def test_send_button_is_disabled_while_the_request_is_in_flight(app, city, page):
    page.goto("/submit")
    fill_case(page, "zh")
    disabled = []
    page.route("**/submit", lambda route: (disabled.append(
        page.evaluate("document.querySelector('#case-form .form-actions button[type=submit]').disabled")),
        route.continue_()) if route.request.method == "POST" else route.continue_())
    page.locator("#case-form .form-actions button[type=submit]").click()
    page.wait_for_url("**/submit/receipt")
    assert disabled == [True]


MAIN_PAGES = ["/", "/submit", "/track", "/stats", "/echo", "/rankings", "/salons", "/login"]


def test_main_pages_in_chinese_have_no_english_words(app, city, page):
    problems = console_problems(page)
    found = {}
    for path in MAIN_PAGES:
        page.goto(path)
        words = english_words(page.content())
        if words:
            found[path] = words
    page.goto("/login")
    page.fill("#username", "dispatcher")
    page.fill("#password", "demo12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/staff/**")
    for path in ["/staff/", "/staff/queue", "/staff/cases", "/staff/ledger", "/staff/intake"]:
        page.goto(path)
        words = english_words(page.content())
        if words:
            found[path] = words
    assert found == {}
    assert problems == [], "\n".join(problems)
