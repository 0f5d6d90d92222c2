"""A citizen on a phone: submit a request, keep the receipt, follow the case. With and without JavaScript."""
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case
from tests.browser.flows import (
    PHONE_NO,
    KnownAppBug,
    expect_case_page,
    fill_case,
    htmx_idle,
    open_track_page,
    photo_file,
    photo_has_no_location,
    read_receipt,
    scroll_width,
    send,
    track,
)

pytestmark = pytest.mark.browser


def stored_case(app, tracking_no):
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.tracking_no == tracking_no)).one()
        return {"category_id": case.category_id, "county_id": case.county_id, "town_id": case.town_id,
                "channel": case.channel, "state": case.state, "photos": len(case.photos),
                "citizen_phone": case.citizen_phone, "publish_consent": case.publish_consent}


def assert_stored(app, city, tracking_no, photos=1):
    assert stored_case(app, tracking_no) == {
        "category_id": city["leaf"], "county_id": city["county"], "town_id": city["town"], "channel": "web",
        "state": "submitted", "photos": photos, "citizen_phone": PHONE_NO, "publish_consent": True}


def test_citizen_submits_on_a_phone_in_chinese_and_tracks_from_another_device(app, city, page, new_page, tmp_path):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.locator("main a[href$='/submit']").first.click()
    page.wait_for_url("**/submit")
    # Cascading selects are filled by htmx: no "update choices" buttons for a JavaScript browser.
    expect(page.locator("button[name=refresh]").first).to_be_hidden()
    fill_case(page, "zh", photo=photo_file(tmp_path))
    expect(page.locator("#category_id")).to_have_value(str(city["leaf"]))
    expect(page.locator("#town_id")).to_have_value(str(city["town"]))
    send(page, "**/submit/receipt")

    tracking_no, code = read_receipt(page)
    assert scroll_width(page) <= 360
    page.screenshot(path="/tmp/receipt.png", full_page=True)
    assert_stored(app, city, tracking_no)

    # Another phone, no cookies: the number and the code are all it takes.
    other = new_page()
    other.goto("/")
    open_track_page(other)
    track(other, tracking_no, code)
    expect_case_page(other, tracking_no)
    expect(other.locator(".facts")).to_contain_text("城乡建设")
    expect(other.locator(".facts")).to_contain_text("颍州区")
    photo_has_no_location(other)
    assert scroll_width(other) <= 360

    # The query code is shown only once: reloading the receipt no longer shows it.
    page.reload()
    expect(page.get_by_test_id("query-code")).to_have_count(0)


def test_citizen_submits_in_english(app, city, page, tmp_path):
    page.goto("/")
    page.locator(".lang-switch").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.locator("nav.main-nav")
    expect(nav.get_by_role("link", name="Submit a request")).to_be_visible()
    nav.get_by_role("link", name="Submit a request").click()
    page.wait_for_url("**/submit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a request")
    expect(page.locator("label[for=citizen_phone]")).to_have_text("Phone")
    expect(page.locator("label[for=category_l1]")).to_have_text("Category")
    fill_case(page, "en", photo=photo_file(tmp_path))
    send(page, "**/submit/receipt")

    expect(page.locator(".receipt-numbers dt").first).to_have_text("Tracking number")
    expect(page.locator(".receipt-numbers dt").nth(1)).to_have_text("Query code")
    tracking_no, code = read_receipt(page)
    assert_stored(app, city, tracking_no)

    open_track_page(page)
    expect(page.locator("label[for=tracking_no]")).to_have_text("Tracking number")
    track(page, tracking_no, code)
    expect_case_page(page, tracking_no)
    expect(page.locator(".facts .badge")).to_have_text("Submitted")
    expect(page.locator(".facts")).to_contain_text("Urban and rural construction")
    expect(page.locator("ol.timeline")).to_contain_text("Request received")


def test_choosing_the_place_keeps_the_form(city, page):
    """The "similar requests" box refreshes when the place is chosen; the rest of the form must stay as typed."""
    page.goto("/submit")
    page.fill("#citizen_name", "张三丰")
    with page.expect_response(lambda r: "/submit/similar" in r.url):
        page.select_option("#county_id", label="颍州区")
    page.wait_for_timeout(200)  # htmx swaps after the response
    expect(page.locator("#case-form")).to_have_count(1)
    expect(page.locator("#case-form #citizen_name")).to_have_value("张三丰")
    expect(page.locator("#case-form #town_id option").nth(1)).to_be_attached()


def test_similar_open_case_is_shown_while_typing(app, city, make_case, page):
    case_id, _no, _code = make_case(title="人民路路面破损有大坑", description="人民路88号门前路面有一个大坑，雨天积水。")
    with app.app_context():  # reviewed by a dispatcher: public under the one publication rule
        from portal.domain import workflow
        from portal.models import User

        workflow.accept(db.session.get(Case, case_id), db.session.get(User, city["users"]["dispatcher"]))
        db.session.commit()
    page.goto("/submit")
    fill_case(page, "zh")
    similar = page.locator("#case-form #similar-cases")
    expect(similar).to_contain_text("人民路路面破损有大坑")
    expect(similar).not_to_contain_text("FY")  # citizens see no other citizen's tracking number
    send(page, "**/submit/receipt")  # the citizen may still send theirs
    read_receipt(page)


def test_citizen_without_javascript(app, city, nojs_page, tmp_path):
    page = nojs_page
    page.goto("/submit")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
    # Without JavaScript the cascade is driven by the visible "update choices" buttons (full page posts).
    expect(page.locator("button[name=refresh][value=category]")).to_be_visible()
    expect(page.locator("#category_l2 option")).to_have_count(1)
    fill_case(page, "zh", photo=photo_file(tmp_path), js=False)
    expect(page.locator("#category_id")).to_have_value(str(city["leaf"]))
    expect(page.locator("#town_id")).to_have_value(str(city["town"]))
    send(page, "**/submit/receipt")

    tracking_no, code = read_receipt(page)
    assert_stored(app, city, tracking_no)

    open_track_page(page)
    track(page, tracking_no, code)
    expect_case_page(page, tracking_no)


def test_without_javascript_a_failed_submit_shows_errors_and_keeps_input(city, nojs_page):
    page = nojs_page
    page.goto("/submit")
    page.fill("#title", "路灯不亮")
    page.fill("#citizen_phone", "123")
    send(page, "**/submit")
    expect(page.locator("#citizen_phone-error")).not_to_be_empty()
    expect(page.locator("#category_id-error")).not_to_be_empty()
    expect(page.locator("#title")).to_have_value("路灯不亮")
    expect(page.locator("#citizen_phone")).to_have_attribute("aria-invalid", "true")


def test_inline_validation_without_reload(city, page):
    page.goto("/submit")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    page.fill("#citizen_phone", "123")
    with page.expect_response(lambda r: r.url.endswith("/submit/validate") and r.request.method == "POST") as hit:
        page.locator("#citizen_phone").blur()
    assert hit.value.status == 200
    error = page.locator("#citizen_phone-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("13812345678")  # the message shows an example of a valid number
    # Only this field's message appears; the others stay quiet until the citizen gets to them.
    expect(page.locator("#title-error")).to_be_empty()

    # Correcting the number clears the message.
    page.fill("#citizen_phone", "13812345678")
    with page.expect_response(lambda r: r.url.endswith("/submit/validate")):
        page.locator("#citizen_phone").blur()
    expect(page.locator("#citizen_phone-error")).to_be_empty()

    # An (almost) empty form: htmx swaps in the 422 answer with every error, and keeps what was typed.
    page.fill("#title", "路灯不亮")
    page.fill("#citizen_phone", "123")
    page.locator("#citizen_phone").blur()  # its check and the similar cases come back before the click
    htmx_idle(page)
    with page.expect_response(lambda r: r.url.endswith("/submit") and r.request.method == "POST") as posted:
        page.locator("#case-form .form-actions button[type=submit]").click()
    assert posted.value.status == 422
    for field in ("category_id", "county_id", "address", "description", "citizen_name", "citizen_phone"):
        expect(page.locator(f"#{field}-error")).not_to_be_empty()
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title")).to_have_value("路灯不亮")
    expect(page.locator("#citizen_phone")).to_have_value("123")
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    assert page.url.endswith("/submit")
    # Focus goes to the first field with an error (its searchable picker), so a screen-reader user hears what is wrong.
    assert page.evaluate("document.activeElement.id") == "category_id-picker"
    expect(page.locator("#category_id-picker")).to_have_attribute("aria-invalid", "true")


def test_wrong_query_code_shows_an_error_and_no_case(city, make_case, page):
    _, tracking_no, code = make_case(title="井盖缺失很危险")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.goto("/track")
    page.evaluate("window.__sameDocument = true")
    page.fill("#tracking_no", tracking_no)
    page.fill("#query_code", wrong)
    with page.expect_response(lambda r: r.url.endswith("/track") and r.request.method == "POST") as posted:
        page.locator("#track-form button[type=submit]").click()
    assert posted.value.status == 422
    expect(page.locator("#query_code-error")).not_to_be_empty()
    expect(page.locator("#query_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("body")).not_to_contain_text("井盖缺失很危险")
    expect(page.locator(".facts")).to_have_count(0)
    assert page.url.endswith("/track")
    assert page.evaluate("window.__sameDocument === true")
    # And the case page itself stays closed to this browser.
    response = page.goto(f"/track/{tracking_no}")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("井盖缺失很危险")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_enter_in_a_text_field_sends_the_request(city, new_page, js):
    page = new_page(java_script_enabled=js)
    page.goto("/submit")
    fill_case(page, "zh", js=js)
    with page.expect_response(lambda r: r.url.endswith("/submit") and r.request.method == "POST") as posted:
        page.locator("#title").press("Enter")
    try:
        page.wait_for_url("**/submit/receipt", timeout=3000)
    except PlaywrightTimeoutError:
        page.wait_for_timeout(300)  # let htmx swap whatever came back
        refresh = "name=\"refresh\"" in (posted.value.request.post_data or "") or \
            "refresh=" in (posted.value.request.post_data or "")
        raise KnownAppBug(f"Enter posted the form (refresh button as submitter: {refresh}), answered "
                          f"{posted.value.status}, stayed on {page.url}; site headers on the page: "
                          f"{page.locator('header.site-header').count()}") from None
    expect(page.locator("header.site-header")).to_have_count(1)
    read_receipt(page)


def test_cascading_selects_keep_personal_data_out_of_urls(city, page):
    page.goto("/submit")
    page.fill("#citizen_name", "张三丰")
    page.fill("#citizen_phone", PHONE_NO)
    with page.expect_request(lambda r: "/submit/options" in r.url) as sent:
        page.select_option("#category_l1", label="城乡建设")
    expect(page.locator("#category_l2 option").nth(1)).to_be_attached()
    url = sent.value.url
    assert "category_l1=" in url
    leaks = [leak for leak in (PHONE_NO, "citizen_name", "citizen_phone", "description", "csrf_token")
             if leak in url]
    if leaks:
        raise KnownAppBug(f"{leaks} sent in the URL {url}")
