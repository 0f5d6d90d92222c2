"""The staff workbench in the browser: an operator answers a consultation from a knowledge base article, a citizen
is shown an article while typing and leaves without submitting, an admin creates a unit and a handler who signs in
(changing the temporary password first) and works a case, a unit lead reads the unit's figures and opens the cases
behind one; and the new pages pass axe at 360 px."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.domain import knowledge, workflow
from portal.extensions import db
from portal.models import Case, KnowledgeDailyCount, Unit, User
from tests.browser.flows import assert_accessible, fill_case, login, open_details, scroll_width, sign_in

pytestmark = pytest.mark.browser

QUESTION = "路面破损了应该找哪个部门"
ANSWER = "城市道路路面破损由市城市管理局负责维修，一般在5个工作日内修复；紧急情况请拨打12345。"


@pytest.fixture
def article(app, city):
    """An approved public article of 市城市管理局 about damaged roads."""
    with app.test_request_context():
        handler = db.session.get(User, city["users"]["handler"])
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        version = knowledge.write(handler, None, knowledge.ArticleData(
            question=QUESTION, answer=ANSWER, policy_source="阜阳市城市道路管理办法 第十二条",
            valid_until=date.today() + timedelta(days=365), public=True))
        knowledge.decide(dispatcher, version, True)
        db.session.commit()
        return version.article_id


def test_operator_answers_a_consultation_from_an_article(app, city, article, page):
    login(page, "operator")
    page.goto("/staff/intake")
    page.select_option("#channel", "hotline")
    fill_case(page, "zh")  # the title "人民路路面破损" brings up the article about damaged roads
    suggestion = page.locator("#knowledge-suggestions")
    expect(suggestion).to_contain_text(QUESTION)
    suggestion.get_by_role("button", name=re.compile("用此条答复来电人")).first.click()
    expect(page.locator("#cited-article")).to_contain_text(QUESTION)
    expect(page.locator("#answer_text")).to_have_value(ANSWER)
    expect(page.locator("#answer_now")).to_be_checked()
    expect(page.locator("#title")).to_have_value("人民路路面破损")  # nothing typed so far is lost
    page.locator("#case-form .form-actions button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/cases/\d+$"))
    cited = page.locator("section", has=page.locator("#citations-heading"))
    expect(cited).to_contain_text(QUESTION)
    expect(cited).to_contain_text("第1版")
    expect(page.locator(".facts .badge").first).to_have_class(re.compile(r"state-awaiting_evaluation"))
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.events[-1].data["knowledge_version"] == 1


def test_citizen_is_shown_an_article_while_typing_and_leaves_without_submitting(app, city, article, page):
    page.goto("/submit")
    page.fill("#title", "人民路路面破损")
    suggestion = page.locator("#knowledge-suggestions a", has_text=QUESTION)
    expect(suggestion).to_be_visible()
    suggestion.click()
    page.wait_for_url(f"**/questions/{article}?from=submit")
    expect(page.locator("main")).to_contain_text(ANSWER)
    page.get_by_role("button", name="这已解答了我的问题").click()
    expect(page.locator(".flashes")).to_contain_text("无需再提交诉求")
    page.goto("/")  # and leaves
    with app.app_context():
        counts = {r.kind: r.count for r in db.session.scalars(select(KnowledgeDailyCount))}
        assert counts.get("shown", 0) >= 1 and counts["viewed"] == 1 and counts["answered"] == 1
        assert "submitted_anyway" not in counts
        assert db.session.scalar(select(Case.id)) is None
    page.goto("/stats")
    expect(page.locator("section", has=page.locator("#stats-knowledge"))).to_contain_text("1人未提交诉求即离开")


def test_submission_suggestions_work_without_javascript_through_the_search_page(app, city, article, new_page):
    page = new_page(java_script_enabled=False)
    page.goto("/submit")
    page.get_by_role("link", name=re.compile("请先搜索常见问题")).click()
    page.fill("#question-q", "路面破损")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=QUESTION).click()
    expect(page.locator("main")).to_contain_text(ANSWER)
    with app.app_context():
        assert db.session.scalar(select(KnowledgeDailyCount.count).where(KnowledgeDailyCount.kind == "viewed")) == 1


def test_admin_creates_a_unit_and_a_handler_who_signs_in_and_works_a_case(app, city, make_case, new_page):
    admin = new_page()
    login(admin, "admin")
    admin.goto("/admin/organisation/units/new")
    admin.fill("#code", "sfj")
    admin.fill("#name_zh", "市司法局")
    admin.fill("#name_en", "Justice Bureau")
    admin.select_option("#kind", "city_department")
    admin.select_option("#ranking_group", "city_department")
    admin.select_option("#platform_id", label="阜阳市12345主平台") if admin.locator(
        "#platform_id option", has_text="阜阳市12345主平台").count() else admin.select_option("#platform_id", index=1)
    admin.get_by_role("button", name="保存").click()
    admin.wait_for_url("**/admin/organisation/units")
    expect(admin.locator("table")).to_contain_text("市司法局")

    admin.goto("/admin/users/new")
    admin.fill("#username", "sfj_handler")
    admin.fill("#display_name", "司法局承办人")
    admin.select_option("#role", "handler")
    admin.select_option("#unit_id", label="市司法局")
    admin.get_by_role("button", name="创建账号").click()
    admin.wait_for_url(re.compile(r"/admin/users/\d+$"))
    flash = admin.locator(".flashes").inner_text()
    password = re.search(r"临时密码[:：]\s*([a-z2-9]{10})", flash).group(1)

    case_id = make_case(title="社区矫正咨询")[0]
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        case = db.session.get(Case, case_id)
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, db.session.scalar(select(Unit).where(Unit.code == "sfj")), "general")
        db.session.commit()

    handler = new_page()
    handler.goto("/login")
    handler.fill("#username", "sfj_handler")
    handler.fill("#password", password)
    handler.locator("#login-form button[type=submit]").click()
    handler.wait_for_url("**/account/password")
    handler.goto("/staff/unit")  # every page asks for the new password first
    handler.wait_for_url("**/account/password")
    handler.fill("#current", password)
    handler.fill("#new", "sfj-own-secret-9")
    handler.fill("#confirm", "sfj-own-secret-9")
    handler.get_by_role("button", name="修改密码").click()
    handler.wait_for_url("**/staff/unit**")
    handler.goto(f"/staff/cases/{case_id}")
    open_details(handler.locator("details.step", has=handler.locator("form[action$='/step/sign_for']")))
    handler.locator("form[action$='/step/sign_for'] button[type=submit]").click()
    expect(handler.locator(".facts .badge").first).to_have_class(re.compile(r"state-handling"))
    admin.goto("/admin/audit")
    expect(admin.locator("table")).to_contain_text("sfj_handler")
    expect(admin.locator("table")).to_contain_text("sfj")


def test_unit_lead_reads_the_figures_and_opens_the_cases_behind_one(app, city, make_case, page):
    from tests.helpers import make_assigned

    make_assigned(app, city, make_case, 3)
    sign_in(page, "unit_lead")
    page.get_by_role("link", name="本单位指标").click()
    page.wait_for_url("**/staff/unit-figures/")
    figures = page.locator("table.figures")
    volume = figures.locator("tbody tr").first.locator("td").first.get_by_role("link")
    expect(volume).to_have_text("3")
    volume.click()
    page.wait_for_url("**/staff/unit-figures/cases?**")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/staff/cases/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("批量件")


# Pages that need an article; the other new staff pages are in test_staff_pages.PAGES.
NEW_PAGES = {
    "unit_lead": ["/staff/unit-figures/", "/staff/reply-templates"],
    "supervisor": ["/staff/knowledge/?q=路面破损"],
    None: ["/questions/", "/questions/?q=路面破损"],
}


@pytest.mark.parametrize("username", list(NEW_PAGES), ids=lambda u: u or "citizen")
def test_new_pages_fit_a_phone_and_pass_axe(app, city, article, new_page, username):
    page = new_page()
    if username:
        sign_in(page, username)
    for path in NEW_PAGES[username] + ([f"/questions/{article}"] if username is None else
                                       [f"/staff/knowledge/{article}"]):
        response = page.goto(path)
        assert response.status == 200, path
        assert scroll_width(page) <= 360, f"{path} scrolls sideways at 360 px"
        assert_accessible(page, f"{username} {path}")
