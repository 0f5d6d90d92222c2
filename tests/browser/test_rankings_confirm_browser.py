"""Publishing a ranking asks for confirmation in the browser, JavaScript off (a plain form, not hx-confirm)."""
import re

import pytest
from playwright.sync_api import expect

from portal.domain import rankings

pytestmark = pytest.mark.browser


def test_publish_needs_the_confirmation_box_without_javascript(app, city, nojs_page):
    page = nojs_page
    with app.app_context():
        month = rankings.last_month()
    page.goto("/login")
    page.fill("#username", "supervisor")
    page.fill("#password", "demo12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/"))
    page.goto("/staff/rankings")
    page.locator("section", has=page.locator("#publish-heading")).get_by_role("button").click()
    confirm = page.locator("#confirm-publish")
    expect(confirm).to_be_visible()
    with app.app_context():
        assert rankings.snapshot_for(month) is None  # the first click published nothing
    confirm.get_by_role("button").click()  # box not ticked
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    with app.app_context():
        assert rankings.snapshot_for(month) is None
    page.locator("#confirm-publish input[type=checkbox]").check()
    page.locator("#confirm-publish").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/staff/rankings$"))
    with app.app_context():
        assert rankings.snapshot_for(month) is not None
