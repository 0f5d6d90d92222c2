"""Echo wall (回音壁): supervisors publish stories of consented, replied cases; the public list, story pages and
Atom feed never show the citizen's name or phone; filters; "most raised this month"."""
import re
from datetime import datetime, timezone
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from portal.domain import echo
from portal.extensions import db
from portal.models import Case, CaseEvent, EchoStory, User
from tests.helpers import PortalClient, answer, as_user, english, publish, publish_form, receive, story_id

NAME, PHONE = "欧阳锋", "13711112222"  # distinctive: must never reach a public page
ATOM = "{http://www.w3.org/2005/Atom}"


def consented_replied(app, city, **fields) -> int:
    data = dict(at=datetime.now(timezone.utc), title="文峰街道路灯不亮", citizen_name=NAME, citizen_phone=PHONE,
                description=f"我是{NAME}，电话{PHONE}，文峰街道三号路口路灯连续一周不亮。")
    data.update(fields)
    case_id = receive(app, **data)
    answer(app, city, case_id, reply=f"{NAME}您好：已更换灯泡，路灯恢复照明。")
    return case_id


# ---------------------------------------------------------------------------------------------- publishing
def test_supervisor_publishes_a_story_from_a_consented_replied_case(app, city):
    case_id = consented_replied(app, city)
    supervisor = as_user(app, "supervisor")
    page, fields = publish_form(supervisor, case_id)
    assert fields["title"] == "文峰街道路灯不亮"
    assert "路灯连续一周不亮" in fields["raised"] and "已更换灯泡" in fields["reply"]
    assert NAME not in page and PHONE not in page  # pre-filled text has them taken out
    response = supervisor.post(f"/staff/echo/new?case={case_id}", dict(fields, title="三号路口路灯恢复照明"),
                               csrf_from=f"/staff/echo/new?case={case_id}")
    assert response.status_code == 303
    sid = story_id(app, case_id)
    assert response.headers["Location"].endswith(f"/echo/{sid}")
    with app.app_context():
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                          CaseEvent.action == "echo_published"))
        assert event.public and event.actor.username == "supervisor" and event.data == {"story_id": sid}
    story = PortalClient(app.test_client()).get(f"/echo/{sid}").get_data(as_text=True)
    assert "三号路口路灯恢复照明" in story and "已更换灯泡" in story
    # once published, the same case is refused with a link to the story
    again = supervisor.get(f"/staff/echo/new?case={case_id}")
    assert again.status_code == 409 and f"/echo/{sid}" in again.get_data(as_text=True)


def test_publish_by_tracking_number_and_candidates_list(app, city):
    case_id = consented_replied(app, city)
    with app.app_context():
        number = db.session.get(Case, case_id).tracking_no
    supervisor = as_user(app, "supervisor")
    chooser = supervisor.get("/staff/echo/new").get_data(as_text=True)
    assert number in chooser and f"/staff/echo/new?case={case_id}" in chooser
    assert 'name="title"' in supervisor.get(f"/staff/echo/new?case={number}").get_data(as_text=True)
    assert supervisor.get("/staff/echo/new?case=FY20990101000001").status_code == 404


@pytest.mark.parametrize("kind,message", [
    ("confidential", "This case is confidential"),
    ("no_consent", "did not allow this case to be published"),
    ("not_replied", "no reply released to the citizen yet"),
])
def test_refused_for_confidential_unconsented_or_unreplied_cases(app, city, kind, message):
    now = datetime.now(timezone.utc)
    if kind == "confidential":
        case_id = consented_replied(app, city, confidential=True, publish_consent=True)
    elif kind == "no_consent":
        case_id = consented_replied(app, city, publish_consent=False)
    else:
        case_id = receive(app, at=now)
    supervisor = english(app)
    supervisor.login("supervisor")
    response = supervisor.get(f"/staff/echo/new?case={case_id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and message in body and 'name="title"' not in body
    post = supervisor.post(f"/staff/echo/new?case={case_id}", {"title": "x", "raised": "x", "handling": "x",
                                                               "reply": "x"}, csrf_from="/staff/echo/new")
    assert post.status_code == 409 and message in post.get_data(as_text=True)
    assert story_id(app, case_id) is None


def test_story_with_the_citizens_name_or_phone_is_refused(app, city):
    case_id = consented_replied(app, city)
    for text in (f"{NAME}反映路灯不亮。", "请拨打137-1111-2222联系。", "邻居电话15900001111也反映过。",
                 "身份证号34120419800101123X。", "邮箱 someone@example.com"):
        response = publish(app, case_id, raised=text)
        assert response.status_code == 422, text
        assert 'class="form-errors" role="alert"' in response.get_data(as_text=True)
        assert story_id(app, case_id) is None
    # the suggested text has every mobile number and ID number masked, not only the citizen's
    other = consented_replied(app, city, description="隔壁15900001111和身份证34120419800101123X都写在这里。")
    _page, fields = publish_form(as_user(app, "supervisor"), other)
    assert "159****1111" in fields["raised"] and "341204************" in fields["raised"]
    assert "15900001111" not in fields["raised"]


def test_only_supervisors_and_admins_may_publish(app, city):
    case_id = consented_replied(app, city)
    for username in ("handler", "dispatcher", "monitor", "operator", "unit_lead"):
        client = as_user(app, username)
        assert client.get(f"/staff/echo/new?case={case_id}").status_code == 403
        assert client.post(f"/staff/echo/new?case={case_id}", {"title": "x"},
                           csrf_from="/staff/cases").status_code == 403
    assert as_user(app, "admin").get(f"/staff/echo/new?case={case_id}").status_code == 200
    anonymous = PortalClient(app.test_client()).get(f"/staff/echo/new?case={case_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert story_id(app, case_id) is None


# ---------------------------------------------------------------------------------------------- public
def test_public_pages_never_show_the_citizens_name_or_phone(app, city):
    case_id = consented_replied(app, city)
    publish(app, case_id)
    sid = story_id(app, case_id)
    visitor = PortalClient(app.test_client())
    for path in ("/echo", f"/echo/{sid}", "/echo/feed.atom"):
        body = visitor.get(path).get_data(as_text=True)
        assert NAME not in body and PHONE not in body and "1371111" not in body, path
        assert "路灯" in body, path


def test_atom_feed_parses_and_lists_the_story(app, city):
    case_id = consented_replied(app, city)
    publish(app, case_id, title="路灯恢复 <照明> & 通行")
    sid = story_id(app, case_id)
    response = PortalClient(app.test_client()).get("/echo/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text and feed.find(f"{ATOM}updated").text and feed.find(f"{ATOM}title").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.find(f"{ATOM}title").text == "路灯恢复 <照明> & 通行"  # escaped in the XML, intact when parsed
    assert entry.find(f"{ATOM}id").text.endswith(f"/echo/{sid}")
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/echo/{sid}")
    datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    assert "路灯连续一周不亮" in entry.find(f"{ATOM}summary").text


def test_filters_narrow_the_list(app, city):
    road = consented_replied(app, city, title="路面坑洼", category="cxjs-1-1", county="yingzhou")
    noise = consented_replied(app, city, title="夜间施工噪声", category="csgl-3-1", county="linquan")
    publish(app, road)
    publish(app, noise)
    with app.app_context():  # back-date one story to 23:30 on 31 October, Beijing time
        story = db.session.get(EchoStory, story_id(app, road))
        story.published_at = datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc)
        db.session.commit()
        from portal.models import Category, Region
        urban = db.session.scalar(select(Category.id).where(Category.code == "csgl"))
        linquan = db.session.scalar(select(Region.id).where(Region.code == "linquan"))
    visitor = PortalClient(app.test_client())

    def titles(query):
        response = visitor.get(f"/echo?{query}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        return {t for t in ("路面坑洼", "夜间施工噪声") if f">{t}</a>" in body}

    assert titles("") == {"路面坑洼", "夜间施工噪声"}
    assert titles(f"category={urban}") == {"夜间施工噪声"}
    assert titles(f"county={linquan}") == {"夜间施工噪声"}
    assert titles("month=2026-10") == {"路面坑洼"}
    assert titles(f"month=2026-10&county={linquan}") == set()
    fragment = visitor.get(f"/echo?category={urban}", htmx=True).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="echo-results">') and "夜间施工噪声" in fragment
    feed = ElementTree.fromstring(visitor.get(f"/echo/feed.atom?category={urban}").data)
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["夜间施工噪声"]
    assert visitor.get("/echo?category=999999").status_code == 422
    assert visitor.get("/echo?month=2026-13").status_code == 422


def test_story_disappears_when_the_case_becomes_confidential(app, city):
    case_id = consented_replied(app, city)
    publish(app, case_id)
    sid = story_id(app, case_id)
    visitor = PortalClient(app.test_client())
    assert visitor.get(f"/echo/{sid}").status_code == 200
    with app.app_context():
        db.session.get(Case, case_id).confidential = True
        db.session.commit()
    assert visitor.get(f"/echo/{sid}").status_code == 404
    assert "文峰街道路灯不亮" not in visitor.get("/echo").get_data(as_text=True)


def test_most_raised_this_month_counts_the_data(app, city):
    now = datetime.now(timezone.utc)
    for _ in range(3):
        receive(app, at=now, category="csgl-1-1", county="linquan", publish_consent=False)
    receive(app, at=now, category="cxjs-1-1", county="linquan", confidential=True)
    receive(app, at=now, category="cxjs-1-2", county="yingzhou")
    receive(app, at=datetime(2020, 1, 5, tzinfo=timezone.utc), category="jtys-1-1", county="funan")  # long ago
    with app.test_request_context():
        hot = echo.hot_topics()
    assert [(c["name_zh"], c["received"]) for c in hot["categories"]] == [("城市管理", 3), ("城乡建设", 2)]
    assert [(c["name_zh"], c["received"]) for c in hot["counties"]] == [("临泉县", 4), ("颍州区", 1)]
    assert hot["issues"][0]["name_zh"] == "占道经营" and hot["issues"][0]["received"] == 3
    assert hot["total"] == 5
    body = english(app).get("/echo").get_data(as_text=True)
    hot_html = body.split('id="hot-heading"')[1].split("</section>")[0]
    assert re.search(r"Urban management</a>\s*<span class=\"meta\">3 cases", hot_html)
    assert re.search(r"Linquan County</a>\s*<span class=\"meta\">4 cases", hot_html)
    assert "Transport" not in hot_html  # nothing this month


def test_anonymous_visitor_sees_the_echo_wall(client, city):
    response = client.get("/echo")
    assert response.status_code == 200
    assert "/echo/feed.atom" in response.get_data(as_text=True)
    assert client.get("/echo/999").status_code == 404


def test_echo_list_runs_a_fixed_number_of_queries(app, city, count_queries):
    visitor = PortalClient(app.test_client())
    publish(app, consented_replied(app, city, title="第一件"))
    few = count_queries(lambda: visitor.get("/echo"))
    for i in range(4):
        publish(app, consented_replied(app, city, title=f"又一件{i}", county="linquan"))
    many = count_queries(lambda: visitor.get("/echo"))
    assert "又一件3" in visitor.get("/echo").get_data(as_text=True)
    assert few == many, (few, many)


def test_domain_refuses_non_publishers(app, city):
    case_id = consented_replied(app, city)
    with app.app_context():
        case = db.session.get(Case, case_id)
        handler = db.session.get(User, city["users"]["handler"])
        from portal.domain import workflow
        with pytest.raises(workflow.NotAllowed):
            echo.publish(case, handler, title="t", raised="r", handling="h", reply="r")


def test_refusal_of_an_htmx_post_replaces_the_main_area(app, city):
    case_id = consented_replied(app, city)
    publish(app, case_id)
    supervisor = as_user(app, "supervisor")
    response = supervisor.post(f"/staff/echo/new?case={case_id}", {"title": "x", "raised": "x", "handling": "x",
                                                                   "reply": "x"}, csrf_from="/staff/echo/new",
                               htmx=True)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#main"
    assert "<html" not in response.get_data(as_text=True)


def test_the_wall_reads_from_the_stories_not_from_every_public_case(app, city):
    """Stories are a few thousand, public cases millions: the wall's query starts from the stories and checks each
    one's case by its primary key (a join let SQLite scan every public case: 0.9 s for an empty wall at 1 M)."""
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plan; PostgreSQL plans the EXISTS as a semi-join by its statistics")
        sql = str(echo.visible_stories(echo.Filters(county_id=city["county"])).compile(
            db.engine, compile_kwargs={"literal_binds": True}))
        plan = [row[3] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        assert plan[0].startswith("SCAN echo_story"), plan
        assert not any(step.startswith(("SCAN case", "SEARCH case USING INDEX")) for step in plan), plan
