"""Actions that cannot be undone ask first in the browser: publishing a ranking (JavaScript off, a plain form with a
confirmation box) and revoking an API key (the dialog with JavaScript, a confirmation page without)."""
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


def _one_key(app) -> int:
    from portal.domain import apikeys
    from portal.extensions import db

    with app.app_context():
        key = apikeys.create("12345 热线系统", "hotline", None)
        db.session.commit()
        return key.key.id


def _revoked(app, key_id) -> bool:
    from portal.extensions import db
    from portal.models import ApiKey

    with app.app_context():
        return db.session.get(ApiKey, key_id).revoked_at is not None


def test_revoking_a_key_asks_once_with_javascript_and_on_a_page_without(app, city, page, nojs_page):
    """With JavaScript the browser's dialog asks (dismissed: nothing happens; accepted: revoked, no second
    question); without it a confirmation page does."""
    from tests.browser.flows import login

    key_id = _one_key(app)
    login(page, "admin")
    page.goto("/admin/api-keys")
    revoke = page.locator(f"form[action$='/admin/api-keys/{key_id}/revoke'] button")
    page.once("dialog", lambda dialog: dialog.dismiss())
    revoke.click()
    page.wait_for_timeout(300)
    assert not _revoked(app, key_id)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.url.endswith(f"/admin/api-keys/{key_id}/revoke")):
        revoke.click()
    expect(page.locator(f"form[action$='/admin/api-keys/{key_id}/revoke']")).to_have_count(0)
    assert _revoked(app, key_id)

    other = _one_key(app)
    login(nojs_page, "admin")
    nojs_page.goto("/admin/api-keys")
    nojs_page.locator(f"form[action$='/admin/api-keys/{other}/revoke'] button").click()
    expect(nojs_page.locator("#confirm-form")).to_be_visible()
    assert not _revoked(app, other)
    nojs_page.locator("#confirm-form button[type=submit]").click()
    nojs_page.wait_for_url(re.compile(r"/admin/api-keys$"))
    assert _revoked(app, other)
