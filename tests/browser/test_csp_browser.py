"""The Content-Security-Policy holds in a real browser: pages, htmx interactions and charts run without a single
CSP violation (no inline script, no eval, no injected style that the policy blocks)."""
import pytest

from tests.browser.flows import fill_case, htmx_settled, login

pytestmark = pytest.mark.browser


def _watch(page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text else None)
    page.on("pageerror", lambda err: violations.append(str(err)))
    return violations


def test_public_pages_and_htmx_run_without_csp_violations(page, city):
    violations = _watch(page)
    for path in ("/", "/stats", "/echo", "/rankings", "/salons", "/track"):
        page.goto(path)
    page.goto("/submit")
    fill_case(page)  # cascading selects, inline validation and similar-case hints are htmx requests
    htmx_settled(page)
    assert violations == []


def test_staff_pages_run_without_csp_violations(page, city):
    violations = _watch(page)
    login(page, "admin")
    for path in ("/staff/cases", "/staff/ledger", "/staff/supervision", "/admin/calendar", "/staff/salons"):
        page.goto(path)
    assert violations == []
