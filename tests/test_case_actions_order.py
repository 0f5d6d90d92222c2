"""The staff case page offers the most likely next step first, open, the others collapsed below it
(`portal.domain.step_order`): assign for a dispatcher, sign for for a handler, approve for a unit lead, …"""
from html.parser import HTMLParser

import pytest

from portal.domain import step_order, workflow
from portal.extensions import db
from portal.models import Case
from tests.helpers import advance, as_user, assigned, issue_order, step


class ActionsPane(HTMLParser):
    """The actions pane as a user meets it: each form inside it in page order, whether it is visible without a
    click (not inside a closed <details>), and the order of the pane's section headings."""

    def __init__(self, page: str):
        super().__init__()
        self.depth = 0  # open elements of the pane's tag inside the pane (the pane itself is 1)
        self.tag = ""
        self.details: list[bool] = []  # open flags of the enclosing <details>
        self.forms: list[tuple[str, bool]] = []  # (action, shown open)
        self.headings: list[str] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.depth and attrs.get("id") == "actions":
            self.tag = tag
        if self.tag == tag:
            self.depth += 1
        if not self.depth:
            return
        if tag == "details":
            self.details.append("open" in attrs)
        elif tag == "form" and attrs.get("method") == "post":
            self.forms.append((attrs["action"].split("?")[0].rsplit("/", 1)[-1], all(self.details)))
        elif tag == "h2":
            self.headings.append(attrs.get("id", ""))

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == self.tag:
            self.depth -= 1
            if not self.depth:
                self.tag = "/"  # the pane is over
        elif tag == "details":
            self.details.pop()

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def pane(client, case_id) -> ActionsPane:
    response = client.get(f"/staff/cases/{case_id}")
    assert response.status_code == 200
    return ActionsPane(response.get_data(as_text=True))


def first_and_rest(found: ActionsPane) -> tuple[str, list[str]]:
    """The first action (it must be shown open) and the actions that must wait behind a click."""
    assert found.forms, "no action on the page"
    (first, first_open), rest = found.forms[0], found.forms[1:]
    assert first_open, f"the first action {first} is collapsed"
    return first, [action for action, shown in rest if not shown]


def test_the_ranking_rule_on_names():
    assert step_order.most_likely_first(["merge", "decline", "accept", "answer_directly"])[0] == "accept"
    assert step_order.most_likely_first(["merge", "keep", "consult", "assign"]) == ["assign", "keep", "consult",
                                                                                  "merge"]
    assert step_order.most_likely_first(["request_extension", "draft_reply", "reply"])[:2] == ["reply",
                                                                                               "draft_reply"]
    assert step_order.most_likely_first(["deny_extension", "consult", "approve_extension"])[0] == "approve_extension"
    assert step_order.most_likely_first(["send_back", "merge", "release"])[0] == "release"
    assert step_order.most_likely_first(["answer_supervision", "supervise"]) == ["answer_supervision", "supervise"]
    assert step_order.most_likely_first([]) == []


def test_an_alternative_is_open_only_when_it_is_the_only_action():
    assert step_order.shown_open(["sign_for", "return"]) == "sign_for"
    assert step_order.shown_open(["supervise"]) == "supervise"
    assert step_order.shown_open(["consult", "merge"]) is None  # nothing expected: all collapsed
    assert step_order.shown_open(["merge"]) == "merge"
    assert step_order.shown_open([]) is None


def test_every_step_of_the_case_page_has_its_place():
    """A new workflow step must be placed in the rule deliberately, not fall to the end unnoticed."""
    from portal.blueprints.cases.steps import STEPS

    ranked = step_order.LOOP + step_order.WAITED_FOR + step_order.OVERSIGHT + step_order.OTHERS
    assert len(ranked) == len(set(ranked))
    assert set(STEPS) <= set(ranked)
    assert set(ranked) - set(step_order.PANEL_ACTIONS) <= set(workflow.TRANSITIONS)


def test_dispatcher_on_a_new_case_accepts_first(app, city, make_case):
    case_id, _, _ = make_case()
    first, collapsed = first_and_rest(pane(as_user(app, "dispatcher"), case_id))
    assert first == "accept"
    assert {"decline", "answer_directly", "merge"} <= set(collapsed)


def test_operator_answers_directly(app, city, make_case):
    case_id, _, _ = make_case()
    assert first_and_rest(pane(as_user(app, "operator"), case_id))[0] == "answer_directly"


def test_dispatcher_on_an_accepted_case_assigns_first(app, city, make_case):
    case_id, _, _ = make_case()
    dispatcher = as_user(app, "dispatcher")
    step(dispatcher, case_id, "accept")
    first, collapsed = first_and_rest(pane(dispatcher, case_id))
    assert first == "assign"
    assert {"consult", "merge"} <= set(collapsed)


def test_dispatcher_on_a_returned_case_assigns_first_and_may_keep_it_with_the_unit(app, city, make_case):
    case_id, _ = assigned(app, city, make_case)
    r = step(as_user(app, "handler"), case_id, "return",
             {"reason": "wrong_locality", "text": "该路段属颍东区管辖，请改派。"})
    assert r.status_code == 303
    first, collapsed = first_and_rest(pane(as_user(app, "dispatcher"), case_id))
    assert first == "assign"
    assert collapsed[0] == "keep"  # the decision the unit waits for comes next


def test_handler_on_an_assigned_case_signs_for_first(app, city, make_case):
    case_id, _ = assigned(app, city, make_case)
    first, collapsed = first_and_rest(pane(as_user(app, "handler"), case_id))
    assert first == "sign_for"
    assert collapsed == ["return"]


def test_handler_on_a_signed_case_drafts_the_reply_first(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    first, collapsed = first_and_rest(pane(as_user(app, "handler"), case_id))
    assert first == "draft_reply"
    assert "request_extension" in collapsed


def test_co_handling_unit_gives_its_input(app, city, make_case):
    case_id, _, _ = make_case()
    dispatcher = as_user(app, "dispatcher")
    step(dispatcher, case_id, "accept")
    step(dispatcher, case_id, "assign", {"unit_id": city["units"]["cgj"], "priority": "general",
                                         "co_unit_ids": city["units"]["zjj"]})
    assert first_and_rest(pane(as_user(app, "h_zjj"), case_id))[0] == "co_input"


def test_unit_lead_approves_a_drafted_reply_first(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    step(as_user(app, "handler"), case_id, "draft_reply", {"reply_type": "resolved", "text": "已安排人员修复路面。"})
    first, collapsed = first_and_rest(pane(as_user(app, "unit_lead"), case_id))
    assert first == "reply"
    assert "draft_reply" in collapsed


def test_dispatcher_releases_an_approved_reply_first(app, city, make_case):
    case_id, _, _ = make_case()
    advance(app, city, case_id, "replied")
    first, collapsed = first_and_rest(pane(as_user(app, "dispatcher"), case_id))
    assert first == "release"
    assert "send_back" in collapsed


def test_dispatcher_decides_an_extension_request_first(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    step(as_user(app, "handler"), case_id, "request_extension", {"days": "2", "reason": "需要协调其他部门。"})
    first, collapsed = first_and_rest(pane(as_user(app, "dispatcher"), case_id))
    assert first == "approve_extension"
    assert "deny_extension" in collapsed


def test_dispatcher_on_a_case_being_handled_has_only_alternatives_all_collapsed(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    found = pane(as_user(app, "dispatcher"), case_id)
    assert [a for a, _ in found.forms] == ["consult", "merge"]
    assert not any(shown for _, shown in found.forms)


def test_supervisor_issues_an_order_first_from_an_open_form(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    found = pane(as_user(app, "supervisor"), case_id)
    assert first_and_rest(found)[0] == "supervise"
    assert found.headings[:2] == ["actions-heading", "supervision-heading"]


def test_supervisor_rehandles_a_dissatisfied_case_first(app, city, make_case):
    case_id, _, _ = make_case()
    advance(app, city, case_id, "awaiting_evaluation")
    with app.app_context():
        workflow.evaluate(db.session.get(Case, case_id), "not_resolved", "dissatisfied")
        db.session.commit()
    first, collapsed = first_and_rest(pane(as_user(app, "supervisor"), case_id))
    assert first == "rehandle"
    assert "supervise" in collapsed


def test_handler_answers_a_supervision_order_below_the_next_step(app, city, make_case):
    case_id, _ = assigned(app, city, make_case, sign=True)
    issue_order(app, city, case_id)
    found = pane(as_user(app, "handler"), case_id)
    assert first_and_rest(found)[0] == "draft_reply"
    assert ("answer", True) in found.forms  # the order's answer form, in view in its panel below the steps


def test_monitor_reviews_a_closed_case(app, city, make_case):
    from tests.helpers import appoint

    appoint(app, city)
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    assert first_and_rest(pane(as_user(app, "monitor"), case_id))[0] == "review"


def test_nothing_to_do_says_so(app, city, make_case):
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    found = pane(as_user(app, "handler"), case_id)
    assert found.forms == []
    assert "没有需要您办理的事项" in "".join(found.text)


@pytest.mark.parametrize("failing", ["return"])
def test_a_step_that_failed_stays_open_beside_the_first(app, city, make_case, failing):
    case_id, _ = assigned(app, city, make_case)
    handler = as_user(app, "handler")
    r = step(handler, case_id, failing, {"reason": "wrong_locality", "text": ""})
    assert r.status_code == 422
    found = ActionsPane(r.get_data(as_text=True))
    assert dict(found.forms) == {"sign_for": True, failing: True}


def test_the_case_comes_first_then_the_actions_then_the_log(app, city, make_case):
    """Source order (what phones, screen readers and keyboards get): the case, the actions, the event log; a
    jump link leads to the actions."""
    case_id, _, _ = make_case()
    page = as_user(app, "dispatcher").get(f"/staff/cases/{case_id}").get_data(as_text=True)
    positions = [page.index(marker) for marker in
                 ('href="#actions"', 'id="summary-heading"', 'class="facts"', 'id="actions-heading"',
                  'id="log-heading"')]
    assert positions == sorted(positions)


@pytest.mark.parametrize("username", ["dispatcher", "supervisor", "handler"])
def test_ordering_the_actions_adds_no_query_per_event(app, city, make_case, count_queries, username):
    """The ranking works on names: the case page's statements stay fixed as the log grows, for every role."""
    case_id, _ = assigned(app, city, make_case, sign=True)
    handler, dispatcher, viewer = as_user(app, "handler"), as_user(app, "dispatcher"), as_user(app, username)
    few = count_queries(lambda: viewer.get(f"/staff/cases/{case_id}"))
    for _ in range(3):
        step(handler, case_id, "request_extension", {"days": "1", "reason": "需要协调其他部门。"})
        step(dispatcher, case_id, "approve_extension", {"note": ""})
    assert count_queries(lambda: viewer.get(f"/staff/cases/{case_id}")) == few
