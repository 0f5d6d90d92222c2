"""A new-media tea salon from end to end, in real browsers: the organizer creates it, a netizen registers on a
phone and is confirmed and checked in, suggestions recorded live appear on a second browser's live board, one is
adopted into a case that the unit answers, the outcomes are published and the raiser rates the outcome."""
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, Participant, Suggestion
from tests.browser.flows import DESKTOP, assert_accessible, scroll_width, tick_in_picker

pytestmark = pytest.mark.browser

TITLE = "新媒体茶座·城市更新面对面"
ADOPTED = "背街小巷路灯坏了很久，建议集中更换。"
NOT_ADOPTED = "建议在老城区新建大型停车场。"
REPLY = "已于本周集中更换背街小巷路灯32盏，恢复夜间照明。"


def login(page: Page, username: str) -> None:
    """Sign in and land on the role's own workspace page (wherever that is)."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "demo12345")
    with page.expect_navigation(url=re.compile(r"/staff/")):
        page.locator("#login-form button[type=submit]").click()


def submit(page: Page, form_selector: str, url_glob=None) -> None:
    button = page.locator(f"{form_selector} button[type=submit]")
    if url_glob:
        with page.expect_navigation(url=url_glob):
            button.click()
    else:
        button.click()


def case_step(page: Page, case_id: int, step: str, fields: dict | None = None) -> None:
    """Open the step's <details> on the staff case page, fill it and send it."""
    page.goto(f"/staff/cases/{case_id}")
    form = page.locator(f"form[action$='/step/{step}']")
    details = page.locator("details.step", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for name, value in (fields or {}).items():
        field = form.locator(f"[name='{step}-{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation(url=f"**/staff/cases/{case_id}"):
        form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_salon_from_creation_to_rated_outcome(app, city, new_page):
    organizer = new_page(viewport=DESKTOP)
    login(organizer, "organizer")

    # 1. The organizer creates the salon and opens registration.
    organizer.goto("/staff/salons/new")
    organizer.fill("#title", TITLE)
    organizer.fill("#theme", "老旧小区改造与背街小巷整治")
    organizer.fill("#starts_at", "2026-12-01T14:30")
    organizer.fill("#ends_at", "2026-12-01T17:00")
    organizer.fill("#venue", "阜阳市民中心三楼会议室")
    organizer.select_option("#venue_kind", "city")
    organizer.fill("#capacity", "20")
    tick_in_picker(organizer, "unit_ids", city["units"]["cgj"])  # the invited units' searchable picker
    organizer.fill("#agenda-0-title", "老旧小区改造")
    organizer.fill("#agenda-0-minutes", "40")
    organizer.fill("#agenda-1-title", "背街小巷整治")
    organizer.fill("#agenda-1-minutes", "30")
    submit(organizer, "#salon-form", re.compile(r"/staff/salons/\d+$"))
    salon_id = int(organizer.url.rsplit("/", 1)[1])
    expect(organizer.get_by_role("heading", level=1)).to_have_text(TITLE)
    with organizer.expect_navigation():
        organizer.locator("form[action$='/step/open_registration'] button").click()
    expect(organizer.locator(".salon-state")).to_have_class(re.compile(r"\bsalon-registration_open\b"))

    # 2. A netizen registers on a phone.
    netizen = new_page()
    netizen.goto(f"/salons/{salon_id}")
    expect(netizen.get_by_role("heading", level=1)).to_have_text(TITLE)
    netizen.locator(f"a[href$='/salons/{salon_id}/register']").first.click()
    netizen.wait_for_url(f"**/salons/{salon_id}/register")
    assert_accessible(netizen, "salon registration")
    expect(netizen.locator("#kind")).to_have_value("netizen_rep")
    netizen.fill("#name", "郑小明")
    netizen.fill("#platform", "阜阳论坛")
    netizen.fill("#handle", "颍州小郑")
    netizen.fill("#phone", "13811112222")
    netizen.locator("#register-form button[type=submit]").click()
    netizen.wait_for_url(f"**/salons/{salon_id}/registered")
    code = netizen.get_by_test_id("attendance-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    assert scroll_width(netizen) <= 360

    # 3. The organizer confirms the registration and invites an opinion leader directly.
    organizer.goto(f"/staff/salons/{salon_id}/participants")
    with organizer.expect_navigation():
        organizer.get_by_role("button", name=re.compile("郑小明")).first.click()
    organizer.fill("#name", "林芳")
    organizer.select_option("#kind", "opinion_leader")
    organizer.fill("#platform", "微博")
    organizer.fill("#handle", "颍州林芳")
    with organizer.expect_navigation():
        organizer.locator("#participant-form button[type=submit]").click()
    with app.app_context():
        states = {p.person.name: (p.id, p.state) for p in db.session.scalars(select(Participant))}
    assert states["郑小明"][1] == "confirmed" and states["林芳"][1] == "confirmed"

    # The printable check-in card carries the code as a QR code.
    organizer.goto(f"/staff/salons/{salon_id}/participants/{states['林芳'][0]}/card")
    expect(organizer.locator("figure.salon-qr svg[role=img]")).to_be_visible()
    card_code = organizer.get_by_test_id("attendance-code").inner_text().strip()

    # 4. Check-in at the door: a wrong code is refused, the right ones are accepted (htmx, no reload).
    organizer.goto(f"/staff/salons/{salon_id}/checkin")
    organizer.fill("#code", "WRONG999")
    organizer.locator("#checkin-form button[type=submit]").click()
    expect(organizer.get_by_test_id("checkin-result")).to_contain_text("WRONG999")
    organizer.fill("#code", code.lower())
    organizer.locator("#checkin-form button[type=submit]").click()
    expect(organizer.get_by_test_id("checkin-result")).to_contain_text("郑小明")
    organizer.fill("#code", card_code)
    organizer.locator("#checkin-form button[type=submit]").click()
    expect(organizer.get_by_test_id("checkin-result")).to_contain_text("林芳")
    organizer.fill("#code", code)
    organizer.locator("#checkin-form button[type=submit]").click()
    expect(organizer.locator("#checkin-panel .form-errors")).to_contain_text("郑小明")  # already checked in

    # 5. The salon starts; a second browser watches the live board.
    organizer.goto(f"/staff/salons/{salon_id}")
    with organizer.expect_navigation():
        organizer.locator("form[action$='/step/start'] button").click()
    watcher = new_page()
    watcher.goto(f"/salons/{salon_id}/live")
    watcher.evaluate("window.__sameDocument = true")
    expect(watcher.locator("#live-board")).to_have_attribute("hx-trigger", "every 5s")
    expect(watcher.locator("#live-board li")).to_have_count(0)

    # 6. Live capture: each suggestion is appended without a reload.
    organizer.goto(f"/staff/salons/{salon_id}/capture")
    organizer.evaluate("window.__sameDocument = true")
    for n, text in enumerate((ADOPTED, NOT_ADOPTED), start=1):
        organizer.select_option("#participant_id", str(states["郑小明"][0] if n == 1 else states["林芳"][0]))
        organizer.select_option("#agenda_item_id", index=2)
        organizer.fill("#text", text)
        organizer.locator("#suggestion-form button[type=submit]").click()
        expect(organizer.locator("#captured > li")).to_have_count(n)
        expect(organizer.locator("#captured > li").last).to_contain_text(text)
        expect(organizer.locator("#text")).to_have_value("")
    assert organizer.evaluate("window.__sameDocument") is True
    assert_accessible(organizer, "live capture")

    expect(watcher.locator("#live-board li")).to_have_count(2, timeout=15_000)
    expect(watcher.locator("#live-board")).to_contain_text(ADOPTED)
    expect(watcher.locator("#live-board")).to_contain_text("@颍州小郑")
    expect(watcher.locator("#live-board")).to_contain_text("背街小巷整治")
    assert watcher.evaluate("window.__sameDocument") is True  # polled by htmx, never reloaded
    board = watcher.locator("#live-board").inner_text()
    assert "郑小明" not in board and "13811112222" not in board
    assert_accessible(watcher, "live board")

    # 7. The organizer closes the salon and triages: one adopted (a case for a unit), one not adopted.
    organizer.goto(f"/staff/salons/{salon_id}")
    organizer.fill("#summary", "本期收集建议2条，现场认领1条。")
    submit(organizer, "#close-form", f"**/staff/salons/{salon_id}")
    with app.app_context():
        ids = [s.id for s in db.session.scalars(select(Suggestion).order_by(Suggestion.id))]
    organizer.locator(f"a[href$='/suggestions/{ids[0]}']").click()
    organizer.wait_for_url(f"**/suggestions/{ids[0]}")
    organizer.locator("details.step", has=organizer.locator("#adopt-form")).locator("summary").click()
    organizer.select_option("#adopt-category_id", str(city["leaf"]))
    organizer.select_option("#adopt-county_id", str(city["county"]))
    organizer.select_option("#adopt-unit_id", str(city["units"]["cgj"]))
    submit(organizer, "#adopt-form", f"**/staff/salons/{salon_id}")
    organizer.goto(f"/staff/salons/{salon_id}/suggestions/{ids[1]}")
    organizer.locator("details.step", has=organizer.locator("#not_adopted-form")).locator("summary").click()
    organizer.fill("#not_adopted-explanation", "老城区用地紧张，已纳入停车专项规划研究。")
    submit(organizer, "#not_adopted-form", f"**/staff/salons/{salon_id}")
    with app.app_context():
        case = db.session.get(Suggestion, ids[0]).case
        case_id, number = case.id, case.tracking_no
        assert (case.channel, case.state, case.lead_unit_id) == ("tea_salon", "assigned", city["units"]["cgj"])
    case_link = organizer.locator(f"#salon-suggestions a[href$='/staff/cases/{case_id}']")
    expect(case_link).to_have_text(number)

    # 8. The unit answers through the normal workflow; the organizer releases the reply.
    handler = new_page(viewport=DESKTOP)
    login(handler, "handler")
    handler.goto(f"/staff/cases/{case_id}")
    expect(handler.locator(".salon-origin")).to_contain_text(TITLE)  # the case shows where it came from
    case_step(handler, case_id, "sign_for")
    case_step(handler, case_id, "draft_reply", {"reply_type": "resolved", "text": REPLY})
    lead = new_page(viewport=DESKTOP)
    login(lead, "unit_lead")
    case_step(lead, case_id, "reply")
    case_link.click()
    organizer.wait_for_url(f"**/staff/cases/{case_id}")
    case_step(organizer, case_id, "release")

    # 9. Outcomes published: the public page shows every suggestion, the unit's reply, masked names.
    organizer.goto(f"/staff/salons/{salon_id}")
    with organizer.expect_navigation():
        organizer.locator("form[action$='/step/publish'] button").click()
    with organizer.expect_navigation():  # publishing cannot be undone: confirm on the next page
        organizer.locator("#confirm-form button[type=submit]").click()
    expect(organizer.locator(".salon-state")).to_have_class(re.compile(r"\bsalon-outcomes_published\b"))
    rating_link = organizer.get_by_test_id(f"rating-link-{ids[0]}").get_attribute("href")
    netizen.goto(f"/salons/{salon_id}/outcomes")
    outcomes = netizen.locator("main")
    expect(outcomes).to_contain_text(REPLY)
    expect(outcomes).to_contain_text("老城区用地紧张")
    expect(outcomes).to_contain_text("@颍州小郑")
    assert "13811112222" not in outcomes.inner_text() and "郑小明" not in outcomes.inner_text()
    assert_accessible(netizen, "salon outcomes")

    # 10. The raiser follows the personal link and rates the outcome: the case closes.
    netizen.goto(rating_link)
    expect(netizen.locator("main")).to_contain_text(REPLY)
    netizen.select_option("#satisfaction", "satisfied")
    netizen.locator("#rating button[type=submit]").click()
    expect(netizen.get_by_test_id("rating-refusal")).to_be_visible()  # rated: no second form
    assert_accessible(netizen, "salon rating")
    with app.app_context():
        case = db.session.get(Case, case_id)
        suggestion = db.session.get(Suggestion, ids[0])
        assert (case.state, case.satisfaction, suggestion.satisfaction) == ("closed", "satisfied", "satisfied")


@pytest.fixture
def demo_salons(app):
    """The demo's six salons (with the organisation they need)."""
    from portal.demo import reference
    from portal.demo import salons as demo

    with app.app_context():
        ref = reference.load_reference()
        created = demo.load(ref)
        db.session.commit()
        published = next(s for s in created if s.state == "outcomes_published")
        closed = next(s for s in created if s.state == "closed")
        return {
            "published": published.id, "closed": closed.id,
            "participant": published.participants[0].id,
            "pending": next(s.id for s in closed.suggestions if s.outcome == "pending"),
            "rating_code": next(s.rating_code for s in published.suggestions if s.outcome == "not_adopted"),
            "case": next(s.case_id for s in published.suggestions if s.outcome == "adopted"),
        }


def test_salon_pages_are_accessible_on_a_phone(demo_salons, new_page):
    ids = demo_salons
    public = new_page()
    for where, path in (("salon list", "/salons"), ("salon", f"/salons/{ids['published']}"),
                        ("outcomes", f"/salons/{ids['published']}/outcomes"),
                        ("live board after the salon", f"/salons/{ids['closed']}/live"),
                        ("rating link", f"/salons/rate/{ids['rating_code']}")):
        public.goto(path)
        assert_accessible(public, where)
        assert scroll_width(public) <= 360, f"{where} scrolls sideways on a phone"
    public.goto("/salons")
    expect(public.locator(".salon-figures dd").first).to_have_text("6")  # salons held, from the data

    staff = new_page()
    login(staff, "organizer")
    for where, path in (("salons", "/staff/salons"), ("new salon", "/staff/salons/new"),
                        ("salon", f"/staff/salons/{ids['closed']}"),
                        ("roster", f"/staff/salons/{ids['published']}/participants"),
                        ("card", f"/staff/salons/{ids['published']}/participants/{ids['participant']}/card"),
                        ("triage", f"/staff/salons/{ids['closed']}/suggestions/{ids['pending']}"),
                        ("case from a salon", f"/staff/cases/{ids['case']}")):
        staff.goto(path)
        assert_accessible(staff, where)
        assert scroll_width(staff) <= 360, f"{where} scrolls sideways on a phone"
    expect(staff.locator(".salon-origin")).to_be_visible()
