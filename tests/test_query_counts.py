"""No page runs a query per row: the number of statements does not grow with the number of cases."""
import pytest

from tests.helpers import as_user, make_assigned


@pytest.mark.parametrize("username,path", [
    ("dispatcher", "/staff/queue?tab=new"),
    ("handler", "/staff/unit?tab=sign"),
    ("dispatcher", "/staff/cases"),
    (None, "/"),
])
def test_pages_run_a_fixed_number_of_queries(app, city, make_case, count_queries, username, path):
    client = as_user(app, username) if username else None
    if client is None:
        from tests.helpers import PortalClient
        client = PortalClient(app.test_client())
    make_assigned(app, city, make_case, 2)
    make_case(title="新件一")
    small = count_queries(lambda: client.get(path))
    make_assigned(app, city, make_case, 12)
    for i in range(6):
        make_case(title=f"新件{i}")
    large = count_queries(lambda: client.get(path))
    assert large == small, f"{path}: {small} statements with few cases, {large} with more"


def test_home_page_queries_do_not_grow_with_published_cases(app, city, make_case, count_queries):
    from tests.helpers import PortalClient, answer

    client = PortalClient(app.test_client())
    for i in range(2):
        answer(app, city, make_case(title=f"已答复{i}")[0])
    small = count_queries(lambda: client.get("/"))
    for i in range(6):
        answer(app, city, make_case(title=f"又答复{i}")[0])
    large = count_queries(lambda: client.get("/"))
    assert "又答复5" in client.get("/").get_data(as_text=True)
    assert large == small


def test_case_pages_do_not_query_per_event(app, city, make_case, count_queries):
    from tests.helpers import citizen_page, step

    case_id, number, code = make_case()
    dispatcher, monitor = as_user(app, "dispatcher"), as_user(app, "monitor")
    step(dispatcher, case_id, "accept")
    step(dispatcher, case_id, "assign", {"unit_id": city["units"]["cgj"], "priority": "general"})
    handler = as_user(app, "handler")
    step(handler, case_id, "sign_for")
    monitor_few = count_queries(lambda: monitor.get(f"/staff/cases/{case_id}"))
    citizen_few = count_queries(lambda: citizen_page(app, number, code))
    for _ in range(3):  # six more events, some public, by two more people; the state stays "handling"
        step(handler, case_id, "request_extension", {"days": "2", "reason": "需要协调其他部门。"})
        step(dispatcher, case_id, "approve_extension", {"note": ""})
    assert count_queries(lambda: citizen_page(app, number, code)) == citizen_few
    assert count_queries(lambda: monitor.get(f"/staff/cases/{case_id}")) == monitor_few


def test_the_citizens_case_page_reads_the_case_in_three_statements(app, city, make_case, count_queries):
    """The tracked case (its category path, county and town), its photos, its public log with actors and units:
    three statements, not one per category level, place or event."""
    from tests.helpers import citizen_page, step

    case_id, number, code = make_case()
    dispatcher = as_user(app, "dispatcher")
    step(dispatcher, case_id, "accept")
    step(dispatcher, case_id, "assign", {"unit_id": city["units"]["cgj"], "priority": "general"})
    citizen, page = citizen_page(app, number, code)
    assert "›" in page  # the category's whole path
    statements = count_queries(lambda: citizen.get(f"/track/{number}"))
    assert statements <= 3, statements
