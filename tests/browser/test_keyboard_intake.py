"""Keyboard only: an operator records a typical hotline call, then a dispatcher accepts it and assigns it to a unit,
with no mouse at all (page.keyboard: typed text, Tab, arrows, Enter, the intake's shortcuts). The keystrokes and
actions are counted and held to tests/browser/keyboard_budget.json (counts, not timings: they may only go down;
lower the budget when a change saves keys). `-s` prints the figures and the wall time.
"""
import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case
from tests.browser.flows import DESKTOP, htmx_settled, login, sign_in

pytestmark = pytest.mark.browser

BUDGET = json.loads((Path(__file__).parent / "keyboard_budget.json").read_text(encoding="utf-8"))
MAX_TABS = 120  # a page where the target is further than this is broken, not slow


class Keyboard:
    """page.keyboard with a tally: characters typed, navigation keys (Tab, arrows, Enter, Escape…), chords
    (Ctrl+Enter…), and actions (a page opened or a form sent)."""

    def __init__(self, page):
        self.page = page
        self.typed = self.keys = self.chords = self.actions = 0
        self.phases: list[tuple[str, int]] = []  # (what was done, navigation keys it took)
        self._keys_at_mark = 0

    def mark(self, what: str) -> None:
        self.phases.append((what, self.keys - self._keys_at_mark))
        self._keys_at_mark = self.keys

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        if "+" in key and len(key) > 1:
            self.chords += 1
        else:
            self.keys += 1

    def open(self, path: str) -> None:
        """The user opens a page they work from (their bookmark / the header link): one action, no keys."""
        self.page.goto(path)
        self.actions += 1

    def focused(self, predicate: str) -> bool:
        return self.page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({predicate}); }}")

    def tab_to(self, predicate: str, what: str) -> None:
        """Press Tab until the focused element satisfies the JavaScript `predicate` (on `el`)."""
        for _ in range(MAX_TABS):
            if self.focused(predicate):
                return
            self.press("Tab")
        raise AssertionError(f"{what}: not reached with {MAX_TABS} Tab presses")

    def pick(self, control_id: str, query: str, settle: bool = False) -> None:
        """In a searchable picker (focused): type part of the name or its pinyin initials, Enter."""
        assert self.focused(f"el.id === '{control_id}-picker'"), f"focus is not on the {control_id} picker"
        self.type(query)
        expect(self.page.locator(f"#{control_id}-listbox li.is-active")).to_be_visible()
        if settle:  # a cascade: the next level comes back from the server
            with htmx_settled(self.page, path="/submit/options"):
                self.press("Enter")
            expect(self.page.locator(f"#{control_id}-picker")).to_be_focused()
        else:
            self.press("Enter")

    def figures(self) -> dict:
        return {"typed": self.typed, "keys": self.keys, "chords": self.chords, "actions": self.actions}


def _report(who: str, k: Keyboard, figures: dict, seconds: float) -> None:
    print(f"\n[keyboard] {who}: {figures['typed']} characters typed, {figures['keys']} navigation keys, "
          f"{figures['chords']} shortcuts, {figures['actions']} actions (pages opened / forms sent); "
          f"{seconds:.1f} s wall time; navigation keys by part: "
          + ", ".join(f"{what} {n}" for what, n in k.phases))


def _within_budget(who: str, figures: dict) -> None:
    over = {k: (v, BUDGET[who][k]) for k, v in figures.items() if v > BUDGET[who][k]}
    assert not over, f"{who} needs more keyboard work than the budget allows (count, budget): {over}"


def test_a_hotline_call_recorded_and_assigned_with_the_keyboard_only(app, city, new_page):
    # The operator, signed in, opens the intake page when the phone rings: the number field has the focus.
    operator = new_page(viewport=DESKTOP)
    login(operator, "operator")
    k = Keyboard(operator)
    started = time.monotonic()
    k.open("/staff/intake")
    expect(operator.locator("#citizen_phone")).to_be_focused()
    k.type("13812345678")
    k.press("Tab")
    k.type("张先生")
    k.press("Tab")  # email: the caller gives none
    k.press("Tab")
    expect(operator.locator("#title")).to_be_focused()
    k.type("人民路路面破损")
    k.press("Tab")
    k.type("人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。")
    k.mark("caller and request")
    k.tab_to("el.id === 'category_id-picker'", "the category picker")
    k.pick("category_id", "lmps")  # 城乡建设 › 道路设施 › 路面破损 by the pinyin initials of 路面破损
    k.press("Tab")
    k.pick("county_id", "yz", settle=True)  # 颍州区
    k.press("Tab")
    k.pick("town_id", "鼓楼")
    k.press("Tab")
    expect(operator.locator("#address")).to_be_focused()
    k.mark("category, county, town")
    k.type("鼓楼街道人民路88号")
    for field, value in (("category_id", "城乡建设 › 道路设施 › 路面破损"), ("county_id", "颍州区"), ("town_id", "鼓楼街道")):
        expect(operator.locator(f"#{field} option:checked")).to_have_text(value)
    k.press("Control+Enter")  # record the case
    k.actions += 1
    operator.wait_for_url(re.compile(r"/staff/cases/\d+$"))
    tracking_no = operator.get_by_role("heading", level=1).inner_text().split(" · ")[0]
    operator_figures, operator_seconds = k.figures(), time.monotonic() - started
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.tracking_no == tracking_no)).one()
        assert (case.channel, case.citizen_phone, case.category_id, case.town_id) == (
            "hotline", "13812345678", city["leaf"], city["town"])

    # The dispatcher finds it in the new-cases queue, accepts it and assigns it to 市城市管理局.
    dispatcher = new_page(viewport=DESKTOP)
    sign_in(dispatcher, "dispatcher")
    d = Keyboard(dispatcher)
    started = time.monotonic()
    d.open("/staff/queue?tab=new")
    d.press("Tab")  # the skip link
    d.press("Enter")
    d.tab_to(f"el.closest('#queue-table') && el.textContent.includes('{tracking_no}')", "the case in the queue")
    d.press("Enter")
    d.actions += 1
    dispatcher.wait_for_url(re.compile(r"/staff/cases/\d+$"))
    d.mark("queue to case")
    for step in ("accept", "assign"):
        d.press("Tab")  # the skip link, then into the page
        d.press("Enter")
        form = f"form[action$='/step/{step}']"
        details = dispatcher.locator("details.step", has=dispatcher.locator(form))
        if details.count() and details.get_attribute("open") is None:  # a step folded away: open it
            d.tab_to(f"el.tagName === 'SUMMARY' && el.parentElement.querySelector(\"{form}\")", f"the {step} step")
            d.press("Enter")
            expect(details).to_have_attribute("open", "")
        if step == "assign":
            d.tab_to("el.id === 'assign-unit_id-picker'", "the lead unit picker")
            d.pick("assign-unit_id", "城管")
            expect(dispatcher.locator("#assign-unit_id option:checked")).to_have_text("市城市管理局")
        d.tab_to(f"el.type === 'submit' && el.closest(\"{form}\")", f"the {step} button")
        with dispatcher.expect_navigation():
            d.press("Enter")
        d.actions += 1
        expect(dispatcher.locator(".flashes")).to_be_visible()
        d.mark(step)
    dispatcher_figures, dispatcher_seconds = d.figures(), time.monotonic() - started
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.tracking_no == tracking_no)).one()
        assert (case.state, case.lead_unit_id) == ("assigned", city["units"]["cgj"])

    _report("operator", k, operator_figures, operator_seconds)
    _report("dispatcher", d, dispatcher_figures, dispatcher_seconds)
    _within_budget("operator", operator_figures)
    _within_budget("dispatcher", dispatcher_figures)


def test_answer_on_the_spot_with_the_shortcut(app, city, new_page):
    """Ctrl+Shift+Enter ticks "answered on the spot" and moves to the answer; pressed again it records the case."""
    page = new_page(viewport=DESKTOP)
    login(page, "operator")
    page.goto("/staff/intake")
    expect(page.locator("#intake-shortcuts kbd").first).to_be_visible()
    expect(page.locator("#citizen_phone")).to_be_focused()
    page.keyboard.type("13812345678")
    page.keyboard.press("Control+Shift+Enter")
    expect(page.locator("#answer_now")).to_be_checked()
    expect(page.locator("#answer_text")).to_be_focused()
    page.keyboard.type("已告知来电人办理地点和时间。")
    page.keyboard.press("Control+Shift+Enter")  # the rest of the form is empty: it comes back with its errors
    expect(page.locator("#case-form .form-errors, #case-form [aria-invalid=true]").first).to_be_visible()
    expect(page.locator(".caller-history")).to_have_count(1)  # swapped with the form, not duplicated
    expect(page).to_have_url(re.compile(r"/staff/intake$"))
