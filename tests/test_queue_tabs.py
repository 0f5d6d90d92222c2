"""A queue opens on the first tab that has work, never on an empty tab while another one is waiting."""
import re

from tests.helpers import as_user, dispatched, step


def _current_tab(page: str) -> str:
    match = re.search(r'href="[^"]*\?tab=(\w+)"[^>]*aria-current="page"', page)
    assert match, "no tab is marked current"
    return match.group(1)


def test_dispatcher_lands_on_the_assign_tab_when_nothing_is_new(app, city, make_case):
    case_id, number, _ = make_case()
    dispatcher = as_user(app, "dispatcher")
    assert _current_tab(dispatcher.get("/staff/queue").get_data(as_text=True)) == "new"
    assert step(dispatcher, case_id, "accept").status_code == 303
    page = dispatcher.get("/staff/queue").get_data(as_text=True)
    assert _current_tab(page) == "assign" and number in page
    # an explicit tab is still honoured, even when empty
    assert _current_tab(dispatcher.get("/staff/queue?tab=new").get_data(as_text=True)) == "new"


def test_handler_and_unit_lead_land_on_the_tab_with_work(app, city, make_case):
    case_id, number, _ = make_case()
    dispatched(app, city, case_id)
    handler = as_user(app, "handler")
    assert _current_tab(handler.get("/staff/unit").get_data(as_text=True)) == "sign"
    assert step(handler, case_id, "sign_for").status_code == 303
    page = handler.get("/staff/unit").get_data(as_text=True)
    assert _current_tab(page) == "handling" and number in page
    lead = as_user(app, "unit_lead")
    assert _current_tab(lead.get("/staff/unit").get_data(as_text=True)) == "handling"
    step(handler, case_id, "draft_reply", {"reply_type": "resolved", "text": "已修复路面。"})
    page = lead.get("/staff/unit").get_data(as_text=True)
    assert _current_tab(page) == "handling"  # the first tab with work, in the tabs' order
    # htmx fragment requests follow the same rule
    assert _current_tab(handler.get("/staff/unit", htmx=True).get_data(as_text=True)) == "handling"


def test_all_tabs_empty_opens_the_first(app, city):
    supervisor = as_user(app, "supervisor")
    assert _current_tab(supervisor.get("/staff/dissatisfied").get_data(as_text=True)) == "dissatisfied"
