"""Knowledge base: units write, the platform approves, versions, segmented search, answering a call from an
article (the case cites the version), public suggestions and their counters, expired articles flagged."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.domain import knowledge
from portal.extensions import db
from portal.models import (
    Case,
    KnowledgeArticle,
    KnowledgeCitation,
    KnowledgeDailyCount,
    KnowledgeVersion,
    OutboxMessage,
    User,
)
from tests.helpers import as_user, case_form

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def _article(client, question="窨井盖丢失了该找谁", public=True, **extra):
    data = {"question": question, "answer": "窨井盖丢失请拨打12345或联系市城市管理局，24小时内派人补装。",
            "policy_source": "阜阳市城市管理条例 第二十条", "category_id": "", "unit_id": "",
            "valid_until": NEXT_YEAR, **extra}
    if public:
        data["public"] = "y"
    response = client.post("/staff/knowledge/new", data, csrf_from="/staff/knowledge/new")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/staff/knowledge/(\d+)", response.headers["Location"]).group(1))


def _approve_latest(app, client, article_id):
    with app.app_context():
        version_id = db.session.scalar(select(KnowledgeVersion.id).where(KnowledgeVersion.article_id == article_id)
                                       .order_by(KnowledgeVersion.number.desc()))
    response = client.post(f"/staff/knowledge/versions/{version_id}/approve", {"note": ""},
                           csrf_from=f"/staff/knowledge/{article_id}")
    assert response.status_code == 303
    return version_id


def test_unit_writes_platform_approves_and_search_finds_a_two_character_word(app, city):
    handler, dispatcher, operator = as_user(app, "handler"), as_user(app, "dispatcher"), as_user(app, "operator")
    article_id = _article(handler)
    assert "窨井盖丢失" not in operator.get("/staff/knowledge/?q=井盖").get_data(as_text=True)  # a draft is not used
    _approve_latest(app, dispatcher, article_id)
    page = operator.get("/staff/knowledge/search?q=井盖", htmx=True).get_data(as_text=True)
    assert "窨井盖丢失了该找谁" in page and "<html" not in page
    assert "窨井盖丢失了该找谁" not in operator.get("/staff/knowledge/?q=噪音").get_data(as_text=True)


def test_every_edit_is_a_new_version_and_approval_supersedes_the_old(app, city):
    handler, supervisor = as_user(app, "handler"), as_user(app, "supervisor")
    article_id = _article(handler)
    first = _approve_latest(app, supervisor, article_id)
    response = handler.post(f"/staff/knowledge/{article_id}", {
        "question": "窨井盖丢失了该找谁", "answer": "新的答复：请拨打12345，城管部门2小时内到场设置警示并补装。",
        "policy_source": "阜阳市城市管理条例 第二十条（2026年修订）", "category_id": "", "unit_id": "",
        "valid_until": NEXT_YEAR, "public": "y"})
    assert response.status_code == 303
    with app.app_context():
        article = db.session.get(KnowledgeArticle, article_id)
        assert [v.status for v in article.versions] == ["approved", "draft"] and article.current_version_id == first
    second = _approve_latest(app, supervisor, article_id)
    with app.app_context():
        article = db.session.get(KnowledgeArticle, article_id)
        assert [v.status for v in article.versions] == ["superseded", "approved"]
        assert article.current_version_id == second
        assert db.session.get(KnowledgeVersion, first).answer.startswith("窨井盖丢失请拨打")  # never changed


def test_only_the_units_staff_write_and_only_the_platform_approves(app, city):
    handler = as_user(app, "handler")
    article_id = _article(handler)
    other = as_user(app, "handler_yz")
    response = other.post(f"/staff/knowledge/{article_id}", {
        "question": "别的单位改写", "answer": "别的单位不能改写这篇文章的答复内容。", "policy_source": "无",
        "valid_until": NEXT_YEAR}, csrf_from="/staff/knowledge/")
    assert response.status_code == 403
    assert as_user(app, "operator").get("/staff/knowledge/new").status_code == 403
    with app.app_context():
        version_id = db.session.scalar(select(KnowledgeVersion.id))
    response = handler.post(f"/staff/knowledge/versions/{version_id}/approve", {"note": ""},
                            csrf_from="/staff/knowledge/")
    assert response.status_code == 403
    # rejecting needs a reason
    supervisor = as_user(app, "supervisor")
    supervisor.post(f"/staff/knowledge/versions/{version_id}/reject", {"note": ""}, csrf_from="/staff/knowledge/")
    with app.app_context():
        assert db.session.get(KnowledgeVersion, version_id).status == "draft"


def test_a_past_validity_date_is_refused(app, city):
    handler = as_user(app, "handler")
    response = handler.post("/staff/knowledge/new", {
        "question": "过期的问题怎么办", "answer": "这是一条已经过期的答复，不应被保存为新版本。", "policy_source": "无",
        "valid_until": "2020-01-01"}, csrf_from="/staff/knowledge/new")
    assert response.status_code == 422


def test_operator_answers_a_call_from_an_article_and_the_case_cites_the_version(app, city):
    article_id = _article(as_user(app, "handler"))
    version_id = _approve_latest(app, as_user(app, "dispatcher"), article_id)
    operator = as_user(app, "operator")
    data = case_form(city, channel="hotline", title="井盖丢失咨询", citizen_phone="13900001111")
    data.pop("publish_consent")
    response = operator.post("/staff/intake", {**data, "cite": str(version_id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "24小时内派人补装" in page
    assert f'name="knowledge_version_id" type="hidden" value="{version_id}"' in page
    with app.app_context():
        assert db.session.scalar(select(Case.id)) is None  # nothing saved yet
    response = operator.post("/staff/intake", {**data, "answer_now": "y", "knowledge_version_id": str(version_id),
                                               "answer_text": "窨井盖丢失请拨打12345或联系市城市管理局，24小时内派人补装。"})
    assert response.status_code == 303
    with app.app_context():
        case = db.session.scalar(select(Case))
        citation = db.session.scalar(select(KnowledgeCitation))
        assert case.state == "awaiting_evaluation" and citation.case_id == case.id
        assert citation.version_id == version_id
        assert case.events[-1].data["knowledge_version"] == 1
        case_id = case.id
    page = operator.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "窨井盖丢失了该找谁" in page and "阜阳市城市管理条例" in page


def test_citizen_is_shown_public_articles_while_typing_and_the_counters_count(app, city):
    handler, dispatcher = as_user(app, "handler"), as_user(app, "dispatcher")
    public_id = _article(handler)
    internal_id = _article(handler, question="井盖维修内部流程", public=False)
    for article_id in (public_id, internal_id):
        _approve_latest(app, dispatcher, article_id)
    from tests.helpers import PortalClient

    citizen = PortalClient(app.test_client())
    fragment = citizen.get("/questions/suggest?title=小区井盖丢了", htmx=True).get_data(as_text=True)
    assert "窨井盖丢失了该找谁" in fragment and "内部流程" not in fragment
    assert "窨井盖丢失了该找谁" in citizen.get("/questions/?q=井盖").get_data(as_text=True)  # without JS
    assert citizen.get(f"/questions/{internal_id}").status_code == 404
    assert citizen.get(f"/questions/{public_id}?from=submit").status_code == 200
    citizen.get(f"/questions/{public_id}?from=submit")  # a reload is one view
    response = citizen.post(f"/questions/{public_id}/answered", csrf_from=f"/questions/{public_id}")
    assert response.status_code == 303
    # another citizen opens it and submits anyway
    other = PortalClient(app.test_client())
    other.get(f"/questions/{public_id}?from=submit")
    assert other.post("/submit", case_form(city)).status_code == 303
    with app.app_context():
        counts = {row.kind: row.count for row in db.session.scalars(select(KnowledgeDailyCount))}
        assert counts == {"shown": 1, "viewed": 2, "answered": 1, "submitted_anyway": 1}
        totals = knowledge.totals()
        assert totals["left_without_case"] == 1 and totals["answered_without_case"] == 1


def test_expired_articles_are_listed_for_their_unit_and_flagged_once_by_the_sweep(app, city):
    handler = as_user(app, "handler")
    article_id = _article(handler)
    _approve_latest(app, as_user(app, "dispatcher"), article_id)
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "handler")).email = "handler@example.com"
        version = db.session.scalar(select(KnowledgeVersion))
        version.valid_until = date.today() - timedelta(days=1)
        db.session.commit()
    assert "窨井盖丢失了该找谁" in handler.get("/staff/knowledge/").get_data(as_text=True).split("expired-heading")[2].split("own-heading")[0]
    from portal.domain import sweep

    with app.app_context():
        assert sweep.sweep().knowledge_expired == 1
        assert sweep.sweep().knowledge_expired == 0
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "handler@example.com")).all()
        assert len(mails) == 1
    from tests.helpers import PortalClient

    assert "窨井盖" not in PortalClient(app.test_client()).get("/questions/suggest?title=井盖丢了").get_data(as_text=True)


def test_statistics_count_questions_answered_without_a_case(app, city):
    from tests.helpers import PortalClient

    article_id = _article(as_user(app, "handler"))
    _approve_latest(app, as_user(app, "dispatcher"), article_id)
    citizen = PortalClient(app.test_client())
    citizen.get(f"/questions/{article_id}?from=submit")
    citizen.get("/lang/en")
    page = citizen.get("/stats").get_data(as_text=True)
    assert 'id="stats-knowledge"' in page
    section = page.split('id="stats-knowledge"')[1].split("</section>")[0]
    assert "opened 1 of them; 1 left without submitting" in section


def test_posting_the_same_article_twice_creates_it_once(app, city):
    handler = as_user(app, "handler")
    _article(handler)
    data = {"question": "窨井盖丢失了该找谁", "answer": "窨井盖丢失请拨打12345或联系市城市管理局，24小时内派人补装。",
            "policy_source": "阜阳市城市管理条例 第二十条", "valid_until": NEXT_YEAR, "public": "y"}
    assert handler.post("/staff/knowledge/new", data, csrf_from="/staff/knowledge/new").status_code == 422
    article_id = 1
    with app.app_context():
        article_id = db.session.scalar(select(KnowledgeArticle.id))
    for _ in range(2):  # the same new version posted twice is one draft
        handler.post(f"/staff/knowledge/{article_id}", {**data, "answer": data["answer"] + "（更新）"})
    with app.app_context():
        assert db.session.scalar(select(func.count(KnowledgeArticle.id))) == 1
        assert db.session.scalar(select(func.count(KnowledgeVersion.id))) == 2


def test_the_demo_city_has_articles_and_templates(app):
    from portal.models import ReplyTemplate

    app.test_cli_runner().invoke(args=["demo", "--cases", "20"])
    with app.test_request_context():
        assert knowledge.search("井盖", public_only=True)
        assert not knowledge.search("车辆调度", public_only=True)  # an internal article
        assert knowledge.search("车辆调度")
        assert db.session.scalar(select(func.count(ReplyTemplate.id))) == 2


def test_the_public_answered_counter_is_limited_per_address(app, city):
    """Issue 12, anonymous writes are rate limited: a script that drops its cookie before every click cannot pump
    the "answered without a case" counter."""
    from portal.extensions import limiter
    from tests.helpers import PortalClient

    handler, dispatcher = as_user(app, "handler"), as_user(app, "dispatcher")
    article_id = _article(handler)
    _approve_latest(app, dispatcher, article_id)
    app.config["KNOWLEDGE_ANSWERED_RATE_LIMIT"] = "3 per hour"
    limiter.reset()
    try:
        statuses = []
        for _ in range(5):
            fresh = PortalClient(app.test_client())  # a new browser each time: the session's once-only does not help
            statuses.append(fresh.post(f"/questions/{article_id}/answered", csrf_from=f"/questions/{article_id}")
                            .status_code)
        assert statuses == [303, 303, 303, 429, 429]
        with app.app_context():
            assert db.session.scalar(select(func.sum(KnowledgeDailyCount.count)).where(
                KnowledgeDailyCount.article_id == article_id, KnowledgeDailyCount.kind == "answered")) == 3
    finally:
        app.config["KNOWLEDGE_ANSWERED_RATE_LIMIT"] = "30 per hour"
        limiter.reset()
