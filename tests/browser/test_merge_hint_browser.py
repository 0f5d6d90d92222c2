"""A dispatcher merges a duplicate with one click on the possible-duplicate hint (with and without JavaScript)."""
import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Case

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_merge_from_the_duplicate_hint(app, city, make_case, new_page, js):
    _, first_no, _ = make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。")
    dup_id, _, _ = make_case(title="人民路路面塌陷", description="人民路88号门口路面塌陷了一个坑。")
    page = new_page(java_script_enabled=js)
    page.goto("/login")
    page.fill("#username", "dispatcher")
    page.fill("#password", "demo12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/queue"))
    page.goto(f"/staff/cases/{dup_id}")
    hint = page.locator("section", has=page.locator("#similar-heading"))
    expect(hint).to_contain_text(first_no)
    button = hint.get_by_role("button", name=re.compile(first_no))
    expect(button).to_be_visible()
    button.click()  # no number to type: the hint's form carries it
    expect(page.locator(".facts .badge").first).to_have_class(re.compile(r"\bstate-merged\b"))
    with app.app_context():
        case = db.session.get(Case, dup_id)
        assert case.state == "merged" and db.session.get(Case, case.merged_into_id).tracking_no == first_no
