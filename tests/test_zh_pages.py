"""Every page, rendered in Chinese for a visitor and for every staff role, carries no English interface words:
strings built outside the catalogue (f-strings, format calls, Python-side labels, dates with English month names,
templates the extractor could not parse) show up here. The walk starts from every GET route of `app.url_map` with
real ids and follows the links each page offers (tabs, pagers, filters)."""
import re
from collections import deque
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.extensions import db
from tests.helpers import PortalClient
from tests.zh_pages import empty_facts, english_words, repeated_words

ROLES = ("operator", "dispatcher", "handler", "unit_lead", "supervisor", "monitor", "organizer", "admin")
NOT_HTML = re.compile(r"^/(static|open311|lang)/|\.(csv|xlsx|ics|atom|json|xml)$|/photos/|/card$")
PAGES_PER_ROLE = 140


def _load_city(app):
    """The demo city, small: cases in every state, oversight, salons, a published ranking, an echo story."""
    from portal.demo import cases, oversight, reference
    from portal.demo import salons as demo_salons
    from portal.domain import apikeys, echo, notify, periods, rankings, sweep
    from portal.models import Case, User

    with app.test_request_context():
        ref = reference.load_reference()
        samples = cases.generate(ref, count=160, days=70)
        oversight.load(ref)
        demo_salons.load(ref)
        db.session.commit()
        with notify.muted():
            sweep.sweep()
        db.session.commit()
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        month = periods.month_text(periods.add_months(date.today(), -1))
        try:
            rankings.publish(month, supervisor)
        except rankings.RankingError:
            pass
        apikeys.create("12345 热线系统", "hotline", None)
        for case in db.session.scalars(select(Case).where(Case.replied_at.is_not(None)).limit(40)):
            if echo.refusal(case) is None:
                echo.publish(case, supervisor, **echo.prefill(case))
                break
        db.session.commit()
        return samples


def _ids(app) -> dict[str, list]:
    from portal.models import Case, CasePhoto, EchoStory, Participant, Salon, Suggestion

    with app.app_context():
        states = {}
        for case in db.session.scalars(select(Case).order_by(Case.id)):
            states.setdefault(case.state, case.id)
        return {
            "case_id": list(states.values()),
            "story_id": list(db.session.scalars(select(EchoStory.id)))[:2],
            "salon_id": list(db.session.scalars(select(Salon.id).order_by(Salon.id))),
            "suggestion": [(s.salon_id, s.id) for s in db.session.scalars(select(Suggestion).limit(3))],
            "participant": [(p.salon_id, p.id) for p in db.session.scalars(select(Participant).limit(2))],
            "rating_code": [s.rating_code for s in db.session.scalars(select(Suggestion).limit(6))],
            "photo": list(db.session.execute(select(CasePhoto.case_id, CasePhoto.id).limit(1))),
        }


def _seeds(app, ids) -> list[str]:
    from portal.domain import rankings

    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = set(rule.arguments)
        if not args:
            urls.append(rule.rule)
        elif args == {"case_id"}:
            urls += [rule.rule.replace("<int:case_id>", str(i)) for i in ids["case_id"]]
        elif args == {"story_id"}:
            urls += [rule.rule.replace("<int:story_id>", str(i)) for i in ids["story_id"]]
        elif args == {"salon_id"}:
            urls += [rule.rule.replace("<int:salon_id>", str(i)) for i in ids["salon_id"]]
        elif args == {"salon_id", "suggestion_id"}:
            urls += [rule.rule.replace("<int:salon_id>", str(a)).replace("<int:suggestion_id>", str(b))
                     for a, b in ids["suggestion"]]
        elif args == {"code"} and "rate" in rule.rule:
            urls += [rule.rule.replace("<code>", c) for c in ids["rating_code"]]
        elif args == {"month"}:
            with app.app_context():
                months = [m for m, _ in rankings.published_months()]
            urls += [rule.rule.replace("<month>", m) for m in months[:1]]
    return [u for u in urls if not NOT_HTML.search(u)]


def _links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', html):
        href = href.replace("&amp;", "&")
        if href.startswith("/") and not href.startswith("//") and not NOT_HTML.search(urlsplit(href).path):
            found.append(href)
    return found


def _shape(url: str) -> str:
    """Pages of one kind count once: ids and page numbers aside, keep the path and the query's keys and tabs."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+", "/N", parts.path)
    path = re.sub(r"/FY\d+", "/FYN", path)
    query = sorted(re.sub(r"=(\d+|[0-9-]{7,10})(?=&|$)", "=N", q) for q in parts.query.split("&") if q)
    return path + "?" + "&".join(query)


# Words that speak to the citizen about their own case: never on a staff page.
CITIZEN_WORDING = ("Awaiting your rating", "Your name", "Your request", "Enter your name.",
                   "What happened, since when, and what you would like done.", "Hide my name on anything published",
                   "Keep my request confidential (never published)",
                   "The reply may be published (with my name and phone masked)", "How can we reach you?")


def _citizen_wording(app) -> list[str]:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh_Hans"):
        translated = [gettext(text) for text in CITIZEN_WORDING]
    return [t for t in translated if "您" in t or "我" in t]  # the words that speak to the citizen


def _check(html: str, url: str, who: str, citizen_words: list[str]) -> list[str]:
    found = english_words(html) + empty_facts(html) + repeated_words(html)
    if who != "visitor" and urlsplit(url).path.startswith("/staff"):
        found += [f"citizen wording: {w}" for w in citizen_words if w in html]
    return found


def _walk(client: PortalClient, seeds: list[str], who: str,
          citizen_words: tuple = ()) -> tuple[int, dict[str, list[str]]]:
    seen, problems, todo, rendered = set(), {}, deque(seeds), 0
    while todo and rendered < PAGES_PER_ROLE:
        url = todo.popleft()
        shape = _shape(url)
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(url)
        if response.status_code >= 500:
            problems[url] = [f"HTTP {response.status_code}"]
            continue
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        rendered += 1
        html = response.get_data(as_text=True)
        words = _check(html, url, who, list(citizen_words))
        if words:
            problems[f"{who} {url}"] = sorted(set(words))
        todo.extend(_links(html))
    return rendered, problems


def test_every_page_in_chinese_has_no_english_interface_words(app):
    # The pages' own words are checked: the automatic lang="en" marks (portal.web.lang_marks) would hide them.
    app.config["LANG_MARKS"] = False
    try:
        _walk_every_page(app)
    finally:
        app.config["LANG_MARKS"] = True


def _walk_every_page(app):
    samples = _load_city(app)
    ids = _ids(app)
    seeds = _seeds(app, ids)
    problems, total = {}, 0
    visitor = PortalClient(app.test_client())
    number, code = samples[0]
    visitor.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track")
    citizen_words = tuple(_citizen_wording(app))
    rendered, found = _walk(visitor, seeds + [f"/track/{number}"], "visitor")
    problems.update(found)
    total += rendered
    for role in ROLES:
        staff = PortalClient(app.test_client())
        staff.login(role)
        rendered, found = _walk(staff, seeds, role, citizen_words)
        problems.update(found)
        total += rendered
    print(f"zh-Hans walk: {total} pages rendered for {len(ROLES) + 1} viewers (visitor and {len(ROLES)} roles)")
    assert total > 150  # the walk really rendered the pages
    problems.update(_downloads(app, ids))
    problems.update(_messages(app))
    assert problems == {}


def _messages(app) -> dict[str, list[str]]:
    """The SMS and e-mails the portal sends are Chinese too: a receipt, one message per kind of case step, every
    roster message of the salons and what the sweep sends units (queued here, then rolled back)."""
    from portal.domain import notify, salon_messages, sweep
    from portal.models import Case, CaseEvent, OutboxMessage, Participant

    problems = {}
    with app.test_request_context():
        case = db.session.scalar(select(Case).order_by(Case.id))
        case.citizen_email = "zhang.san@example.com"
        notify.submission_receipt(case, "123456")
        for action in db.session.scalars(select(CaseEvent.action).distinct()):
            event = db.session.scalar(select(CaseEvent).where(CaseEvent.action == action).limit(1))
            notify.citizen_step(event.case, event)
        for state in db.session.scalars(select(Participant.state).distinct()):
            salon_messages.roster_message(db.session.scalar(select(Participant).where(Participant.state == state)
                                                            .limit(1)))
        sweep.sweep()
        db.session.flush()
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert len(messages) > 10
        for message in messages:
            words = english_words(f"<p>{message.subject}</p><p>{message.body}</p>")
            if words:
                problems[f"outbox {message.channel} {message.subject or message.body[:30]}"] = sorted(set(words))
        db.session.rollback()
    return problems


def _downloads(app, ids) -> dict[str, list[str]]:
    """What a Chinese user downloads (ledger CSV and XLSX, statistics CSV, ranking XLSX, Atom feeds) is built in
    Python, outside the templates: its headings and labels come from the catalogue too."""
    import io
    import zipfile

    from portal.domain import rankings

    with app.app_context():
        months = [m for m, _ in rankings.published_months()][:1]
    supervisor = PortalClient(app.test_client())
    supervisor.login("supervisor")
    urls = ["/staff/ledger/export.csv", "/staff/ledger/export.xlsx", "/echo/feed.atom", "/topics/feed.atom",
            "/stats/categories.csv", "/stats/channels.csv"] + [f"/rankings/{m}.xlsx" for m in months]
    problems = {}
    for url in urls:
        response = supervisor.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            book = zipfile.ZipFile(io.BytesIO(response.get_data()))
            text = " ".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")
                            or n == "xl/sharedStrings.xml")
        else:
            text = response.get_data(as_text=True)
        words = english_words("<p>" + re.sub(r"<[^>]+>", " ", text) + "</p>")
        if words:
            problems[f"download {url}"] = sorted(set(words))
    return problems
