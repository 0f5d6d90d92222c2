"""Issue 4 in a browser: a supervisor, a unit's handler, a monitor and an anonymous citizen each in their own
context — supervision orders issued and answered, the dashboard's numbers and polling, a monitor's review with a
perfunctory-handling flag upheld by the supervisor, and a monthly ranking published and read by the public.
Cases are put into states through the workflow functions (helpers of tests/test_supervision.py, test_monitors.py,
test_rankings.py); everything the users do happens in Chromium."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.domain import monitoring, periods, rankings, supervision, workflow
from portal.extensions import db
from portal.models import QualityReview, SupervisionOrder
from tests.browser.flows import KnownAppBug, assert_accessible, open_details, sign_in
from tests.helpers import Desk, advance, appoint, assigned, issue_order, label, one_case

pytestmark = pytest.mark.browser

REQUIREMENT = "请三日内现场核实并反馈整改情况。"
ANSWER = "已于今日完成现场核实，路面修复完毕。"
MASKED_PHONE, PHONE = "139****5678", "13912345678"  # make_case's citizen


def order_of_case(app, case_id) -> int:
    with app.app_context():
        return db.session.scalar(select(SupervisionOrder.id).where(SupervisionOrder.case_id == case_id))


def post_then_reload(page, button, anchor: str) -> None:
    """Submit a case-page form sent with htmx; the server answers 204 + HX-Redirect to the case page + `anchor`
    with HX-Refresh, so the page reloads showing the result."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/staff/cases/" in r.url) as answer:
        button.click()
    assert answer.value.status == 204, answer.value.status
    assert answer.value.headers["hx-redirect"].endswith(anchor)
    page.wait_for_load_state()


def is_dashboard_poll(request) -> bool:
    return (request.url.split("?")[0].endswith("/staff/supervision")
            and request.headers.get("hx-request") == "true")


# ---------------------------------------------------------------------------------------------- supervisor + unit
def test_supervisor_issues_an_order_the_unit_answers_and_the_dashboard_polls(app, city, make_case, new_page):
    case_id, number = assigned(app, city, make_case, sign=True)

    # the supervisor lands on the dashboard and reads its numbers
    sup = new_page()
    sign_in(sup, "supervisor")
    sup.wait_for_url(re.compile(r"/staff/supervision$"))
    expect(sup.locator("h1")).to_be_visible()
    expect(sup.locator("#n-awaiting")).to_have_text("0")
    expect(sup.locator("#n-flags")).to_have_text("0")
    for tile_id in ("#n-red", "#n-yellow", "#n-dissatisfied", "#n-overdue-orders"):
        expect(sup.locator(tile_id)).to_have_text(re.compile(r"^\d+$"))
    expect(sup.locator("#board table").first).to_be_visible()
    assert_accessible(sup, "supervision dashboard")

    # …opens the case and issues an order from its page
    sup.goto(f"/staff/cases/{case_id}")
    expect(sup.locator("h1")).to_contain_text(number)
    assert_accessible(sup, "supervisor's case page")
    panel = sup.locator("#supervision")
    open_details(panel.locator("details.step"))
    sup.select_option("#supervise-level", value="listed")
    sup.fill("#supervise-days", "3")
    sup.fill("#supervise-requirement", REQUIREMENT)
    post_then_reload(sup, panel.locator("details.step button[type=submit]"), "#supervision")
    order = sup.locator("#supervision li.order")
    expect(order).to_have_count(1)
    expect(order).to_contain_text(REQUIREMENT)
    expect(order).to_contain_text(label(app, supervision.LEVEL_LABELS, "listed"))
    log = sup.locator("section[aria-labelledby=log-heading]")
    expect(log).to_contain_text(REQUIREMENT)
    expect(log).to_contain_text(label(app, workflow.ACTION_LABELS, "supervise"))
    order_id = order_of_case(app, case_id)
    assert order_id is not None

    sup.goto("/staff/supervision/orders")
    listed = sup.locator(f"#order-{order_id}")
    expect(listed).to_contain_text(number)
    expect(listed).to_contain_text(REQUIREMENT)
    expect(listed).to_contain_text(label(app, supervision.STATUS_LABELS, "awaiting"))
    assert_accessible(sup, "supervisor's order list")

    # the unit's handler answers it from the order list
    unit = new_page()
    sign_in(unit, "handler")
    unit.goto("/staff/supervision/orders")
    mine = unit.locator(f"#order-{order_id}")
    expect(mine).to_contain_text(REQUIREMENT)
    assert_accessible(unit, "handler's order list")
    unit.fill(f"#answer-{order_id}-answer", ANSWER)
    mine.locator("button[type=submit]").click()
    expect(unit.locator(f"#order-{order_id} .order-answer")).to_contain_text(ANSWER)
    expect(unit.locator(f"#answer-{order_id}-answer")).to_have_count(0)

    # the supervisor sees the answer on the list and on the case
    sup.goto("/staff/supervision/orders?status=answered")
    expect(sup.locator(f"#order-{order_id}")).to_contain_text(ANSWER)
    expect(sup.locator(f"#order-{order_id}")).to_contain_text(label(app, supervision.STATUS_LABELS, "answered"))
    sup.goto(f"/staff/cases/{case_id}")
    expect(sup.locator("#supervision .order-answer")).to_contain_text(ANSWER)

    # the dashboard block refreshes itself: htmx polls with HX-Request and swaps in the new figures
    sup.clock.install()
    sup.goto("/staff/supervision")
    expect(sup.locator("#n-awaiting")).to_have_text("0")
    issue_order(app, city, unit="jtj", requirement="请报送本月超期件整改方案。")
    with sup.expect_request(is_dashboard_poll) as polled:
        sup.clock.fast_forward("00:31")
    assert polled.value.headers.get("hx-request") == "true"
    expect(sup.locator("#n-awaiting")).to_have_text("1")
    expect(sup.locator("#board")).to_contain_text("市交通运输局")


# ---------------------------------------------------------------------------------------------- monitor + supervisor
def test_monitor_reviews_and_flags_a_case_the_supervisor_upholds_it(app, city, make_case, new_page):
    appoint(app, city)
    case_id, number, _ = make_case(title="人民路路面破损")
    advance(app, city, case_id, "closed")
    comment = "答复照搬模板，未说明具体整改措施。"
    note = "情况属实，请城管局重新核实并补充答复。"

    mon = new_page()
    sign_in(mon, "monitor")
    mon.wait_for_url(re.compile(r"/staff/monitor$"))
    sample = mon.locator("#sample")
    expect(sample).to_contain_text(number)
    assert_accessible(mon, "monitor's page")
    sample.get_by_role("link", name=number).click()
    mon.wait_for_url(re.compile(rf"/staff/cases/{case_id}"))
    expect(mon.locator("h1")).to_contain_text(number)

    # read-only and masked: no step forms, the phone masked
    expect(mon.locator("form[action*='/step/']")).to_have_count(0)
    expect(mon.locator("details.step")).to_have_count(0)
    expect(mon.locator(".facts")).to_contain_text(MASKED_PHONE)
    assert PHONE not in mon.content()
    assert_accessible(mon, "monitor's case page")

    review = mon.locator("#review")
    for name, score in (("timeliness", "2"), ("attitude", "3"), ("solution", "2"), ("reply_quality", "1")):
        mon.fill(f"#review-{name}", score)
    mon.fill("#review-comment", comment)
    mon.check("#review-perfunctory")
    post_then_reload(mon, review.locator("button[type=submit]"), "#review")
    expect(mon.locator("#review form")).to_have_count(0)
    expect(mon.locator("#review")).to_contain_text(comment)
    expect(mon.locator("#review")).to_contain_text(label(app, monitoring.FLAG_LABELS, "open"))
    with app.app_context():
        item = db.session.scalar(select(QualityReview))
        assert (item.timeliness, item.attitude, item.solution, item.reply_quality) == (2, 3, 2, 1)
        assert item.perfunctory and item.flag_state == "open"
        review_id = item.id

    # the supervisor finds it in the flag queue and upholds it with an order
    sup = new_page()
    sign_in(sup, "supervisor")
    sup.goto("/staff/supervision/flags")
    flag = sup.locator(f"#flag-{review_id}")
    expect(flag).to_contain_text(number)
    expect(flag).to_contain_text(comment)
    expect(flag).to_contain_text(label(app, monitoring.KIND_LABELS, "deputy"))
    assert_accessible(sup, "flag queue")
    prefix = f"flag-{review_id}"
    sup.fill(f"#{prefix}-note", note)
    sup.check(f"#{prefix}-issue_order")
    sup.select_option(f"#{prefix}-level", value="listed")
    sup.fill(f"#{prefix}-days", "3")
    flag.locator("button[value=uphold]").click()
    expect(sup.locator(f"#flag-{review_id}")).to_have_count(0)  # gone from the open tab
    sup.goto("/staff/supervision/flags?state=upheld")
    expect(sup.locator(f"#flag-{review_id}")).to_contain_text(note)
    with app.app_context():
        assert db.session.get(QualityReview, review_id).flag_state == "upheld"
        assert db.session.scalar(select(SupervisionOrder.case_id)) == case_id

    # the monitor's page shows the flag's fate and the order to the unit
    mon.goto("/staff/monitor")
    fate = mon.locator(f"#review-{review_id}")
    expect(fate).to_contain_text(label(app, monitoring.FLAG_LABELS, "upheld"))
    expect(fate).to_contain_text(note)
    expect(fate).to_contain_text("市城市管理局")
    assert PHONE not in mon.content()


# ---------------------------------------------------------------------------------------------- rankings
def test_supervisor_publishes_last_month_and_the_public_reads_it(app, city, new_page):
    with app.app_context():
        month = rankings.last_month()
        first, _ = periods.month_bounds(month)
        one_case(Desk(city), "cgj", (first.year, first.month, 10), "good")
        db.session.commit()

    sup = new_page()
    sign_in(sup, "supervisor")
    sup.goto("/staff/rankings")
    publish = sup.locator("form[action$='/staff/rankings/publish']")
    expect(publish.locator("input[name=month]")).to_have_value(month)
    expect(sup.locator("#preview")).to_contain_text("市城市管理局")
    assert_accessible(sup, "staff rankings")
    with sup.expect_navigation():
        publish.locator("button[type=submit]").click()
    confirm = sup.locator("#confirm-publish")  # publication cannot be undone: a confirmation step first
    expect(confirm).to_be_visible()
    assert_accessible(sup, "confirm the ranking publication")
    confirm.locator("input[name=confirmed]").check()
    with sup.expect_navigation():
        confirm.locator("button[type=submit]").click()
    expect(sup.locator("form[action$='/staff/rankings/publish']")).to_have_count(0)
    expect(sup.locator(f"section[aria-labelledby=published-heading] a[href$='/rankings/{month}']")).to_be_visible()
    with app.app_context():
        assert rankings.snapshot_for(month).published_by_id == city["users"]["supervisor"]

    anon = new_page()
    anon.goto("/rankings")
    expect(anon.locator("#ranking-heading")).to_contain_text(month)
    expect(anon.locator(f"nav a[href$='/rankings/{month}']")).to_have_attribute("aria-current", "page")
    tables = anon.locator("#ranking-tables")
    expect(tables).to_contain_text("市城市管理局")
    expect(tables).to_contain_text("颍州区人民政府")
    assert_accessible(anon, "public rankings")
    href = anon.locator(f"a[href$='/rankings/{month}.xlsx']").get_attribute("href")
    response = anon.context.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.body()[:2] == b"PK"


# ---------------------------------------------------------------------------------------------- known app bug
@pytest.mark.parametrize("form", ["supervision order", "monitor review"])
def test_case_page_form_shows_its_result_without_a_reload(app, city, make_case, new_page, form):
    page = new_page()
    if form == "supervision order":
        case_id, _ = assigned(app, city, make_case, sign=True)
        sign_in(page, "supervisor")
        page.goto(f"/staff/cases/{case_id}")
        open_details(page.locator("#supervision details.step"))
        page.fill("#supervise-requirement", REQUIREMENT)
        page.locator("#supervision details.step button[type=submit]").click()
        result = page.locator("#supervision li.order")
    else:
        appoint(app, city)
        case_id, _, _ = make_case()
        advance(app, city, case_id, "closed")
        sign_in(page, "monitor")
        page.goto(f"/staff/cases/{case_id}#review")  # as the monitor's sample links it
        for name in ("timeliness", "attitude", "solution", "reply_quality"):
            page.fill(f"#review-{name}", "3")
        page.fill("#review-comment", "答复及时，措施具体。")
        page.locator("#review button[type=submit]").click()
        result = page.locator("#review .scores")
    try:
        expect(result).to_have_count(1)
    except AssertionError as err:
        with app.app_context():  # the POST itself succeeded: the row is there, only the page is stale
            saved = (db.session.scalar(select(SupervisionOrder.id)) if form == "supervision order"
                     else db.session.scalar(select(QualityReview.id)))
        assert saved is not None, "the POST failed: not the known bug"
        raise KnownAppBug(f"{form}: saved, but the page still shows the old content at {page.url}") from err
