"""The closed loop in real browsers, every user in their own browser context (issue 3's done-criterion).

Mirrors tests/test_loop.py, but through the pages: the operator records a hotline call, the dispatcher, the
units, the supervisor and the citizen act on it through the forms they see. The loop runs once with JavaScript
(htmx posts, HX-Redirect after a step, fragments swapped on errors) and once with JavaScript off for the
dispatcher and the handler (plain POST + 303). Page wording is being translated concurrently, so the checks rely
on ids, names, URLs, data and the labels the app itself renders (looked up in the app, not typed here).
"""
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import Case, Unit, User
from tests.browser.flows import (
    DESKTOP,
    KnownAppBug,
    fill_case,
    htmx_settled,
    read_receipt,
    send,
    tick_in_picker,
    track,
)

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASE_URL = re.compile(r"/staff/cases/(\d+)$")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
FLASH_NUMBERS = re.compile(r"(FY\d{18})\D+?(\d{6})(?!\d)")

# The steps the citizen sees, in the order the loop takes them, and the ones that stay inside the government.
LOOP_PUBLIC = ["submit", "accept", "assign", "sign_for", "release", "evaluate",
               "rehandle", "release", "evaluate"]
LOOP_INTERNAL = ("co_input", "draft_reply", "reply")
CO_INPUT = "交通局已核实路段归属，配合修复路面。"
FIRST_REPLY = "已于今日对人民路88号门前路面进行临时修补。"
SECOND_REPLY = "已对人民路88号门前路面进行整体翻修，积水问题已解决。"
COMPLAINT = "只是临时补了一下，下雨还是积水。"
REHANDLE_NOTE = "请彻底翻修该路段并核实排水。"


# ---- helpers -----------------------------------------------------------------------------------------------

def stamp(value: datetime) -> str:
    """A time as the pages show it: yyyy-MM-dd HH:mm in Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def shanghai_today() -> str:
    return datetime.now(SHANGHAI).strftime("%Y-%m-%d")


def action_labels(app) -> dict[str, str]:
    """The event labels as the app renders them for a browser in the default language (zh_Hans)."""
    from portal.domain.labels import ACTION_LABELS

    with app.test_request_context("/"):
        return {action: str(label) for action, label in ACTION_LABELS.items()}


def unit_name(app, unit_id: int) -> str:
    with app.test_request_context("/"):
        return db.session.get(Unit, unit_id).name


def stored(app, case_id: int) -> dict:
    with app.app_context():
        case = db.session.get(Case, case_id)
        return {"state": case.state, "due_at": case.due_at, "lead_unit_id": case.lead_unit_id,
                "channel": case.channel, "rehandle_count": case.rehandle_count,
                "satisfaction": case.satisfaction, "actions": [e.action for e in case.events],
                "public": [(e.action, e.at) for e in case.events if e.public]}


def state_badge(page: Page):
    return page.locator(".facts .badge").first


def post_response(step_url_end: str):
    return lambda r: r.url.endswith(step_url_end) and r.request.method == "POST"


@dataclass
class Staff:
    """One member of staff: a page in their own browser context, with or without JavaScript."""
    page: Page
    js: bool

    @classmethod
    def sign_in(cls, new_page, username: str, js: bool = True) -> "Staff":
        page = new_page(viewport=DESKTOP, java_script_enabled=js)
        page.goto("/login")
        if js:
            expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))
        else:
            expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
        page.fill("#username", username)
        page.fill("#password", "demo12345")
        page.locator("#login-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/staff/"))
        return cls(page, js)

    def open_from_queue(self, queue: str, tab: str | None, tracking_no: str, click_tab: bool = False) -> int:
        """Open the case from a queue tab: clicking the tab link on the queue page (`click_tab`: htmx swaps the
        table with JavaScript, a plain link without), or going straight to the tab's address (quicker)."""
        page = self.page
        page.goto(f"{queue}?tab={tab}" if tab and not click_tab else queue)
        if tab is not None and click_tab:
            link = page.locator(f"ul.tabs a[href*='tab={tab}']")
            if self.js:
                with htmx_settled(page):
                    link.click()
            else:
                with page.expect_navigation():
                    link.click()
            expect(page).to_have_url(re.compile(rf"[?&]tab={tab}(&|$)"))
            if not self.js:  # with htmx the tabs stay as they were: see test_queue_tab_switch_marks_the_current_tab
                expect(link).to_have_attribute("aria-current", "page")
        row = page.locator("#queue-table a", has_text=tracking_no)
        expect(row).to_have_count(1)
        row.click()
        page.wait_for_url(CASE_URL)
        expect(page.locator("h1")).to_contain_text(tracking_no)
        return int(CASE_URL.search(page.url).group(1))

    def _fill(self, step: str, fields: dict):
        form = self.page.locator(f"form[action$='/step/{step}']")
        expect(form).to_have_count(1)
        details = self.page.locator("details.step", has=form)
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        expect(form).to_be_visible()
        for name, value in fields.items():
            name = f"{step}-{name}"
            if form.locator(f"select[name='{name}']").count():
                form.locator(f"select[name='{name}']").select_option(str(value))
            elif form.locator(f"input[type=checkbox][name='{name}']").count():
                for v in value if isinstance(value, (list, tuple)) else [value]:
                    if self.js:  # a unit list is a searchable picker with JavaScript (flows.tick_in_picker)
                        tick_in_picker(form, name, v)
                    else:
                        form.locator(f"input[type=checkbox][name='{name}'][value='{v}']").check()
            else:
                form.locator(f"[name='{name}']").fill(str(value))
        return form

    def step(self, step: str, state: str | None = None, *, leaves: bool = False, **fields) -> int:
        """Fill and send one step's form; it answers 303 (no JS) or 204 + HX-Redirect (htmx), and the case
        page comes back with a success flash. `leaves`: the user may no longer see the case afterwards (no
        checks of the page landed on). Returns the HTTP status of the page landed on."""
        page = self.page
        form = self._fill(step, fields)
        with page.expect_response(post_response(f"/step/{step}")) as posted, page.expect_navigation() as landed:
            form.locator("button[type=submit]").click()
        response = posted.value
        sent_by_htmx = response.request.all_headers().get("hx-request") == "true"
        assert sent_by_htmx == self.js, f"{step}: HX-Request={sent_by_htmx}, JavaScript={self.js}"
        target = response.headers.get("hx-redirect" if self.js else "location", "")
        assert response.status == (204 if self.js else 303), (step, response.status)
        if leaves:  # the case left the user's hands: they are sent to their workspace, not to the case
            assert not CASE_URL.search(target) and "/staff/" in target, response.headers
            return landed.value.status
        assert CASE_URL.search(target), response.headers
        assert landed.value.status == 200, f"after {step} the user lands on a {landed.value.status} page"
        expect(page).to_have_url(CASE_URL)
        expect(page.locator(".flashes .flash-success")).to_be_visible()
        if state is not None:
            expect(state_badge(page)).to_have_class(re.compile(rf"\bstate-{state}\b"))
        return landed.value.status

    def refused(self, step: str, error_field: str, **fields) -> None:
        """A step sent with a missing field: 422 with the form's errors. With htmx only #case-body is swapped
        (same document); without JavaScript the whole page comes back."""
        page = self.page
        if self.js:
            page.evaluate("window.__sameDocument = true")
        form = self._fill(step, fields)
        with page.expect_response(post_response(f"/step/{step}")) as posted:
            form.locator("button[type=submit]").click()
        assert posted.value.status == 422, (step, posted.value.status)
        error = page.locator(f"#{step}-{error_field}-error")
        expect(error).not_to_be_empty()
        expect(page.locator(f"#{step}-{error_field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#case-body")).to_have_count(1)  # swapped, not nested
        expect(page.locator("header.site-header, header.staff-header")).to_have_count(1)
        expect(page.locator("details.step", has=page.locator(f"form[action$='/step/{step}']"))).to_have_attribute(
            "open", "")
        if self.js:
            assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of an htmx swap"


class Citizen:
    """The citizen on a phone, no login: tracking number + query code."""

    def __init__(self, new_page, tracking_no: str, code: str):
        self.page = new_page()
        self.tracking_no = tracking_no
        self.page.goto("/track")
        track(self.page, tracking_no, code)

    def reload(self, state: str) -> None:
        self.page.goto(f"/track/{self.tracking_no}")
        expect(state_badge(self.page)).to_have_class(re.compile(rf"\bstate-{state}\b"))

    def deadline(self) -> str:
        """The deadline shown in the facts (the last entry of the list)."""
        text = self.page.locator(".facts dd").last.inner_text()
        match = STAMP.search(text)
        assert match, f"no deadline in {text!r}"
        return match.group(0)

    def rate(self, resolution: str, satisfaction: str, comment: str = "", status: int = 204) -> None:
        page = self.page
        form = page.locator("#evaluation form")
        expect(form).to_be_visible()
        page.select_option("#resolution", resolution)
        page.select_option("#satisfaction", satisfaction)
        page.fill("#comment", comment)
        if status == 422:  # htmx swaps the evaluation box with the errors, the page stays
            page.evaluate("window.__sameDocument = true")
            with page.expect_response(post_response("/evaluate")) as posted:
                form.locator("button[type=submit]").click()
            assert posted.value.status == 422
            expect(page.locator("#comment-error")).not_to_be_empty()
            expect(page.locator("#evaluation")).to_have_count(1)
            assert page.evaluate("window.__sameDocument === true")
            return
        with page.expect_response(post_response("/evaluate")) as posted, page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert posted.value.status == status
        expect(page).to_have_url(re.compile(rf"/track/{self.tracking_no}$"))
        expect(page.locator(".flashes .flash-success")).to_be_visible()


def record_call(new_page) -> tuple[str, str]:
    """The operator records a 12345 hotline call; the flash gives the number and the code for the caller."""
    operator = Staff.sign_in(new_page, "operator")
    page = operator.page
    page.goto("/staff/intake")
    expect(page.locator("#case-form")).to_be_visible()
    page.select_option("#channel", "hotline")
    fill_case(page, "zh")
    page.locator("#case-form .form-actions button[type=submit]").click()
    page.wait_for_url(CASE_URL)
    flash = page.locator(".flashes .flash-success")
    expect(flash).to_contain_text(re.compile(r"FY\d{18}"))
    match = FLASH_NUMBERS.search(flash.inner_text())
    assert match, flash.inner_text()
    tracking_no, code = match.groups()
    expect(page.locator("h1")).to_contain_text(tracking_no)
    expect(state_badge(page)).to_have_class(re.compile(r"\bstate-submitted\b"))
    return tracking_no, code


def assert_timeline(app, citizen: Citizen, case_id: int, expected: list[str], today: set[str]) -> None:
    """The citizen's timeline: exactly the public steps in order, each with its time as stored, today."""
    labels = action_labels(app)
    data = stored(app, case_id)
    assert [a for a, _ in data["public"]] == expected, data["public"]
    items = citizen.page.locator("ol.timeline > li")
    expect(items).to_have_count(len(expected))
    assert items.locator(".timeline-head strong").all_inner_texts() == [labels[a] for a in expected]
    times = items.locator(".timeline-head time").all_inner_texts()
    assert times == [stamp(at) for _, at in data["public"]]
    for shown in times:
        assert shown[:10] in today, (shown, today)


# ---- the tests ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_whole_loop_from_hotline_call_to_closed(app, city, new_page, js):
    today = {shanghai_today()}
    units = city["units"]
    cgj, jtj = unit_name(app, units["cgj"]), unit_name(app, units["jtj"])

    # 1. The operator records the call.
    tracking_no, code = record_call(new_page)

    # 2. The dispatcher accepts and assigns: lead 市城市管理局, co-handling 市交通运输局, general priority.
    dispatcher = Staff.sign_in(new_page, "dispatcher", js=js)
    case_id = dispatcher.open_from_queue("/staff/queue", "new", tracking_no, click_tab=True)
    assert stored(app, case_id)["channel"] == "hotline"
    dispatcher.step("accept", "accepted")
    dispatcher.step("assign", "assigned", unit_id=units["cgj"], co_unit_ids=[units["jtj"]], priority="general")
    facts = dispatcher.page.locator(".facts")
    expect(facts).to_contain_text(cgj)
    expect(facts).to_contain_text(jtj)
    first_due = stamp(stored(app, case_id)["due_at"])
    expect(facts).to_contain_text(first_due)

    # 3. The lead unit's handler signs for it; the co-handling unit sends its input.
    handler = Staff.sign_in(new_page, "handler", js=js)
    handler.open_from_queue("/staff/unit", "sign", tracking_no)
    handler.step("sign_for", "handling")
    co = Staff.sign_in(new_page, "h_jtj")
    co.open_from_queue("/staff/unit", "co", tracking_no, click_tab=True)
    co.step("co_input", text=CO_INPUT)
    expect(co.page.locator("#case-body")).to_contain_text(CO_INPUT)

    # 4. The handler drafts the reply (a too-short one is refused first), the unit lead approves it.
    handler.page.goto(f"/staff/cases/{case_id}")
    expect(handler.page.locator("#case-body")).to_contain_text(CO_INPUT)  # the lead unit reads the input
    handler.refused("draft_reply", "text", reply_type="resolved", text="")
    handler.step("draft_reply", "handling", reply_type="resolved", text=FIRST_REPLY)
    lead = Staff.sign_in(new_page, "unit_lead")
    lead.open_from_queue("/staff/unit", "approve", tracking_no)
    lead.step("reply", "replied")

    # 5. The dispatcher releases it to the citizen.
    dispatcher.open_from_queue("/staff/queue", "release", tracking_no)
    dispatcher.step("release", "awaiting_evaluation")

    # 6. The citizen reads the reply and is not satisfied (a reason is required).
    citizen = Citizen(new_page, tracking_no, code)
    expect(state_badge(citizen.page)).to_have_class(re.compile(r"\bstate-awaiting_evaluation\b"))
    expect(citizen.page.locator(".reply-box").first).to_contain_text(FIRST_REPLY)
    expect(citizen.page.locator(".facts")).to_contain_text(cgj)
    assert citizen.deadline() == first_due
    citizen.rate("not_resolved", "dissatisfied", "", status=422)
    citizen.rate("not_resolved", "dissatisfied", COMPLAINT, status=204)
    expect(state_badge(citizen.page)).to_have_class(re.compile(r"\bstate-dissatisfied\b"))
    assert stored(app, case_id)["state"] == "dissatisfied"

    # 7. A supervisor finds it in the dissatisfied zone and sends it back to the same unit.
    supervisor = Staff.sign_in(new_page, "supervisor")
    expect(supervisor.page).to_have_url(re.compile(r"/staff/supervision"))  # supervisors land on their dashboard
    supervisor.open_from_queue("/staff/dissatisfied", None, tracking_no)
    expect(supervisor.page.locator(".facts")).to_contain_text(COMPLAINT)
    supervisor.step("rehandle", "handling", unit_id=units["cgj"], priority="general", note=REHANDLE_NOTE)
    second_due = stamp(stored(app, case_id)["due_at"])

    # 8. Second reply, approved, released.
    handler.open_from_queue("/staff/unit", "handling", tracking_no)
    handler.step("draft_reply", "handling", reply_type="resolved", text=SECOND_REPLY)
    lead.open_from_queue("/staff/unit", "approve", tracking_no)
    lead.step("reply", "replied")
    dispatcher.open_from_queue("/staff/queue", "release", tracking_no)
    dispatcher.step("release", "awaiting_evaluation")

    # 9. The citizen is satisfied: the case is closed.
    citizen.reload("awaiting_evaluation")
    expect(citizen.page.locator(".reply-box").first).to_contain_text(SECOND_REPLY)
    citizen.rate("resolved", "satisfied", status=204)
    expect(state_badge(citizen.page)).to_have_class(re.compile(r"\bstate-closed\b"))
    expect(citizen.page.locator("#evaluation")).to_have_count(0)
    dispatcher.page.goto(f"/staff/cases/{case_id}")
    expect(state_badge(dispatcher.page)).to_have_class(re.compile(r"\bstate-closed\b"))

    data = stored(app, case_id)
    assert (data["state"], data["rehandle_count"], data["satisfaction"]) == ("closed", 1, "satisfied")
    assert data["actions"] == ["submit", "accept", "assign", "sign_for", "co_input", "draft_reply", "reply",
                               "release", "evaluate", "rehandle", "draft_reply", "reply", "release", "evaluate"]

    # 10. What the citizen's page shows: every public step in order, today, with the unit and the deadlines;
    # nothing of the internal steps.
    today.add(shanghai_today())  # in case the test ran across midnight
    assert_timeline(app, citizen, case_id, LOOP_PUBLIC, today)
    items = citizen.page.locator("ol.timeline > li")
    assign, rehandle = items.nth(LOOP_PUBLIC.index("assign")), items.nth(LOOP_PUBLIC.index("rehandle"))
    expect(assign).to_contain_text(cgj)
    expect(assign).to_contain_text(first_due)
    expect(rehandle).to_contain_text(cgj)
    expect(rehandle).to_contain_text(second_due)
    expect(items.nth(LOOP_PUBLIC.index("sign_for"))).to_contain_text(cgj)
    facts = citizen.page.locator(".facts")
    expect(facts).to_contain_text(cgj)
    assert citizen.deadline() == second_due
    labels = action_labels(app)
    heads = items.locator(".timeline-head strong").all_inner_texts()
    for action in LOOP_INTERNAL:
        assert labels[action] not in heads, action
    expect(citizen.page.locator("main")).not_to_contain_text(CO_INPUT)
    expect(citizen.page.locator("main")).not_to_contain_text(jtj)  # the co-handling unit stays internal


def test_return_kept_then_extension_moves_the_citizens_deadline(app, city, new_page):
    units = city["units"]
    # The citizen submits on the phone and keeps the receipt.
    citizen_page = new_page()
    citizen_page.goto("/submit")
    fill_case(citizen_page, "zh")
    send(citizen_page, "**/submit/receipt")
    tracking_no, code = read_receipt(citizen_page)

    dispatcher = Staff.sign_in(new_page, "dispatcher")
    case_id = dispatcher.open_from_queue("/staff/queue", "new", tracking_no, click_tab=True)
    dispatcher.step("accept", "accepted")
    dispatcher.step("assign", "assigned", unit_id=units["cgj"], priority="general")
    due_when_assigned = stored(app, case_id)["due_at"]

    # The unit says it is not theirs: a reason and an explanation are required.
    handler = Staff.sign_in(new_page, "handler")
    handler.open_from_queue("/staff/unit", "sign", tracking_no)
    handler.refused("return", "text", reason="wrong_locality", text="")
    # (The page it lands on afterwards is test_after_returning_a_case_the_handler_lands_on_a_page_they_may_open.)
    handler.step("return", reason="wrong_locality", text="该路段属颍东区管辖。", leaves=True)
    assert stored(app, case_id)["state"] == "accepted"

    # The dispatcher finds it among the cases to assign and rules that the unit keeps it.
    dispatcher.open_from_queue("/staff/queue", "assign", tracking_no, click_tab=True)
    expect(dispatcher.page.locator("#case-body")).to_contain_text("该路段属颍东区管辖。")
    dispatcher.step("keep", "assigned", note="经核实属城管职责，请继续办理。")
    kept = stored(app, case_id)
    assert (kept["lead_unit_id"], kept["due_at"]) == (units["cgj"], due_when_assigned)

    # The unit signs and asks for 3 more working days.
    handler.open_from_queue("/staff/unit", "sign", tracking_no)
    handler.step("sign_for", "handling")
    handler.step("request_extension", "handling", days=3, reason="需协调供电部门更换线路。")

    citizen = Citizen(new_page, tracking_no, code)
    before = citizen.deadline()
    assert before == stamp(due_when_assigned)

    # The dispatcher approves it from the extension requests.
    dispatcher.open_from_queue("/staff/queue", "extensions", tracking_no, click_tab=True)
    expect(dispatcher.page.locator("#case-body")).to_contain_text("需协调供电部门更换线路。")
    dispatcher.step("approve_extension", "handling", note="")

    citizen.reload("handling")
    after = citizen.deadline()
    new_due = stored(app, case_id)["due_at"]
    assert after == stamp(new_due)
    moved = datetime.strptime(after, "%Y-%m-%d %H:%M") - datetime.strptime(before, "%Y-%m-%d %H:%M")
    assert moved.days >= 3, (before, after)  # 3 working days are at least 3 calendar days
    # The timeline shows the approval with the new deadline; the return, the ruling and the request stay internal.
    labels = action_labels(app)
    last = citizen.page.locator("ol.timeline > li").last
    expect(last.locator(".timeline-head strong")).to_have_text(labels["approve_extension"])
    expect(last).to_contain_text(after)
    heads = citizen.page.locator("ol.timeline .timeline-head strong").all_inner_texts()
    assert heads == [labels[a] for a in ("submit", "accept", "assign", "sign_for", "approve_extension")]
    expect(citizen.page.locator("main")).not_to_contain_text("该路段属颍东区管辖")
    expect(citizen.page.locator("main")).not_to_contain_text("需协调供电部门")


# ---- regressions of bugs found by these tests ----------------------------------------------------------------

def test_after_returning_a_case_the_handler_lands_on_a_page_they_may_open(app, city, make_case, new_page):
    from portal.domain import workflow

    case_id, tracking_no, _ = make_case()
    with app.app_context():
        case, dispatcher = db.session.get(Case, case_id), db.session.get(User, city["users"]["dispatcher"])
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, db.session.get(Unit, city["units"]["cgj"]), "general")
        db.session.commit()
    handler = Staff.sign_in(new_page, "handler")
    handler.open_from_queue("/staff/unit", "sign", tracking_no)
    status = handler.step("return", reason="unclear_ownership", text="不属于本单位职责。", leaves=True)
    assert stored(app, case_id)["state"] == "accepted"
    expect(handler.page.locator(".flashes .flash-success")).to_be_visible()
    if status != 200:
        raise KnownAppBug(f"after a successful return the handler lands on {handler.page.url} with status {status}")


def test_queue_tab_switch_marks_the_current_tab(app, city, new_page):
    dispatcher = Staff.sign_in(new_page, "dispatcher")
    page = dispatcher.page
    expect(page).to_have_url(re.compile(r"/staff/queue"))
    link = page.locator("ul.tabs a[href*='tab=assign']")
    with htmx_settled(page):
        link.click()
    expect(page).to_have_url(re.compile(r"[?&]tab=assign(&|$)"))
    current = page.locator("ul.tabs a[aria-current=page]")
    expect(current).to_have_count(1)
    if current.get_attribute("href") != link.get_attribute("href"):
        raise KnownAppBug(f"after switching to the assign tab, {current.get_attribute('href')} is still current")
