"""Every public surface (portal/domain/public_surfaces.py) is fetched with cases whose citizen's name, phone,
ID number and e-mail address are written into title, description and reply: none of them appears unmasked.
Every public route is either such a surface or listed here as showing no case data. (The contact-view log is
tested in tests/test_contacts.py; retention in tests/test_retention.py.)"""
import io
import zipfile

import pytest
from authz_policy import POLICY
from security_world import build_world
from sqlalchemy import select

from portal.domain.public_surfaces import PUBLIC_SURFACES
from portal.extensions import db

NAME, PHONE, ID_NUMBER, EMAIL = "欧阳娜娜", "13912345678", "340102199001011234", "nana.leak@example.com"
SECRETS = (NAME, PHONE, ID_NUMBER, EMAIL, "娜娜")
# public routes that show no case data (forms, the citizen's own tracking pages, static files, ...)
NO_CASE_DATA = {"public.set_language", "public.submit", "public.submit_options", "public.receipt",
                "public.validate_field", "public.track", "public.forget_tracked", "public.tracked_case",
                "public.evaluate", "public.tracked_photo", "static", "auth.login", "salons.register",
                "salons.registered", "salons.rate", "salons.rate_post", "open311.discovery", "open311.services",
                "open311.service_definition", "open311.openapi", "open311.unknown", "healthz",
                "public_knowledge.answered"}  # a counter: it redirects to the article (a listed surface)


def test_every_public_route_is_a_listed_surface_or_shows_no_case_data(app):
    public = {endpoint for endpoint, policy in POLICY.items()
              if (policy.get("GET", policy) if "GET" in policy else policy).get("anonymous") in ("ok", "404")
              or (isinstance(policy.get("POST"), dict) and policy["POST"].get("anonymous") == "ok")}
    unlisted = sorted(public - set(PUBLIC_SURFACES) - NO_CASE_DATA)
    assert not unlisted, f"public routes neither in PUBLIC_SURFACES nor in NO_CASE_DATA: {unlisted}"
    assert set(PUBLIC_SURFACES) <= {rule.endpoint for rule in app.url_map.iter_rules()}


@pytest.fixture
def leaky_world(app):
    """The demo world, every case carrying the citizen's personal data in its own text."""
    from portal.models import Case, KnowledgeVersion

    world = build_world(app)
    with app.app_context():
        for case in db.session.scalars(select(Case)):
            case.citizen_name, case.citizen_phone, case.citizen_email, case.hide_name = NAME, PHONE, EMAIL, False
            case.title = f"{NAME}反映：电话{PHONE}"
            case.description = f"我是{NAME}，电话{PHONE}，身份证{ID_NUMBER}，邮箱{EMAIL}。路灯不亮。"
            if case.reply_text or case.state in ("awaiting_evaluation", "closed"):
                case.reply_text = f"已联系{NAME}（{PHONE}，{EMAIL}），路灯已修复。"
        db.session.commit()
        from portal.domain import workflow
        from portal.domain.publication import public_clause
        from portal.models import User

        # the publication rule shows a case only once the platform has reviewed it: the dispatcher accepts the
        # citizen's web request, the one open case whose citizen consented to publication
        dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
        workflow.accept(db.session.get(Case, world["citizen_case"]), dispatcher)
        db.session.commit()

        # an open case the publication rule lets citizens see (consented, not confidential, reviewed)
        open_one = db.session.scalar(select(Case).where(public_clause(), Case.state.in_(Case.OPEN_STATES))
                                     .order_by(Case.id))
        world["similar"] = {"category_id": open_one.category_id, "county_id": open_one.county_id,
                            "title": "路灯不亮", "description": f"我是{NAME}，路灯不亮。"}
        # a draft answer nobody has approved yet, written with a citizen's data in it: never public
        draft = db.session.get(KnowledgeVersion, world["version_id"])
        draft.answer = f"{NAME}（{PHONE}，{EMAIL}）反映的路灯问题：草稿答复。"
        db.session.commit()
        world["published_no"] = db.session.scalar(
            select(Case.tracking_no).where(Case.publish_consent.is_(True), Case.state == "closed").order_by(Case.id))
    return world


def surface_urls(world) -> dict[str, list[str]]:
    no = world["published_no"]
    return {
        "public.home": ["/"], "echo.index": ["/echo"], "echo.story": [f"/echo/{world['story_id']}"],
        "stats.index": ["/stats"], "rankings.public_index": ["/rankings"],
        "rankings.public_month": [f"/rankings/{world['month']}"], "salons.index": ["/salons"],
        "salons.detail": [f"/salons/{world['salon_id']}"], "salons.outcomes": [f"/salons/{world['salon_id']}/outcomes"],
        "salons.live": [f"/salons/{world['salon_id']}/live"], "public.similar_cases": ["POST /submit/similar"],
        "open311.service_requests": ["/open311/v2/requests.json", "/open311/v2/requests.xml",
                                     f"/open311/v2/requests.json?service_request_id={no}"],
        "open311.service_request": [f"/open311/v2/requests/{no}.json", f"/open311/v2/requests/{no}.xml"],
        "open311.service_request_updates": ["/open311/v2/servicerequestupdates.json"],
        "open311.token": ["/open311/v2/tokens/nothing.json"],
        "echo.feed": ["/echo/feed.atom"], "stats.chart_csv": ["/stats/summary.csv"],
        "rankings.export_xlsx": [f"/rankings/{world['month']}.xlsx"], "salons.ics": [f"/salons/{world['salon_id']}.ics"],
        "public_knowledge.index": ["/questions/", "/questions/?q=路灯", "/questions/?q=窨井盖"],
        "public_knowledge.suggest": ["/questions/suggest?title=窨井盖丢失", "/questions/suggest?title=草稿答复"],
        "public_knowledge.article": [f"/questions/{world['article_id']}"],
        "topics.index": ["/topics"], "topics.topic": [f"/topics/{world['topic_id']}"],
        "topics.feed": ["/topics/feed.atom"],
    }


def readable(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # a spreadsheet: read every XML part
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def secrets_in(response, where: str) -> list[str]:
    """"where: secret" for each of the world's personal data the response shows."""
    text = readable(response)
    return [f"{where}: {secret}" for secret in SECRETS if secret in text]


def test_no_public_surface_shows_personal_data(app, client, leaky_world):
    urls = surface_urls(leaky_world)
    assert set(urls) == set(PUBLIC_SURFACES), "every listed surface is fetched"
    similar = leaky_world["similar"]
    leaks, fetched = [], 0
    for endpoint, paths in urls.items():
        for path in paths:
            if path.startswith("POST "):
                response = client.post(path[5:], similar, csrf_from="/submit")
                assert "<li>" in response.get_data(as_text=True), "the similar-cases panel lists a case"
            else:
                response = client.get(path)
            assert response.status_code < 500, path
            fetched += response.status_code == 200
            leaks += secrets_in(response, f"{endpoint} {path}")
    assert fetched >= 20
    assert not leaks, "\n".join(leaks)


def test_no_page_a_monitor_opens_shows_personal_data(app, client, leaky_world):
    """The monitors' rule (portal.domain.scope) on every route a monitor may open, from the route map: the
    citizen's name, phone, ID number and e-mail address never appear, whatever the page (case page, lists,
    search, review pages)."""
    from authz_policy import expected
    from test_authz_matrix import build_url, route_params

    client.login("monitor")  # the demo monitor, whose term is current in the world
    urls = [build_url(rule, route_params(leaky_world, rule.endpoint)) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "auth.logout"
            and expected(rule.endpoint, "GET", "monitor") == "ok" and expected(rule.endpoint, "GET", "anonymous") != "ok"]
    urls += ["/staff/search?q=路灯", "/staff/ledger?q=路灯", "/staff/cases?state=closed"]
    leaks, opened = [], 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        opened += response.status_code == 200
        leaks += secrets_in(response, url)
    assert opened >= 8
    assert not leaks, "\n".join(leaks)
