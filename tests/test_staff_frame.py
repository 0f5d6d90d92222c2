"""The staff frame: staff pages show the user's queues with live counts (through the user's scope), a user menu
with sign-out; public pages keep the public frame. The counts fragment runs a fixed number of statements."""
import re

from portal.extensions import db
from portal.models import Region
from tests.helpers import PortalClient, as_user, step, user_named


def _counts(page: str) -> dict[str, str]:
    """{queue url: count} from the staff header's queue list."""
    block = page.split('id="queue-counts"', 1)[1].split("</ul>", 1)[0]
    return dict(re.findall(r'<a href="([^"]+)"[^>]*>[^<]*<span class="count[^"]*"[^>]*>([^<]+)</span>', block))


def test_staff_pages_show_the_queues_with_their_counts(app, city, make_case):
    for _ in range(3):
        make_case()
    dispatcher = as_user(app, "dispatcher")
    page = dispatcher.get("/staff/queue").get_data(as_text=True)
    assert 'class="staff-header"' in page and 'class="site-header"' not in page
    assert _counts(page) == {"/staff/queue": "3"}
    assert re.search(r'<a href="/staff/queue" aria-current="page">', page)
    # the user menu: name, unit or platform, role, sign-out
    menu = page.split('class="user-menu"', 1)[1].split("</details>", 1)[0]
    facts = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", menu)
    assert len(facts) == 3 and all(value.strip() for _, value in facts)
    assert facts[0][1] == "李强" and facts[2][1] != "dispatcher"  # the role's words, not its code
    assert 'action="/logout"' in menu and 'name="csrf_token"' in menu


def test_counts_go_through_the_users_scope(app, city, make_case):
    with app.app_context():
        other_county = db.session.get(Region, city["other_county_town"]).parent_id
    case_id, _, _ = make_case()
    make_case(county_id=other_county, town_id=city["other_county_town"])
    dispatcher = as_user(app, "dispatcher")
    assert _counts(dispatcher.get("/staff/nav/counts").get_data(as_text=True)) == {"/staff/queue": "2"}
    # a sub-platform's dispatcher counts only the cases received on their sub-platform
    sub = as_user(app, "dispatcher_yz")
    assert _counts(sub.get("/staff/nav/counts").get_data(as_text=True)) == {"/staff/queue": "1"}
    # a case assigned to unit A counts in unit A's queue only
    step(dispatcher, case_id, "accept")
    step(dispatcher, case_id, "assign", {"unit_id": city["units"]["cgj"], "priority": "general"})
    assert _counts(as_user(app, "handler").get("/staff/nav/counts").get_data(as_text=True)) == {"/staff/unit": "1"}
    assert _counts(as_user(app, "handler_yz").get("/staff/nav/counts").get_data(as_text=True)) == {"/staff/unit": "0"}


def test_counts_fragment_is_a_link_list_that_htmx_refreshes(app, city):
    admin = as_user(app, "admin")
    response = admin.get("/staff/nav/counts", headers={"HX-Request": "true",
                                                       "HX-Current-URL": "http://localhost/staff/dissatisfied"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<ul id="queue-counts"') and 'hx-trigger="every 60s"' in body
    assert set(_counts(body)) == {"/staff/queue", "/staff/dissatisfied"}
    assert re.search(r'<a href="/staff/dissatisfied" aria-current="page">', body)
    assert "no-store" in response.headers["Cache-Control"]


def test_public_pages_keep_the_public_frame(app, city):
    dispatcher = as_user(app, "dispatcher")
    page = dispatcher.get("/stats").get_data(as_text=True)
    assert 'class="site-header"' in page and 'class="staff-header"' not in page
    assert 'href="/staff/"' in page  # a plain way back to the workspace
    assert 'id="queue-counts"' not in page and 'action="/logout"' not in page


def test_counts_fragment_runs_a_fixed_number_of_statements(app, city, make_case, count_queries):
    admin = as_user(app, "admin")
    make_case()
    few = count_queries(lambda: admin.get("/staff/nav/counts"))
    for _ in range(6):
        make_case()
    assert count_queries(lambda: admin.get("/staff/nav/counts")) == few


def test_counts_poll_after_the_session_ended_reloads_the_page(app, city):
    visitor = PortalClient(app.test_client())
    polled = visitor.get("/staff/nav/counts", htmx=True)
    assert polled.status_code == 204 and polled.headers["HX-Refresh"] == "true"
    assert visitor.get("/staff/nav/counts").status_code in (302, 303)  # without htmx: the sign-in page


def test_a_case_in_two_tabs_counts_once_and_a_long_queue_shows_the_cap(app, city, make_case, monkeypatch):
    """A lead unit's case awaiting approval is in both the "handling" and the "approve" tab: the unit lead's header
    counts it once. Past the cap the header says "N+" (each tab is cut at the cap before the union)."""
    from portal.domain import queues

    dispatcher = as_user(app, "dispatcher")
    ids = [make_case()[0] for _ in range(3)]
    for case_id in ids:
        step(dispatcher, case_id, "accept")
        step(dispatcher, case_id, "assign", {"unit_id": city["units"]["cgj"], "priority": "general"})
    handler = as_user(app, "handler")
    assert step(handler, ids[0], "sign_for").status_code == 303
    assert step(handler, ids[0], "draft_reply", {"reply_type": "resolved",
                                                 "text": "已现场修复井盖，经回访居民确认通行安全。"}).status_code == 303
    lead = as_user(app, "unit_lead")
    with app.app_context():
        kinds = {name: int(queues.QueueCount.of(q)) for name, q in queues.QUEUES["unit"](user_named("unit_lead")).items()}
    assert kinds["handling"] == 1 and kinds["approve"] == 1 and kinds["sign"] == 2
    assert _counts(lead.get("/staff/nav/counts").get_data(as_text=True)) == {"/staff/unit": "3"}
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    assert _counts(lead.get("/staff/nav/counts").get_data(as_text=True)) == {"/staff/unit": "2+"}

