"""What a user does in the browser, step by step, shared by the browser tests."""
import io
import re
from contextlib import contextmanager

from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Page, expect

from tests.helpers import make_image

# The first leaf of the demo data (the `city` fixture's "leaf", "county" and "town"), as a citizen reads it.
CHOICES = {
    "zh": {"category_l1": "城乡建设", "category_l2": "道路设施", "category_id": "路面破损",
           "county_id": "颍州区", "town_id": "鼓楼街道"},
    "en": {"category_l1": "Urban and rural construction", "category_l2": "Road facilities",
           "category_id": "Damaged road surface", "county_id": "Yingzhou District", "town_id": "Gulou Street"},
}
TEXT = {
    "zh": {"address": "鼓楼街道人民路88号", "title": "人民路路面破损",
           "description": "人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。", "citizen_name": "张三丰"},
    "en": {"address": "88 Renmin Road, Gulou Street", "title": "Pothole on Renmin Road",
           "description": "There is a deep pothole in front of No. 88; it fills with water when it rains.",
           "citizen_name": "Zhang Sanfeng"},
}
PHONE_NO = "13812345678"
TRACKING_NO = re.compile(r"^FY\d{18}$")
QUERY_CODE = re.compile(r"^\d{6}$")
NEXT_LEVEL = {"category_l1": "category_l2", "category_l2": "category_id", "county_id": "town_id"}
PICKER = {"category_l1": "category", "category_l2": "category", "category_id": "category",
          "county_id": "region", "town_id": "region"}


class KnownAppBug(AssertionError):
    """Raised only by the check that shows a reported app bug, so `xfail(raises=KnownAppBug)` cannot hide others."""


@contextmanager
def htmx_settled(page: Page, timeout_ms: int = 10000, path: str = ""):
    """Wait until htmx has swapped *and processed* new content: until then a new select has no hx-get listener.
    With `path`, only a request to that address counts (a select's change also asks for similar cases)."""
    # Wrapped in an object: evaluate_handle would otherwise wait for the promise itself.
    waiter = page.evaluate_handle(
        "([ms, path]) => ({settled: new Promise(resolve => { "
        "const done = e => { const url = (e.detail && e.detail.xhr && e.detail.xhr.responseURL) || ''; "
        "if (!path || url.includes(path)) { document.removeEventListener('htmx:afterSettle', done); resolve(true); } }; "
        "document.addEventListener('htmx:afterSettle', done); setTimeout(() => resolve(false), ms); })})",
        [timeout_ms, path])
    yield
    assert page.evaluate("w => w.settled", waiter), f"htmx did not settle within {timeout_ms} ms"


def photo_file(tmp_path, name="pothole.jpg"):
    """A JPEG as a phone makes it, with a camera make and GPS position in its EXIF."""
    path = tmp_path / name
    path.write_bytes(make_image("JPEG", size=(640, 480), exif_gps=True))
    return path


def choose(page: Page, field: str, label: str, js: bool = True) -> None:
    """Pick an option by its visible label; wait until the next select of the cascade offers choices."""
    following = NEXT_LEVEL.get(field)
    if following is None:
        page.select_option(f"#{field}", label=label)
        return
    if js:  # htmx swaps the whole picker; wait until the next level is filled and listening
        with htmx_settled(page, path="/submit/options"):
            page.select_option(f"#{field}", label=label)
    else:  # no JavaScript: the visible "update choices" button posts the form and the page comes back filled
        page.select_option(f"#{field}", label=label)
        button = page.locator(f"button[name=refresh][value={PICKER[field]}]")
        expect(button).to_be_visible()
        with page.expect_navigation():
            button.click()
        expect(page.locator(f"#{field}")).to_have_value(re.compile(r"\d+"))
    expect(page.locator(f"#{following} option").nth(1)).to_be_attached()


def fill_case(page: Page, lang: str = "zh", photo=None, js: bool = True, phone: str = PHONE_NO) -> None:
    """Fill the citizen's request form (also the operator's intake form) the way a person would."""
    levels = ("category_l1", "category_l2", "category_id")
    if page.locator("#category_l1").count():  # the citizen steps through the three levels
        for field in levels:
            choose(page, field, CHOICES[lang][field], js=js)
    else:  # the operator picks the specific issue from one list of whole paths
        page.select_option("#category_id", label=" › ".join(CHOICES[lang][field] for field in levels))
    for field in ("county_id", "town_id"):
        choose(page, field, CHOICES[lang][field], js=js)
    for field, value in TEXT[lang].items():
        page.fill(f"#{field}", value)
    page.fill("#citizen_phone", phone)
    page.check("#publish_consent")
    if photo is not None:  # last: a no-JS "update choices" round trip would drop a chosen file
        page.set_input_files("#photos", str(photo))
    htmx_idle(page)  # the last fields' checks and the similar cases are back: nothing moves under the next click


def htmx_idle(page: Page, timeout_ms: int = 10000) -> None:
    """Wait until no htmx request is in flight. A field's change asks for its errors and for similar cases, and
    their answers move the buttons below them: a click aimed while they arrive can land beside the button."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=timeout_ms)


def send(page: Page, url_glob: str) -> None:
    """Press the form's main submit button (not an "update choices" one) and wait for the next page."""
    if page.locator("#citizen_phone").count():
        page.locator("#citizen_phone").blur()
    htmx_idle(page)
    page.locator("#case-form .form-actions button[type=submit]").click()
    page.wait_for_url(url_glob)


def read_receipt(page: Page) -> tuple[str, str]:
    tracking_no = page.get_by_test_id("tracking-no")
    code = page.get_by_test_id("query-code")
    expect(tracking_no).to_be_visible()
    expect(tracking_no).to_have_text(TRACKING_NO)
    expect(code).to_be_visible()
    expect(code).to_have_text(QUERY_CODE)
    return tracking_no.inner_text().strip(), code.inner_text().strip()


def open_track_page(page: Page) -> None:
    """Follow the "track my case" link in the header, as a citizen would."""
    page.locator("nav.main-nav a[href$='/track']").click()
    page.wait_for_url("**/track")
    expect(page.locator("#track-form")).to_be_visible()


def track(page: Page, tracking_no: str, code: str) -> None:
    page.fill("#tracking_no", tracking_no)
    page.fill("#query_code", code)
    page.locator("#track-form button[type=submit]").click()
    page.wait_for_url(f"**/track/{tracking_no}")


def expect_case_page(page: Page, tracking_no: str, state: str = "submitted", photos: int = 1) -> None:
    """The tracked case: heading with the number, a status badge, a timeline, and every photo really loads."""
    expect(page.locator("h1")).to_contain_text(tracking_no)
    badge = page.locator(".facts .badge")
    expect(badge).to_have_class(re.compile(rf"\bstate-{state}\b"))
    expect(badge).not_to_be_empty()
    expect(page.locator("ol.timeline > li").first).to_be_visible()
    expect(page.locator("ol.timeline > li").first).not_to_be_empty()
    images = page.locator("ul.photos img")
    expect(images).to_have_count(photos)
    for i in range(photos):
        img = images.nth(i)
        img.scroll_into_view_if_needed()  # loading="lazy"
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        expect(img).to_have_attribute("alt", re.compile(r"\S"))


def photo_has_no_location(page: Page) -> None:
    """What the server sends back for the first photo is a JPEG without EXIF (no GPS, no camera)."""
    src = page.locator("ul.photos img").first.get_attribute("src")
    response = page.context.request.get(src)
    assert response.ok, response.status
    assert response.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.body())) as image:
        assert image.format == "JPEG"
        assert not image.getexif(), dict(image.getexif())


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def login(page: Page, username: str, password: str = "demo12345") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/staff/")


PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")
_axe = Axe()


def assert_accessible(page, where: str) -> None:
    violations = [v for v in _axe.run(page).response["violations"] if v.get("impact") in BLOCKING]
    report = "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})\n"
        + "\n".join(f"      {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}"
                    for node in v["nodes"])
        for v in violations)
    assert not violations, f"axe found serious/critical violations on {where} ({page.url}):\n{report}"


def sign_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "demo12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/staff/**")


def open_details(details) -> None:
    """Open a <details> (e.g. a step on the staff case page) with a click on its summary, only when it is closed:
    the most likely next step is shown open already, and a click on an open summary would close it."""
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(details).to_have_attribute("open", "")


# Searchable pickers (portal/web/pickers.py, static/js/picker.js): with JavaScript each marked control gets a text
# box `#<control id>-picker`; the plain control stays in the form (a <select> out of sight still takes
# select_option; a checkbox list is hidden and chosen through the box).
def picker_input(scope, control_id: str):
    box = scope.locator(f"#{control_id}-picker")
    expect(box).to_be_visible()
    return box


def pick(scope, control_id: str, query: str, expect_label: str | None = None) -> None:
    """Choose in a picker by typing `query` (part of the name, or its pinyin initials) and pressing Enter."""
    box = picker_input(scope, control_id)
    box.fill("")
    box.press_sequentially(query)
    expect(box).to_have_attribute("aria-expanded", "true")
    if expect_label is not None:
        expect(scope.locator(f"#{control_id}-listbox li.is-active")).to_contain_text(expect_label)
    box.press("Enter")


def tick_in_picker(scope, name: str, value) -> None:
    """Choose one item of an enhanced checkbox list (by the box's value) through its picker, as a person would."""
    box = scope.locator(f"input[type=checkbox][name='{name}'][value='{value}']")
    expect(box).to_have_count(1)
    label = box.locator("xpath=following-sibling::label").inner_text().strip()
    control_id = box.locator("xpath=ancestor::ul[@data-picker][1]").get_attribute("id")
    pick(scope, control_id, label, expect_label=label)
    expect(box).to_be_checked()
    scope.locator(f"#{control_id}-picker").press("Escape")
