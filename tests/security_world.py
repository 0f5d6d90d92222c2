"""A small but complete world for the security tests: the demo organisation, 60 demo cases, monitors,
supervision orders, salons, plus one of each object the demo does not make (a photo, an API key, an echo story,
a published ranking with an interview). `build_world(app)` returns the ids the route map's parameters take."""
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from tests.helpers import make_image

DEMO_PASSWORD = "demo12345"


def build_world(app) -> dict:
    from portal.demo import cases as demo_cases
    from portal.demo import oversight, reference
    from portal.demo import salons as demo_salons
    from portal.domain import apikeys, intake, notify, photos, rankings
    from portal.models import (
        Case,
        CasePhoto,
        Interview,
        MonitorProfile,
        Participant,
        Platform,
        Salon,
        Suggestion,
        SupervisionOrder,
        User,
    )
    from portal.models.oversight import QualityReview

    with app.app_context(), notify.muted():
        ref = reference.load_reference()
        demo_cases.generate(ref, count=60)
        oversight.load(ref)
        demo_salons.load(ref)
        db.session.flush()
        users = {u.username: u for u in db.session.scalars(select(User))}
        unit_a, unit_b = ref["units"]["cgj"], ref["units"]["gov-yingzhou"]
        sub_platform = db.session.scalar(select(Platform).where(Platform.code == "county-yingzhou"))
        # case A: led by unit A (城管局), received on a platform other than the sub-platform of dispatcher_sub,
        # published and not confidential (what every role that reads cases may see), and reviewed on the platform
        # (the publication rule: only then do Open311 and the other public surfaces show it)
        case_a = db.session.scalar(select(Case).where(Case.lead_unit_id == unit_a.id,
                                                      Case.platform_id != sub_platform.id,
                                                      Case.confidential.is_(False),
                                                      Case.publish_consent.is_(True),
                                                      Case.state != "submitted").order_by(Case.id))
        # case B: led by unit B, on the sub-platform
        case_b = db.session.scalar(select(Case).where(Case.lead_unit_id == unit_b.id).order_by(Case.id))
        clean = photos.clean_photo(make_image(), "a.jpg")
        photo_a = CasePhoto(case=case_a, stored_name=photos.store(clean), content_type=clean.content_type,
                            width=clean.width, height=clean.height, size_bytes=len(clean.data))
        db.session.add(photo_a)
        # the citizen's own case, received on the web with a photo: the tracking pages
        leaf = ref["leaves"][0][0]
        county = ref["counties"][1]
        citizen_case, code = intake.receive(intake.Submission(
            category_id=leaf.id, county_id=county.id, town_id=None, address="人民路1号", title="路灯不亮",
            description="人民路1号路灯连续三晚不亮。", citizen_name="王五", citizen_phone="13700000000",
            publish_consent=True, photos=[photos.clean_photo(make_image(), "b.jpg")]))
        key = apikeys.create("matrix", "web", users["admin"])
        # the former monitor's term has ended; the matrix signs them in while it was current (see authz test)
        former = users["monitor_former"]
        former_profile = db.session.get(MonitorProfile, former.id)
        month = rankings.last_month()
        published = rankings.publish(month, by=users["admin"])
        db.session.flush()
        interview = db.session.scalar(select(Interview).order_by(Interview.id))
        if interview is None:  # 60 cases rarely put a unit in the bottom zone twice: list one by hand
            interview = Interview(unit_id=unit_b.id, month=month)
            db.session.add(interview)
        salon = db.session.scalar(select(Salon).order_by(Salon.id))
        participant = db.session.scalar(select(Participant).where(Participant.salon_id == salon.id))
        suggestion = db.session.scalar(select(Suggestion).where(Suggestion.salon_id == salon.id,
                                                                Suggestion.rating_code.is_not(None)))
        if suggestion is None:
            suggestion = db.session.scalar(select(Suggestion).where(Suggestion.salon_id == salon.id))
        order = db.session.scalar(select(SupervisionOrder).where(SupervisionOrder.unit_id == unit_a.id))
        if order is None:
            order = SupervisionOrder(case_id=case_a.id, unit_id=unit_a.id, requirement="请按期办结。",
                                     issued_by=users["supervisor"], due_at=case_a.received_at + timedelta(days=5))
            db.session.add(order)
            db.session.flush()
        review = db.session.scalar(select(QualityReview).order_by(QualityReview.id))
        story = _echo_story(users["admin"])
        knowledge_ids = _knowledge_world(ref, users, unit_a)
        governance_ids = _governance_world(ref, users, unit_a, case_a)
        db.session.commit()
        world = {
            "case_a": case_a.id, "case_b": case_b.id, "case_a_no": case_a.tracking_no, "case_b_no": case_b.tracking_no,
            "case_a_platform": case_a.platform_id, "sub_platform": sub_platform.id,
            "photo_a": photo_a.id, "citizen_case": citizen_case.id, "citizen_tracking_no": citizen_case.tracking_no,
            "citizen_code": code, "citizen_photo": citizen_case.photos[0].id,
            "key_id": key.key.id, "api_key": key.secret, "month": month, "published": bool(published),
            "interview_id": interview.id if interview else 0,
            "salon_id": salon.id, "participant_id": participant.id if participant else 0,
            "suggestion_id": suggestion.id if suggestion else 0,
            "rating_code": suggestion.rating_code if suggestion and suggestion.rating_code else "nocode",
            "order_id": order.id if order else 0, "review_id": review.id if review else 0,
            "story_id": story.id if story else 0,
            "former_monitor": former.username, "former_term": (former_profile.term_start, former_profile.term_end),
            "unit_a": unit_a.id, "service_code": leaf.code, "unit_b": unit_b.id,
            **knowledge_ids, **governance_ids,
        }
        return world


def _knowledge_world(ref, users, unit_a) -> dict:
    """The knowledge base and reply templates of the demo, a draft waiting for approval, an outbox message, and
    the ids the staff workbench and administration routes take (the account and organisation item they act on
    belong to unit B, so that acting on them leaves the roles the matrix signs in untouched)."""
    from portal.demo import knowledge as demo_knowledge
    from portal.domain import knowledge
    from portal.models import KnowledgeArticle, OutboxMessage, ReplyTemplate

    demo_knowledge.load(ref)
    article = db.session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.unit_id == unit_a.id)
                                .order_by(KnowledgeArticle.id))
    draft = knowledge.write(users["handler"], article, knowledge.ArticleData(
        question=article.versions[-1].question, answer="新的答复草稿，等待平台审核。", policy_source="",
        valid_until=article.versions[-1].valid_until, public=True))
    template = db.session.scalar(select(ReplyTemplate).where(ReplyTemplate.unit_id == unit_a.id)
                                 .order_by(ReplyTemplate.id))
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
    if message is None:
        message = OutboxMessage(channel="sms", recipient="13700000000", body="测试消息")
        db.session.add(message)
    db.session.flush()
    return {"article_id": article.id, "version_id": draft.id, "template_id": template.id,
            "message_id": message.id, "user_id": users["handler_yz"].id, "kind": "units",
            "item_id": ref["units"]["gov-yingzhou"].id}


def _governance_world(ref, users, unit_a, case_a) -> dict:
    """A hotspot warning that goes to unit A (case A among its cases) and a published monthly topic with a task."""
    from portal.domain import periods, topics
    from portal.models import HotspotWarning

    warning = HotspotWarning(
        category_id=case_a.category_id, county_id=case_a.county_id, town_id=case_a.town_id or case_a.county_id,
        unit_id=unit_a.id, status="open", open_key=f"{case_a.category_id}:{case_a.town_id}",
        window_start=case_a.received_day, window_end=case_a.received_day, baseline_weeks=8, recent_count=6,
        baseline_count=1, expected=0.9, ratio_threshold=3.0, min_count=5, top_words=[["路灯", 3]],
        case_ids=[case_a.id])
    db.session.add(warning)
    topic = topics.create(
        users["supervisor"], month=periods.add_months(periods.today(), -1), title="路灯集中治理",
        summary="路灯不亮的诉求较多。", category_id=case_a.category_id, county_id=case_a.county_id,
        lead_unit_id=unit_a.id, co_unit_ids=[], problems=["路灯不亮", "维修不及时"],
        tasks=[topics.TaskPlan("排查全部路灯", unit_a.id, 10)])
    topics.publish(topic)
    db.session.flush()
    return {"warning_id": warning.id, "topic_id": topic.id, "task_id": topic.tasks[0].id}


def _echo_story(actor):
    """An echo story on the first closed, published case the rules accept (None if the demo has none)."""
    from portal.domain import echo

    for case in echo.candidates(30):
        prefill = echo.prefill(case)
        try:
            return echo.publish(case, actor, title=prefill.get("title") or "回音", raised="群众反映路面问题。",
                                handling="已安排维修。", reply="已修复。")
        except Exception:  # noqa: BLE001  (a candidate the rules refuse: try the next one)
            db.session.rollback()
            continue
    return None


def sign_in_as_former(app, client, username: str, term: tuple[date, date]) -> str:
    """Sign in a monitor while their term is (temporarily) current, then end the term: the next request is the
    one a former monitor makes with a session that outlived the term."""
    from portal.models import MonitorProfile, User

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        profile = db.session.get(MonitorProfile, user_id)
        profile.term_start, profile.term_end = date.today() - timedelta(days=10), date.today() + timedelta(days=10)
        db.session.commit()
    client.login(username)
    token = client.csrf("/login")
    with app.app_context():
        profile = db.session.get(MonitorProfile, user_id)
        profile.term_start, profile.term_end = term
        db.session.commit()
    return token
