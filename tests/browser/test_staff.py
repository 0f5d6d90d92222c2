"""A hotline operator records a call and answers it on the spot."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case
from tests.browser.flows import fill_case, login

pytestmark = pytest.mark.browser

ANSWER = "已告知来电人：路面维修由市住建局负责，预计本周内修复。"


def test_operator_records_a_hotline_call_and_answers_it_now(app, city, page):
    login(page, "operator")
    page.goto("/staff/intake")
    expect(page.locator("#case-form")).to_be_visible()
    page.select_option("#channel", "hotline")
    fill_case(page, "zh")
    page.check("#answer_now")
    page.fill("#answer_text", ANSWER)
    page.locator("#case-form .form-actions button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/cases/\d+$"))

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^FY\d{18} · 人民路路面破损$"))
    tracking_no = heading.inner_text().split(" · ")[0]
    # The flash tells the operator the number and the query code to read out to the caller.
    expect(page.locator(".flashes")).to_contain_text(tracking_no)
    expect(page.locator(".flashes")).to_contain_text(re.compile(r"\d{6}"))
    facts = page.locator(".facts")
    expect(facts.locator(".badge")).to_have_class(re.compile(r"\bstate-awaiting_evaluation\b"))
    expect(facts.locator(".badge")).not_to_be_empty()
    expect(facts).to_contain_text("12345")  # channel: 12345 hotline
    expect(facts).to_contain_text("城乡建设")
    expect(page.locator("section", has=page.locator("#reply-heading"))).to_contain_text(ANSWER)
    expect(page.locator("ol.timeline")).to_contain_text(ANSWER)  # the event log records the answer given

    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.tracking_no == tracking_no)).one()
        assert (case.channel, case.state, case.reply_text) == ("hotline", "awaiting_evaluation", ANSWER)
        assert case.created_by_id == city["users"]["operator"]
