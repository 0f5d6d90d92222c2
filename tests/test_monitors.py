"""Appointed monitors (监督员): read-only access, reviews of handling quality, perfunctory-handling flags."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.domain import monitoring, supervision, workflow
from portal.extensions import db
from portal.models import Case, CaseEvent, QualityReview, SupervisionOrder, User
from portal.models.base import utcnow
from tests.helpers import (
    PortalClient,
    advance,
    appoint,
    as_user,
    dispatched,
    label,
    post_review,
    section,
)

PHONE, NAME = "13912345678", "李四"  # make_case's citizen


def make_monitor(app, city, username, kind, **kw):
    """Another monitor account (password demo12345)."""
    with app.app_context():
        user = User(username=username, display_name=f"监督员 {username}", role="monitor")
        user.set_password("demo12345")
        db.session.add(user)
        db.session.commit()
        city["users"][username] = user.id
    appoint(app, city, username, kind, **kw)


# ---------------------------------------------------------------------------------------------- profile and term
def test_monitor_page_shows_kind_and_term(app, city):
    appoint(app, city, kind="cppcc", start=date(2023, 1, 1), end=date.today() + timedelta(days=30))
    page = as_user(app, "monitor").get("/staff/monitor").get_data(as_text=True)
    assert label(app, monitoring.KIND_LABELS, "cppcc") in page
    assert "2023-01-01" in page and (date.today() + timedelta(days=30)).isoformat() in page
    assert "阜阳市人大常委会" in page


def test_a_monitor_whose_term_ended_cannot_sign_in_or_review(app, city, make_case):
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    appoint(app, city, start=date(2020, 1, 1), end=date.today() - timedelta(days=1))
    client = PortalClient(app.test_client())
    r = client.post("/login", {"username": "monitor", "password": "demo12345"}, csrf_from="/login")
    assert r.status_code == 422  # the password is right, but the term is over
    assert str(date.today() - timedelta(days=1)) in r.get_data(as_text=True)  # the message names the term
    assert client.get(f"/staff/cases/{case_id}").status_code == 302  # not signed in: to the login page
    with app.app_context():
        monitor = db.session.get(User, city["users"]["monitor"])
        assert not monitoring.may_sign_in(monitor)
        with pytest.raises(monitoring.ReviewError):
            monitoring.review(db.session.get(Case, case_id), monitor,
                              {"timeliness": 3, "attitude": 3, "solution": 3, "reply_quality": 3})
    # a term that has not begun is refused the same way
    appoint(app, city, start=date.today() + timedelta(days=10), end=date.today() + timedelta(days=400))
    r = client.post("/login", {"username": "monitor", "password": "demo12345"}, csrf_from="/login")
    assert r.status_code == 422


def test_monitor_without_appointment_reads_but_cannot_review(app, city, make_case):
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    client = as_user(app, "monitor")  # no MonitorProfile
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'name="review-timeliness"' not in page
    assert post_review(client, case_id).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(QualityReview)) is None


# ---------------------------------------------------------------------------------------------- read-only
def test_monitor_sees_cases_read_only_and_masked(app, city, make_case):
    appoint(app, city)
    case_id, number, _ = make_case()
    dispatched(app, city, case_id)
    monitor = as_user(app, "monitor")
    page = monitor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert number in page
    assert "-version" not in page and "/step/" not in page  # no step forms
    assert "139****5678" in page and "李**" in page
    assert PHONE not in page and NAME not in page
    assert "/contact" not in page  # no "show contact" button
    r = monitor.post(f"/staff/cases/{case_id}/step/sign_for", {"sign_for-version": "3"},
                     csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 403
    r = monitor.post(f"/staff/cases/{case_id}/step/accept", {"accept-version": "1"}, csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 403
    r = monitor.post(f"/staff/cases/{case_id}/contact", {}, csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 403 and PHONE not in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, case_id).state == "assigned"
    for path in ("/staff/cases", "/staff/ledger", "/staff/monitor"):
        body = monitor.get(path).get_data(as_text=True)
        assert PHONE not in body and NAME not in body, path


def test_monitor_pages_never_show_the_citizen(app, city, make_case):
    appoint(app, city)
    ids = [make_case(title=f"已办结{i}")[0] for i in range(3)]
    for case_id in ids:
        advance(app, city, case_id, "closed")
    monitor = as_user(app, "monitor")
    assert post_review(monitor, ids[0], **{"review-perfunctory": "y", "review-comment": "答复敷衍，问题未解决。"}
                       ).status_code == 303
    for path in ["/staff/monitor", f"/staff/cases/{ids[0]}", f"/staff/cases/{ids[1]}"]:
        body = monitor.get(path).get_data(as_text=True)
        assert PHONE not in body and NAME not in body, path


# ---------------------------------------------------------------------------------------------- reviews
def test_review_validation(app, city, make_case):
    appoint(app, city)
    case_id, _, _ = make_case()
    advance(app, city, case_id, "awaiting_evaluation")
    monitor = as_user(app, "monitor")
    page = monitor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'name="review-timeliness"' in page and 'min="1"' in page and 'max="5"' in page
    for bad in ({"review-timeliness": "0"}, {"review-attitude": "6"}, {"review-solution": ""},
                {"review-reply_quality": "abc"}):
        r = post_review(monitor, case_id, **bad)
        assert r.status_code == 422, bad
        assert 'aria-invalid="true"' in r.get_data(as_text=True)
    r = post_review(monitor, case_id, **{"review-perfunctory": "y", "review-comment": ""})
    assert r.status_code == 422  # a perfunctory flag needs a comment
    assert 'id="review-comment-error"' in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QualityReview)) is None
    assert post_review(monitor, case_id).status_code == 303
    page = monitor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'name="review-timeliness"' not in page and "答复及时，措施具体。" in section(page, "review-heading")
    assert post_review(monitor, case_id).status_code == 303  # the same review posted again counts once...
    assert post_review(monitor, case_id, **{"review-comment": "再评一次。"}).status_code == 409  # ...another is refused
    with app.app_context():
        item = db.session.scalar(select(QualityReview))
        assert (item.timeliness, item.attitude, item.solution, item.reply_quality) == (4, 5, 4, 3)
        assert not item.perfunctory and item.flag_state is None
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.action == "quality_review"))
        assert event.actor_id == city["users"]["monitor"] and not event.public
        assert db.session.get(Case, case_id).state == "awaiting_evaluation"
    with app.app_context(), pytest.raises(monitoring.ReviewError):
        monitoring.review(db.session.get(Case, case_id), db.session.get(User, city["users"]["monitor"]),
                          {"timeliness": 9, "attitude": 3, "solution": 3, "reply_quality": 3})


def test_review_refused_on_a_case_not_yet_replied(app, city, make_case):
    appoint(app, city)
    case_id, _, _ = make_case()
    advance(app, city, case_id, "handling")
    monitor = as_user(app, "monitor")
    page = monitor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert 'name="review-timeliness"' not in page
    r = post_review(monitor, case_id)
    assert r.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(QualityReview)) is None


def test_other_roles_cannot_review_or_open_the_monitor_page(app, city, make_case):
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    for username in ("supervisor", "handler", "admin"):
        client = as_user(app, username)
        assert client.get("/staff/monitor").status_code == 403
        assert post_review(client, case_id).status_code == 403


# ---------------------------------------------------------------------------------------------- flags
def test_perfunctory_flag_is_upheld_with_an_order_and_the_monitor_sees_it(app, city, make_case):
    appoint(app, city)
    case_id, number, _ = make_case()
    advance(app, city, case_id, "closed")
    monitor = as_user(app, "monitor")
    r = post_review(monitor, case_id, **{"review-perfunctory": "y", "review-timeliness": "2",
                                         "review-comment": "答复照搬模板，未说明具体整改措施。"})
    assert r.status_code == 303
    supervisor = as_user(app, "supervisor")
    queue = supervisor.get("/staff/supervision/flags").get_data(as_text=True)
    assert number in queue and "答复照搬模板，未说明具体整改措施。" in queue
    assert label(app, monitoring.KIND_LABELS, "deputy") in queue
    with app.app_context():
        review_id = db.session.scalar(select(QualityReview.id))
    prefix = f"flag-{review_id}"
    r = supervisor.post(f"/staff/supervision/flags/{review_id}", {
        "decision": "uphold", f"{prefix}-note": "短", f"{prefix}-issue_order": "y", f"{prefix}-days": "3",
        f"{prefix}-level": "normal"}, csrf_from="/staff/supervision/flags")
    assert r.status_code == 422  # an order needs a requirement
    r = supervisor.post(f"/staff/supervision/flags/{review_id}", {
        "decision": "uphold", f"{prefix}-note": "情况属实，请城管局重新核实并补充答复。", f"{prefix}-issue_order": "y",
        f"{prefix}-days": "3", f"{prefix}-level": "listed"}, csrf_from="/staff/supervision/flags")
    assert r.status_code == 303
    with app.app_context():
        item = db.session.get(QualityReview, review_id)
        assert item.flag_state == "upheld" and item.flag_handled_by_id == city["users"]["supervisor"]
        order = db.session.scalar(select(SupervisionOrder))
        assert order.case_id == case_id and order.unit_id == city["units"]["cgj"] and order.level == "listed"
        actions = [e.action for e in db.session.get(Case, case_id).events]
        assert actions[-3:] == ["quality_review", "supervise", "flag_upheld"]
        due_order = order.id
    assert number not in supervisor.get("/staff/supervision/flags").get_data(as_text=True)
    assert number in supervisor.get("/staff/supervision/flags?state=upheld").get_data(as_text=True)
    page = monitor.get("/staff/monitor").get_data(as_text=True)
    row = page[page.index(f'id="review-{review_id}"'):]
    row = row[:row.index("</li>")]
    assert label(app, monitoring.FLAG_LABELS, "upheld") in row and "情况属实，请城管局重新核实并补充答复。" in row
    assert "市城市管理局" in row
    # the unit answers the order; the monitor sees the answer
    handler = as_user(app, "handler")
    assert handler.post(f"/staff/supervision/orders/{due_order}/answer",
                        {f"answer-{due_order}-answer": "已重新核实并补充答复市民。"},
                        csrf_from="/staff/supervision/orders").status_code == 303
    assert "已重新核实并补充答复市民。" in monitor.get("/staff/monitor").get_data(as_text=True)
    # deciding twice is refused
    r = supervisor.post(f"/staff/supervision/flags/{review_id}", {"decision": "dismiss", f"{prefix}-note": "撤销。"},
                        csrf_from="/staff/supervision/flags")
    assert r.status_code == 409


def test_perfunctory_flag_dismissed_with_a_note(app, city, make_case):
    appoint(app, city)
    case_id, number, _ = make_case()
    advance(app, city, case_id, "replied")
    monitor = as_user(app, "monitor")
    assert post_review(monitor, case_id, **{"review-perfunctory": "y", "review-comment": "答复过于简单。"}
                       ).status_code == 303
    with app.app_context():
        review_id = db.session.scalar(select(QualityReview.id))
    supervisor = as_user(app, "supervisor")
    prefix = f"flag-{review_id}"
    r = supervisor.post(f"/staff/supervision/flags/{review_id}", {"decision": "dismiss", f"{prefix}-note": ""},
                        csrf_from="/staff/supervision/flags")
    assert r.status_code == 422  # dismissing needs a note
    r = supervisor.post(f"/staff/supervision/flags/{review_id}", {f"{prefix}-note": "无决定"},
                        csrf_from="/staff/supervision/flags")
    assert r.status_code == 422  # neither uphold nor dismiss
    r = supervisor.post(f"/staff/supervision/flags/{review_id}",
                        {"decision": "dismiss", f"{prefix}-note": "答复已说明政策依据，不属敷衍。"},
                        csrf_from="/staff/supervision/flags")
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(QualityReview, review_id).flag_state == "dismissed"
        assert db.session.scalar(select(SupervisionOrder)) is None
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.action == "flag_dismissed"))
        assert event.note == "答复已说明政策依据，不属敷衍。" and not event.public
    page = monitor.get("/staff/monitor").get_data(as_text=True)
    assert label(app, monitoring.FLAG_LABELS, "dismissed") in page and "答复已说明政策依据，不属敷衍。" in page
    # the case page shows the supervisors every review, with the flag's fate
    case_page = supervisor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    reviews = section(case_page, "review-heading")
    assert "答复过于简单。" in reviews and label(app, monitoring.FLAG_LABELS, "dismissed") in reviews
    assert label(app, workflow.ACTION_LABELS, "flag_dismissed") in section(case_page, "log-heading")


def test_flag_queue_is_for_supervisors_only(app, city, make_case):
    appoint(app, city)
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    monitor = as_user(app, "monitor")
    post_review(monitor, case_id, **{"review-perfunctory": "y", "review-comment": "处理敷衍。"})
    with app.app_context():
        review_id = db.session.scalar(select(QualityReview.id))
    for username in ("monitor", "handler", "dispatcher"):
        client = as_user(app, username)
        assert client.get("/staff/supervision/flags").status_code == 403
        r = client.post(f"/staff/supervision/flags/{review_id}",
                        {"decision": "dismiss", f"flag-{review_id}-note": "越权。"}, csrf_from="/staff/cases")
        assert r.status_code == 403
    with app.app_context():
        assert db.session.get(QualityReview, review_id).flag_state == "open"


# ---------------------------------------------------------------------------------------------- the sample
def test_sample_offers_recently_closed_cases_not_yet_reviewed(app, city, make_case):
    appoint(app, city)
    make_monitor(app, city, "media1", "media")
    fresh = [make_case(title=f"近期办结{i}") for i in range(3)]
    old = make_case(title="早已办结")
    open_case = make_case(title="仍在办理")
    for case_id, _, _ in fresh + [old]:
        advance(app, city, case_id, "closed")
    advance(app, city, open_case[0], "handling")
    with app.app_context():
        db.session.get(Case, old[0]).closed_at = utcnow() - timedelta(days=45)
        db.session.commit()
    monitor = as_user(app, "monitor")
    assert post_review(monitor, fresh[0][0]).status_code == 303
    for _ in range(6):  # a fresh random sample on every visit
        page = monitor.get("/staff/monitor").get_data(as_text=True)
        sample = page[page.index('id="sample"'):page.index('id="own-heading"')]
        numbers = {n for _, n, _ in fresh + [old, open_case] if n in sample}
        assert numbers == {fresh[1][1], fresh[2][1]}
    # another monitor's sample still holds the case the first one reviewed
    other = as_user(app, "media1").get("/staff/monitor").get_data(as_text=True)
    other_sample = other[other.index('id="sample"'):other.index('id="own-heading"')]
    assert fresh[0][1] in other_sample and old[1] not in other_sample
    # htmx "draw another sample" gets the block alone
    fragment = monitor.get("/staff/monitor", htmx=True).get_data(as_text=True)
    assert fragment.strip().startswith('<div id="sample"') and "<html" not in fragment
    with app.app_context():
        sample = monitoring.sample(db.session.get(User, city["users"]["monitor"]), size=1)
        assert len(sample) == 1 and sample[0].id in {fresh[1][0], fresh[2][0]}


def test_uphold_without_order_and_domain_rules(app, city, make_case):
    appoint(app, city)
    case_id, _, _ = make_case()
    advance(app, city, case_id, "closed")
    with app.app_context():
        monitor = db.session.get(User, city["users"]["monitor"])
        item = monitoring.review(db.session.get(Case, case_id), monitor,
                                 {"timeliness": 1, "attitude": 2, "solution": 1, "reply_quality": 1},
                                 "未到现场核实。", perfunctory=True)
        db.session.commit()
        assert item.flag_state == "open" and monitoring.average(item) == 1.25
        with pytest.raises(workflow.NotAllowed):
            monitoring.dismiss(item, monitor, "监督员不能自己处理。")
        supervisor = db.session.get(User, city["users"]["supervisor"])
        assert monitoring.uphold(item, supervisor, "") is None
        db.session.commit()
        assert item.flag_state == "upheld"
        with pytest.raises(monitoring.ReviewError):
            monitoring.uphold(item, supervisor, "再次维持。")
        with pytest.raises(supervision.SupervisionError):
            supervision.issue(supervisor, "没有单位的督办。", 3)


# ---------------------------------------------------------------------------------------------- demo
def test_demo_oversight_loads_monitors_orders_and_reviews(app):
    from sqlalchemy import func

    from portal.demo import cases, oversight, reference
    from portal.models import MonitorProfile

    with app.app_context():
        ref = reference.load_reference()
        cases.generate(ref, count=400, days=40)
        oversight.load(ref)
        db.session.commit()
        today = monitoring.today()
        current = db.session.scalars(select(MonitorProfile)).all()
        in_term = [p for p in current if monitoring.in_term(p, today)]
        assert len(in_term) == 97
        kinds = {k: sum(1 for p in in_term if p.kind == k) for k in MonitorProfile.KINDS}
        assert kinds["deputy"] + kinds["cppcc"] == 47 and kinds["media"] + kinds["citizen_rep"] == 50
        assert db.session.scalar(select(func.count(SupervisionOrder.id))) >= 2
        assert db.session.scalar(select(func.count(QualityReview.id).filter(QualityReview.flag_state == "open"))) >= 1
    for username in ("monitor", "monitor_media"):
        assert as_user(app, username).get("/staff/monitor").status_code == 200
    former = PortalClient(app.test_client())
    r = former.post("/login", {"username": "monitor_former", "password": "demo12345"}, csrf_from="/login")
    assert r.status_code == 422
    roster = PortalClient(app.test_client())
    r = roster.post("/login", {"username": "monitor_media_01", "password": "demo12345"}, csrf_from="/login")
    assert r.status_code == 422
    supervisor = as_user(app, "supervisor")
    assert supervisor.get("/staff/supervision").status_code == 200
    assert supervisor.get("/staff/supervision/flags").status_code == 200


def test_flag_on_a_case_now_in_the_dissatisfied_zone_links_to_re_handling(app, city, make_case):
    appoint(app, city)
    case_id, number, _ = make_case()
    advance(app, city, case_id, "awaiting_evaluation")
    post_review(as_user(app, "monitor"), case_id, **{"review-perfunctory": "y", "review-comment": "答复空泛。"})
    with app.app_context():
        workflow.evaluate(db.session.get(Case, case_id), "not_resolved", "dissatisfied", "问题没有解决。")
        db.session.commit()
    supervisor = as_user(app, "supervisor")
    queue = supervisor.get("/staff/supervision/flags").get_data(as_text=True)
    assert f'href="/staff/cases/{case_id}#actions-heading"' in queue
    page = supervisor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "rehandle-version" in page  # the re-handle step is right there on the case page


def test_monitor_search_results_are_masked_and_never_found_by_personal_data(app, city, make_case):
    """Issue 12, the monitors' rule in every list: search titles and extracts are masked like the case page, the
    address of a case that is not public is withheld, and a query that is itself personal data (a phone, an ID
    number) finds nothing for a monitor; staff who handle cases read and find it as it is."""
    appoint(app, city)
    id_number = "340102199001011234"
    case_id, number, _ = make_case(title=f"{NAME}反映路灯不亮", publish_consent=False, address="幸福里7号",
                                   description=f"我是{NAME}，电话{PHONE}，身份证{id_number}。幸福里路灯不亮。")
    dispatched(app, city, case_id)
    monitor = as_user(app, "monitor")
    body = monitor.get("/staff/search?q=路灯").get_data(as_text=True)
    assert number in body
    assert PHONE not in body and id_number not in body and NAME not in body
    assert "幸福里7号" not in body  # not public: no address
    for query in (PHONE, id_number):
        assert number not in monitor.get(f"/staff/search?q={query}").get_data(as_text=True), query
    dispatcher = as_user(app, "dispatcher")
    assert id_number in dispatcher.get("/staff/search?q=路灯").get_data(as_text=True)
    assert number in dispatcher.get(f"/staff/search?q={id_number}").get_data(as_text=True)
