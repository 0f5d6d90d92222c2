"""The design system in the browser: the staff frame (live queue counts, user menu), the footer on short pages,
print styles, the front door on a phone, and a visual sweep of the key pages at 375 and 1280 px that saves
screenshots (test-artifacts/screenshots/<width>/<name>.png), finds text that overflows its box, status pills that
wrap, and serious or critical axe findings."""
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.flows import assert_accessible, sign_in
from tests.helpers import case_form

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (375, 1280)

# any block box whose text runs out of it sideways (scrollers, clipped and visually hidden boxes excepted);
# the page itself wider than the window
OVERFLOW_JS = """() => {
  const bad = [];
  const selector = 'main *, header *, nav *, footer *';
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.display === 'none' || style.display === 'contents') continue;
    if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) continue;
    if (el.closest('.visually-hidden, [hidden], svg, .chart-svg, details:not([open]) > :not(summary)')) continue;
    if (el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const text = (el.innerText || '').trim().slice(0, 40);
      bad.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${text}" ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  const doc = document.documentElement.scrollWidth;
  if (doc > window.innerWidth) bad.push(`document ${doc}>${window.innerWidth}`);
  return bad;
}"""
# every status pill (and every badge and light) on one line: its box is no taller than one line of its text plus padding and border
PILLS_JS = """() => [...document.querySelectorAll('.pill, .badge, .light')].filter(el => el.offsetParent !== null).map(el => {
  const s = getComputedStyle(el);
  const line = parseFloat(s.lineHeight);
  const extra = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom) + parseFloat(s.borderTopWidth) + parseFloat(s.borderBottomWidth);
  const h = el.getBoundingClientRect().height;
  return h > line * 1.5 + extra ? `${el.className} "${el.innerText}" ${h}px (line ${line}px)` : null;
}).filter(Boolean)"""


@pytest.fixture
def world(app):
    """The demo organisation and its salons (one with published outcomes), a new case and a case assigned to
    unit A (市城市管理局); returns their ids and a valid citizen form."""
    from portal.demo import reference
    from portal.demo import salons as demo
    from portal.domain import intake, workflow

    with app.app_context():
        ref = reference.load_reference()
        created = demo.load(ref)
        leaf, county = ref["leaves"][0][0], ref["counties"][0]
        where = dict(category_id=leaf.id, county_id=county.id, town_id=ref["towns"][county.code][0].id)
        fields = dict(where, address="人民路88号", description="门前路面有一个大坑，请尽快修复。", citizen_name="李四",
                      citizen_phone="13912345678", publish_consent=True)
        case, _ = intake.receive(intake.Submission(title="城南菜市场门前占道经营严重影响通行", **fields))
        other, _ = intake.receive(intake.Submission(title="人民路路灯不亮", **fields))
        dispatcher = ref["users"]["dispatcher"]
        workflow.accept(other, dispatcher)
        workflow.assign(other, dispatcher, ref["units"]["cgj"], "general")
        db.session.commit()
        form = case_form({"leaf_path": [leaf.parent.parent_id, leaf.parent_id], "leaf": leaf.id,
                          "county": county.id, "town": where["town_id"]})
        return {"salon": next(s.id for s in created if s.state == "outcomes_published"), "case": case.id,
                "form": form}


def _submit_through_the_form(page, form: dict) -> str:
    """Post the citizen's form from the browser's session (the hidden tokens of the real page), as a person
    pressing Send would; returns the receipt's tracking number once the receipt page is open."""
    page.goto("/submit")
    hidden = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#case-form input[type=hidden]')]"
                           ".filter(i => i.name).map(i => [i.name, i.value]))")
    response = page.context.request.post("/submit", form={**form, **hidden}, max_redirects=0)
    assert response.status == 303, response.status
    page.goto("/submit/receipt")
    return page.get_by_test_id("tracking-no").inner_text().strip()


def _sign_out(page):
    page.locator(".user-menu summary").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(lambda url: "/staff" not in url)  # "**/" would match the staff home it leaves


def _print_shot(page, name: str) -> None:
    """How the page looks printed (print media emulated), for review beside the screen shots."""
    folder = ARTIFACTS / "print"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _check(page, width: int, name: str, problems: dict) -> None:
    page.wait_for_load_state("load")
    folder = ARTIFACTS / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    found = page.evaluate(OVERFLOW_JS) + [f"pill wraps: {p}" for p in page.evaluate(PILLS_JS)]
    if found:
        problems[f"{width} {name}"] = found
    assert_accessible(page, f"{name} at {width} px")


def _the_checks_find_what_they_look_for(page):
    """A word too long for its box and a pill forced to wrap are reported (the sweep's checks are not blind)."""
    page.goto("/")
    page.evaluate("() => { const main = document.querySelector('main');"
                  " main.insertAdjacentHTML('beforeend', '<p id=probe-text class=card>' + 'W'.repeat(200) + '</p>"
                  "<p><span id=probe-pill class=pill>已提交 已提交 已提交</span></p>');"
                  " document.getElementById('probe-text').style.overflowWrap = 'normal';"
                  " const pill = document.getElementById('probe-pill');"
                  " pill.style.whiteSpace = 'normal'; pill.style.width = '3em'; }")
    assert any("probe-text" in p or "WWWW" in p for p in page.evaluate(OVERFLOW_JS))
    assert page.evaluate(PILLS_JS)


def test_visual_sweep_of_the_key_pages(new_page, world):
    """The key pages at 375 and 1280 px: screenshots saved, no text out of its box, no wrapped pill, axe clean."""
    case_id, published_salon = world["case"], world["salon"]
    started, checked, problems = time.monotonic(), 0, {}
    for width in WIDTHS:
        page = new_page(viewport={"width": width, "height": 900 if width > 375 else 740})
        if width == WIDTHS[0]:
            _the_checks_find_what_they_look_for(page)
        tracking_no = _submit_through_the_form(page, world["form"])
        _check(page, width, "receipt", problems)
        public = {"home": "/", "submit": "/submit", "track-result": f"/track/{tracking_no}", "stats": "/stats",
                  "echo-wall": "/echo", "salon-outcomes": f"/salons/{published_salon}/outcomes", "login": "/login"}
        for name, path in public.items():
            assert page.goto(path).status == 200, path
            _check(page, width, name, problems)
        sign_in(page, "admin")
        staff = {"dispatcher-queue": "/staff/queue", "staff-case": f"/staff/cases/{case_id}",
                 "ledger": "/staff/ledger", "supervision": "/staff/supervision", "style-guide": "/staff/style-guide"}
        for name, path in staff.items():
            assert page.goto(path).status == 200, path
            _check(page, width, name, problems)
        page.goto("/lang/en?next=/staff/style-guide")  # English labels are longer: the pills must still fit
        expect(page.locator("html")).to_have_attribute("lang", "en")
        _check(page, width, "style-guide-en", problems)
        page.goto("/lang/zh_Hans?next=/staff/")
        _sign_out(page)
        sign_in(page, "handler")
        assert page.goto("/staff/unit").status == 200
        _check(page, width, "unit-queue", problems)
        checked += len(public) + len(staff) + 3
    elapsed = time.monotonic() - started
    print(f"\nvisual sweep: {checked} page views ({checked // len(WIDTHS)} pages x {len(WIDTHS)} widths) "
          f"in {elapsed:.1f} s; screenshots in {ARTIFACTS}")
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems.items())


def test_staff_header_counts_update_without_a_reload(app, city, make_case, new_page):
    make_case()
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, "dispatcher")
    count = page.locator("#queue-counts a[href$='/staff/queue'] .count")
    expect(count).to_have_text("1")
    page.evaluate("() => { window.notReloaded = true; }")
    make_case()
    make_case()
    # poll every second instead of every minute: htmx picks up the changed trigger when it processes the list again
    page.evaluate("() => { const list = document.getElementById('queue-counts');"
                  " list.setAttribute('hx-trigger', 'every 1s'); htmx.process(list); }")
    expect(count).to_have_text("3")
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"


def test_user_menu_signs_out_with_the_keyboard(city, new_page):
    page = new_page(viewport={"width": 375, "height": 740})
    sign_in(page, "handler")
    summary = page.locator(".user-menu summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".user-menu-panel")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")  # closes the menu, focus back on its summary
    expect(page.locator(".user-menu-panel")).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".user-menu-panel")).to_be_visible()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.testid === 'sign-out'"):
            break
    else:
        pytest.fail("Tab never reached the sign-out button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    expect(page.locator(".staff-header")).to_have_count(0)
    expect(page.locator(".site-header a[href$='/login']")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_footer_sits_at_the_bottom_of_a_short_page(city, new_page, width):
    page = new_page(viewport={"width": width, "height": 1200})
    page.goto("/login")
    bottom = page.locator(".site-footer").evaluate("el => el.getBoundingClientRect().bottom")
    assert abs(bottom - 1200) <= 1, f"the footer ends at {bottom}px on a 1200 px high window"


def test_print_shows_the_document_without_the_sites_chrome(new_page, world):
    page = new_page(viewport={"width": 1280, "height": 900})
    _submit_through_the_form(page, world["form"])
    expect(page.locator(".receipt .print-only")).to_be_hidden()  # on screen the button and the link say it
    page.emulate_media(media="print")
    expect(page.get_by_test_id("tracking-no")).to_be_visible()
    expect(page.locator(".receipt .print-only")).to_contain_text("/track/")  # where to follow it, on paper
    for chrome in (".site-header", ".site-footer", ".js-print", ".breadcrumbs"):
        expect(page.locator(chrome)).to_be_hidden()
    _print_shot(page, "receipt")
    page.goto(f"/salons/{world['salon']}/outcomes")
    expect(page.locator(".salon-outcomes")).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    _print_shot(page, "salon-outcomes")
    page.emulate_media(media="screen")  # signing in needs the form
    sign_in(page, "dispatcher")
    page.goto("/staff/ledger")
    page.emulate_media(media="print")
    expect(page.locator("main table")).to_be_visible()
    for chrome in (".staff-header", ".staff-nav", ".staff-search", "#ledger-filters"):
        expect(page.locator(chrome)).to_be_hidden()
    # the ledger prints as a table with its header row, not as phone cards
    expect(page.locator("main table thead")).to_be_visible()
    _print_shot(page, "ledger")


def test_front_door_fits_one_phone_screen(city, new_page):
    page = new_page(viewport={"width": 375, "height": 740})
    page.goto("/")
    doors = page.locator(".front-door a")
    expect(doors).to_have_count(5)
    bottom = doors.evaluate_all("links => Math.max(...links.map(a => a.getBoundingClientRect().bottom))")
    assert bottom <= 740, f"the last thing a citizen can do ends at {bottom}px, below a 740 px phone screen"
