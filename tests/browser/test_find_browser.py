"""An operator finds a case with the search box on every staff page: by its tracking number, by a two-character
Chinese word, and by the caller's phone while recording a new call (the look-up lands in the contact-view log)."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.domain import intake
from portal.extensions import db
from portal.models import ContactView
from portal.models.base import utcnow
from tests.browser.flows import assert_accessible, login, scroll_width

pytestmark = pytest.mark.browser

CALLER = "13766668888"


@pytest.fixture
def noise_cases(app, city):
    """The same caller rang twice about night-time building noise; someone else reported a manhole cover."""
    made = []
    with app.app_context():
        for days, title, phone in ((9, "夜间施工噪音扰民", CALLER), (3, "工地晚上又在施工", CALLER),
                                   (1, "小区井盖丢失", "13700001111")):
            case, _code = intake.receive(intake.Submission(
                category_id=city["leaf"], county_id=city["county"], town_id=None, address="清河路12号",
                title=title, description=f"{title}，请尽快处理。", citizen_name="孙七", citizen_phone=phone),
                at=utcnow() - timedelta(days=days))
            db.session.commit()
            made.append((case.id, case.tracking_no))
    return made


def search_box(page, text):
    box = page.locator("#staff-search-q")
    box.fill(text)
    box.press("Enter")


def test_operator_finds_a_case_by_number_and_by_a_chinese_word(app, city, page, noise_cases):
    login(page, "operator")
    (_first_id, _first_no), (_second_id, _second_no), (manhole_id, manhole_no) = noise_cases
    # the caller reads out a tracking number: the case opens
    search_box(page, manhole_no.lower())
    page.wait_for_url(re.compile(rf"/staff/cases/{manhole_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(manhole_no)
    # a two-character word: both noise cases, the word marked, nothing else
    search_box(page, "噪音")
    page.wait_for_url(re.compile(r"/staff/search\?q="))
    hits = page.locator(".search-hits > li")
    expect(hits).to_have_count(1)
    expect(hits.first.locator(".hit-title mark")).to_have_text("噪音")
    search_box(page, "施工")
    expect(page.locator(".search-hits > li")).to_have_count(2)
    expect(page.locator(".search-hits")).not_to_contain_text("井盖")
    assert_accessible(page, "search results")
    # narrowing with a filter on the results page (htmx), then opening a hit
    page.select_option("#s-state", "closed")
    expect(page.locator(".search-hits > li")).to_have_count(1)  # the "no match" line
    expect(page.locator(".search-hits")).not_to_contain_text("FY")
    page.select_option("#s-state", "")
    expect(page.locator(".search-hits > li")).to_have_count(2)
    assert scroll_width(page) <= 360
    page.locator(".search-hits a").first.click()
    page.wait_for_url(re.compile(r"/staff/cases/\d+$"))


def test_operator_sees_the_callers_history_while_typing_the_phone(app, city, page, new_page, noise_cases):
    login(page, "operator")
    page.goto("/staff/intake")
    page.fill("#citizen_phone", CALLER)
    history = page.locator("#caller-history-result")
    expect(history.locator("tbody tr")).to_have_count(2)
    # newest first
    expect(history.locator("tbody tr").first).to_contain_text(noise_cases[1][1])
    expect(history.locator("tbody tr").last).to_contain_text(noise_cases[0][1])
    expect(history).to_contain_text("孙七")
    assert scroll_width(page) <= 360
    assert_accessible(page, "intake with the caller's history")
    with app.app_context():
        [view] = db.session.scalars(select(ContactView)).all()
        assert view.kind == "caller_history" and view.phone_key == CALLER
        assert view.user_id == city["users"]["operator"]
    # the administrator finds the look-up in the contact-view log
    admin_page = new_page()
    login(admin_page, "admin")
    admin_page.goto("/staff/ledger/contact-views")
    expect(admin_page.locator("#contact-log tbody")).to_contain_text("137****8888")


def test_dispatcher_opens_the_callers_history_from_the_case_and_sees_the_repeat_flag(app, city, page,
                                                                                     noise_cases):
    (first_id, first_no), (second_id, _second_no), _manhole = noise_cases
    page.goto("/login")
    page.fill("#username", "dispatcher")
    page.fill("#password", "demo12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/staff/queue")
    page.goto(f"/staff/cases/{second_id}")
    expect(page.locator(".repeat-flag")).to_contain_text(first_no)
    page.locator(".caller-history button").click()
    history = page.locator("#caller-history-result")
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history).to_contain_text(first_no)
    assert scroll_width(page) <= 360
    assert_accessible(page, "case page with the caller's history")
    page.goto("/staff/queue?tab=new")
    expect(page.locator("tr", has_text=first_no)).to_have_count(1)
    expect(page.locator("tr .repeat-flag")).to_have_count(1)


def test_without_javascript_the_look_up_button_opens_the_history_beside_the_intake_form(app, city, new_page,
                                                                                         noise_cases):
    page = new_page(java_script_enabled=False)
    login(page, "operator")
    page.goto("/staff/intake")
    page.fill("#citizen_phone", CALLER)
    page.fill("#title", "还是施工噪音")
    with page.context.expect_page() as opened:
        page.locator(".caller-history button").click()
    history = opened.value
    history.wait_for_load_state()
    expect(history.locator("#caller-history-result tbody tr")).to_have_count(2)
    expect(page.locator("#title")).to_have_value("还是施工噪音")  # the intake form keeps what was typed
