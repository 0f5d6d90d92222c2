"""Searchable pickers in the browser (portal/web/pickers.py, static/js/picker.js): a unit is found by a piece of its
Chinese name or by its pinyin initials, chosen with the keyboard, several co-units become removable chips; a city
with 500 units still renders and filters (the time is printed with -s, not asserted); the plain controls work
with JavaScript off; axe finds nothing serious on the pages with pickers, open or closed."""
import itertools
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, MonthlyTopic, Unit
from tests.browser.flows import DESKTOP, assert_accessible, fill_case, open_details, sign_in

pytestmark = pytest.mark.browser

TOPIC_FORM = "/staff/governance/topics/new"
PLACES = ["颍州区", "颍东区", "颍泉区", "临泉县", "太和县", "阜南县", "颍上县", "界首市", "经开区", "高新区"]
OFFICES = ["市场监管所", "司法所", "派出所", "卫生院", "财政所", "城管中队", "环保站", "水利站", "农业服务中心",
           "社保所", "供电所", "自来水公司营业所", "交警中队", "消防救援站", "税务分局", "住建分局", "教育办",
           "文化站", "民政办", "应急管理站", "退役军人服务站", "医保中心", "人社所", "林业站", "畜牧站",
           "规划分局", "自然资源所", "统计站", "信访办", "网格中心", "燃气营业厅", "公交分公司", "邮政支局",
           "通信营业厅", "物业办", "房管所", "残联", "妇联", "团委", "工会", "科协", "红十字会", "住房公积金",
           "档案室", "气象站", "地震办", "粮食站", "商务办", "招商办", "旅游服务中心"]


def fill_topic_text(page):
    page.fill("#title", "背街小巷路灯不亮")
    page.fill("#summary", "多处背街小巷路灯长期不亮，夜间出行不便。")
    page.fill("#problem_1", "路灯损坏无人报修")
    page.fill("#problem_2", "维修责任不清")
    page.fill("#task_1_title", "排查背街小巷路灯")


def test_a_unit_is_found_by_chinese_or_pinyin_initials_and_chosen_with_the_keyboard(app, city, new_page):
    page = new_page(viewport=DESKTOP)
    sign_in(page, "supervisor")
    page.goto(TOPIC_FORM)
    lead = page.locator("#lead_unit_id-picker")
    expect(lead).to_have_attribute("role", "combobox")
    expect(page.locator("#lead_unit_id")).to_have_attribute("aria-hidden", "true")  # kept for the form, unseen

    lead.focus()
    page.keyboard.type("城管")  # 城 … 管 in 市城市管理局
    listbox = page.locator("#lead_unit_id-listbox")
    expect(listbox).to_be_visible()
    expect(lead).to_have_attribute("aria-expanded", "true")
    expect(listbox.locator("li.is-active")).to_have_text("市城市管理局")
    active = listbox.locator("li.is-active").get_attribute("id")
    expect(lead).to_have_attribute("aria-activedescendant", active)
    assert_accessible(page, "topic form with an open unit picker")
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(lead).to_have_value("市城市管理局")
    expect(page.locator("#lead_unit_id option:checked")).to_have_text("市城市管理局")

    # Pinyin initials: jt → 市交通运输局 (shi jiao tong …); arrows move, Escape closes and keeps the choice.
    lead.fill("")
    page.keyboard.type("jtys")
    expect(listbox.locator("li.is-active")).to_have_text("市交通运输局")
    page.keyboard.press("End")
    page.keyboard.press("Home")
    expect(listbox.locator("li.is-active")).to_have_text("市交通运输局")
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(lead).to_have_value("市城市管理局")  # nothing picked: the choice stands

    # Several co-units: each Enter adds a chip, Backspace in the empty box removes the last one.
    co = page.locator("#co_unit_ids-picker")
    co.focus()
    page.keyboard.type("jt")
    expect(page.locator("#co_unit_ids-listbox li.is-active")).to_contain_text("交通")
    page.keyboard.press("Enter")
    page.keyboard.type("住建")
    page.keyboard.press("Enter")
    chips = page.locator(".picker-chips li")
    expect(chips).to_have_count(2)
    expect(page.locator("#co_unit_ids option:checked")).to_have_count(2)
    page.keyboard.press("Escape")
    page.keyboard.press("Backspace")
    expect(chips).to_have_count(1)
    expect(page.locator("#co_unit_ids option:checked")).to_have_count(1)
    chosen = page.locator("#co_unit_ids option:checked").inner_text()

    page.select_option("#category_id", index=0)
    fill_topic_text(page)
    page.locator("#task_1_unit-picker").focus()
    page.keyboard.type("cs")  # 市城市管理局 by initials (shi cheng shi …)
    page.keyboard.press("Enter")
    assert_accessible(page, "topic form with pickers filled")
    page.locator("#topic-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/governance/topics/\d+$"))
    with app.app_context():
        topic = db.session.scalars(select(MonthlyTopic)).one()
        assert topic.lead_unit_id == city["units"]["cgj"]
        assert [db.session.get(Unit, u).name_zh for u in topic.co_unit_ids] == [chosen]


def test_the_plain_controls_work_with_javascript_off(app, city, new_page):
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    sign_in(page, "supervisor")
    page.goto(TOPIC_FORM)
    expect(page.locator("#lead_unit_id")).to_be_visible()
    expect(page.locator(".picker-input")).to_have_count(0)
    page.select_option("#lead_unit_id", str(city["units"]["cgj"]))
    page.select_option("#co_unit_ids", [str(city["units"]["jtj"]), str(city["units"]["zjj"])])
    page.select_option("#category_id", index=0)
    page.select_option("#task_1_unit", str(city["units"]["cgj"]))
    fill_topic_text(page)
    page.locator("#topic-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/governance/topics/\d+$"))
    with app.app_context():
        topic = db.session.scalars(select(MonthlyTopic)).one()
        assert topic.lead_unit_id == city["units"]["cgj"]
        assert sorted(topic.co_unit_ids) == sorted([city["units"]["jtj"], city["units"]["zjj"]])


def test_500_units_render_and_filter(app, city, new_page):
    with app.app_context():
        platform_id = db.session.get(Unit, city["units"]["cgj"]).platform_id
        names = [place + office for place, office in itertools.product(PLACES, OFFICES)][:500]
        db.session.add_all(Unit(code=f"bulk-{i}", name_zh=name, name_en=f"Unit {i}", kind="city_department",
                                platform_id=platform_id) for i, name in enumerate(names))
        db.session.commit()
        total = db.session.query(Unit).filter(Unit.retired_at.is_(None)).count()
    page = new_page(viewport=DESKTOP)
    sign_in(page, "supervisor")
    started = time.monotonic()
    page.goto(TOPIC_FORM)
    expect(page.locator("#task_3_unit-picker")).to_be_visible()  # every picker on the page enhanced
    loaded = time.monotonic() - started
    expect(page.locator("#lead_unit_id option")).to_have_count(total)

    lead = page.locator("#lead_unit_id-picker")
    lead.focus()
    timings = {}
    for query, expected in (("太和县派出所", "太和县派出所"), ("thxpcs", "太和县派出所"), ("司法", None)):
        lead.fill("")
        started = time.monotonic()
        page.keyboard.type(query)
        active = page.locator("#lead_unit_id-listbox li.is-active")
        if expected:
            expect(active).to_have_text(expected)
        else:
            expect(active).to_contain_text(query)
        timings[query] = time.monotonic() - started
    shown = page.locator("#lead_unit_id-listbox li").count()
    assert shown <= 50  # at most 50 drawn, the rest found by typing more
    lead.fill("")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#lead_unit_id-listbox li")).to_have_count(50)
    expect(page.locator("#lead_unit_id-picker-hint")).to_contain_text(str(total))
    per_key = page.evaluate("""() => {
        const box = document.getElementById('lead_unit_id-picker'); const t0 = performance.now();
        for (let i = 0; i < 20; i++) { box.value = i % 2 ? 'ys' : '颍上'; box.dispatchEvent(new Event('input')); }
        return (performance.now() - t0) / 20; }""")
    print(f"\n[picker] {total} units: page with 5 unit pickers loaded and enhanced in {loaded:.2f} s; "
          + ", ".join(f"'{q}' filtered and shown in {t * 1000:.0f} ms" for q, t in timings.items())
          + f"; one filter pass over {total} units in the page: {per_key:.1f} ms")


@pytest.mark.parametrize("viewport", [DESKTOP, {"width": 360, "height": 740}], ids=["desktop", "phone"])
def test_pages_with_pickers_pass_axe_open_and_closed(app, city, make_case, new_page, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, "operator")
    page.goto("/staff/intake")
    assert_accessible(page, "operator intake")
    page.locator("#category_id-picker").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#category_id-listbox")).to_be_visible()
    assert_accessible(page, "operator intake with the category list open")
    if viewport == DESKTOP:  # the caller's history and the knowledge base sit beside the form
        form, aside = page.locator("#case-form").bounding_box(), page.locator(".intake-aside").bounding_box()
        assert aside["x"] >= form["x"] + form["width"] - 1 and aside["y"] < form["y"] + form["height"]

    case_id, _, _ = make_case()
    dispatcher = new_page(viewport=viewport)
    sign_in(dispatcher, "dispatcher")
    dispatcher.goto(f"/staff/cases/{case_id}")
    open_details(dispatcher.locator("details.step", has=dispatcher.locator("form[action$='/step/accept']")))
    dispatcher.locator("form[action$='/step/accept'] button[type=submit]").click()
    dispatcher.wait_for_url(re.compile(rf"/staff/cases/{case_id}$"))
    open_details(dispatcher.locator("details.step", has=dispatcher.locator("form[action$='/step/assign']")))
    co = dispatcher.locator("#assign-co_unit_ids-picker")
    co.focus()
    dispatcher.keyboard.type("jt")
    dispatcher.keyboard.press("Enter")
    expect(dispatcher.locator(".picker-chips li")).to_have_count(1)
    assert_accessible(dispatcher, "case page with the co-unit picker open and a chip")


def test_operator_records_a_call_with_javascript_off(app, city, new_page):
    """Without JavaScript the operator's category is one plain list of whole paths, the co-units plain boxes."""
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    sign_in(page, "operator")
    page.goto("/staff/intake")
    expect(page.locator("#category_l1")).to_have_count(0)
    expect(page.locator("#category_id option", has_text="城乡建设 › 道路设施 › 路面破损")).to_have_count(1)
    fill_case(page, "zh", js=False)
    page.locator("#case-form .form-actions button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/cases/\d+$"))
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert (case.category_id, case.town_id) == (city["leaf"], city["town"])
