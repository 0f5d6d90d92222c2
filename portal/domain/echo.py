"""回音壁 (echo wall): supervisors publish short stories of handled cases — what was raised, how it was handled, the
reply — for the public, with filters and an Atom feed; plus "most raised this month" from the data.

Only cases the citizen allowed to publish, never confidential ones, and only once a reply was released to the
citizen. The story's text is the supervisor's, pre-filled from the case with the citizen's name, phone and e-mail
taken out; a story that still contains them is refused. The public list re-checks consent at every view, so a case
later marked confidential (or whose consent was withdrawn) disappears from the wall.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain import atom, calendar, lookups, periods, publication, statistics, workflow
from portal.domain.paging import Page, paginate
from portal.domain.privacy import EMAIL_IN_TEXT, ID_NUMBER, MOBILE_IN_TEXT, digits_of, mask_phone
from portal.extensions import db
from portal.models import Case, Category, EchoStory, Region, Role, User
from portal.models.base import utcnow

PUBLISHER_ROLES = (Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 20
FEED_SIZE = 50


class EchoRefused(Exception):
    """The case may not be told on the echo wall (or the story is not acceptable); str() is for the user."""


# ---------------------------------------------------------------------------------------------- publishing
def refusal(case: Case) -> str | None:
    """Why this case cannot become a story, or None when it can."""
    if case.confidential:
        return _("This case is confidential: it is never published.")
    if not case.publish_consent:
        return _("The citizen did not allow this case to be published, so it cannot go on the echo wall.")
    if case.replied_at is None:
        return _("This case has no reply released to the citizen yet. Only handled cases go on the echo wall.")
    if story_of(case) is not None:
        return _("This case is already on the echo wall.")
    return None


def story_of(case: Case) -> EchoStory | None:
    return db.session.scalar(select(EchoStory).where(EchoStory.case_id == case.id))


def _phone_variants(case: Case) -> list[str]:
    phone = (case.citizen_phone or "").strip()
    digits = digits_of(phone)
    return [v for v in {phone, digits} if len(v) >= 5]


# Mobile numbers, ID card numbers and e-mail addresses anyone may have typed into a description or a reply are
# found with privacy's patterns (a landline in a reply is usually the unit's office number: only the citizen's
# own is taken out).
def scrub(text: str | None, case: Case) -> str:
    """The text with the citizen's name replaced and every phone, ID number and e-mail masked: for pre-filling."""
    text = text or ""
    name = (case.citizen_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, _("the citizen"))
    for phone in _phone_variants(case):
        text = text.replace(phone, mask_phone(phone))
    if case.citizen_email:
        text = re.sub(re.escape(case.citizen_email), "***", text, flags=re.IGNORECASE)
    text = ID_NUMBER.sub(lambda m: m.group(0)[:6] + "*" * 12, text)
    text = MOBILE_IN_TEXT.sub(lambda m: mask_phone(digits_of(m.group(0))[-11:]), text)
    return EMAIL_IN_TEXT.sub("***", text)


def personal_data_in(text: str, case: Case) -> str | None:
    """Why a story text may not be published (the citizen's name or contact, any phone, ID number or e-mail),
    or None."""
    name = (case.citizen_name or "").strip()
    digits_only = re.sub(r"[\s\-]", "", text)
    if (len(name) >= 2 and name in text) or any(
            phone in text or phone in digits_only for phone in _phone_variants(case)) or (
            case.citizen_email and case.citizen_email.lower() in text.lower()):
        return _("The story contains the citizen's name, phone number or e-mail address. Remove them before "
                 "publishing.")
    if any(pattern.search(text) for pattern in (MOBILE_IN_TEXT, ID_NUMBER, EMAIL_IN_TEXT)):
        return _("The story contains a phone number, an ID card number or an e-mail address. Remove it before "
                 "publishing.")
    return None


def prefill(case: Case) -> dict:
    """The story's fields as first offered to the supervisor: title, what was raised, how it was handled, reply."""
    received = calendar.local_day(case.received_at)
    replied = calendar.local_day(case.replied_at) if case.replied_at else received
    from portal.domain.labels import CHANNEL_LABELS

    channel = str(CHANNEL_LABELS.get(case.channel, case.channel))
    if case.lead_unit is not None:
        handling = _("Received on %(received)s through the %(channel)s and handled by %(unit)s; the reply was "
                     "released on %(replied)s.", received=received.isoformat(), channel=channel,
                     unit=case.lead_unit.name, replied=replied.isoformat())
    else:
        handling = _("Received on %(received)s through the %(channel)s and answered on %(replied)s.",
                     received=received.isoformat(), channel=channel, replied=replied.isoformat())
    return {"title": scrub(case.title, case)[:120], "raised": scrub(case.description, case),
            "handling": handling, "reply": scrub(case.reply_text, case)}


def publish(case: Case, actor: User, *, title: str, raised: str, handling: str, reply: str,
            at: datetime | None = None) -> EchoStory:
    """Publish a story of `case` on the echo wall and note it on the case's public timeline."""
    if not actor.has_role(*PUBLISHER_ROLES):
        raise workflow.NotAllowed()
    reason = refusal(case)
    if reason:
        raise EchoRefused(reason)
    for text in (title, raised, handling, reply):
        problem = personal_data_in(text or "", case)
        if problem:
            raise EchoRefused(problem)
    at = at or utcnow()
    story = EchoStory(case_id=case.id, title=title.strip(), raised=raised.strip(), handling=handling.strip(),
                      reply=reply.strip(), published_at=at, published_by_id=actor.id)
    db.session.add(story)
    db.session.flush()
    workflow.record_note(case, "echo_published", actor, story.title, public=True, data={"story_id": story.id},
                         at=at)
    return story


def candidates(limit: int = 30) -> list[Case]:
    """Cases a supervisor could tell: consented, not confidential, reply released, no story yet; newest reply first."""
    return list(db.session.scalars(
        select(Case).where(publication.public_clause(), Case.replied_at.is_not(None),
                           ~select(EchoStory.id).where(EchoStory.case_id == Case.id).exists())
        .options(selectinload(Case.category), selectinload(Case.county))
        .order_by(Case.replied_at.desc()).limit(limit)))


def find_case(ref: str) -> Case | None:
    """A case by id or by tracking number (what a supervisor has at hand)."""
    ref = (ref or "").strip()
    if not ref:
        return None
    number = lookups.parse_id(ref)
    if number is not None:
        return db.session.get(Case, number)
    return lookups.case_by_tracking_no(ref)


# ---------------------------------------------------------------------------------------------- public list


@dataclass
class Filters:
    category_id: int | None = None
    county_id: int | None = None
    month: str | None = None  # "2026-10": published that month (Beijing time)
    errors: dict | None = None

    @property
    def args(self) -> dict:
        """The filters as query-string arguments (for links: pager, feed, CSV)."""
        out = {}
        if self.category_id:
            out["category"] = self.category_id
        if self.county_id:
            out["county"] = self.county_id
        if self.month:
            out["month"] = self.month
        return out


def parse_filters(args, categories: list[Category], counties: list[Region]) -> Filters:
    f = Filters(errors={})

    def as_id(name, choices, message):
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        number = lookups.parse_id(raw)
        if number in {c.id for c in choices}:
            return number
        f.errors[name] = message
        return None

    f.category_id = as_id("category", categories, _l("Choose a category from the list."))
    f.county_id = as_id("county", counties, _l("Choose a county or district from the list."))
    month = (args.get("month") or "").strip()
    if month:
        try:
            periods.parse_month(month)
            f.month = month
        except periods.PeriodError:
            f.errors["month"] = _l("Choose a month from the list.")
    f.errors = {k: str(v) for k, v in f.errors.items()}
    return f


def visible_stories(f: Filters | None = None):
    """The stories the public may see, filtered, newest first (a Select).

    Read from the stories, each checked against its case (EXISTS, one primary-key probe per story): stories are a
    few thousand while the public cases are millions, and a join let SQLite start from the cases whenever its
    statistics did not know the story table (1 M cases: 0.9 s for an empty wall)."""
    f = f or Filters()
    case_rules = [Case.id == EchoStory.case_id, publication.public_clause()]
    if f.category_id:
        case_rules.append(Case.category_id.in_(lookups.category_subtree(f.category_id)))
    if f.county_id:
        case_rules.append(Case.county_id == f.county_id)
    query = select(EchoStory).where(select(Case.id).where(*case_rules).exists())
    if f.month:
        start, end = periods.instants(*periods.month_bounds(f.month))
        query = query.where(EchoStory.published_at >= start, EchoStory.published_at < end)
    return query.order_by(EchoStory.published_at.desc(), EchoStory.id.desc())


def _with_case(query):
    return query.options(selectinload(EchoStory.case).selectinload(Case.category).selectinload(Category.parent)
                         .selectinload(Category.parent),
                         selectinload(EchoStory.case).selectinload(Case.county))


def page_of(f: Filters, page: int = 1, size: int = PAGE_SIZE) -> Page:
    return paginate(_with_case(visible_stories(f)), page, size)


def visible_story(story_id: int) -> EchoStory | None:
    return db.session.scalar(_with_case(visible_stories().where(EchoStory.id == story_id)))


def latest(f: Filters | None = None, limit: int = FEED_SIZE) -> list[EchoStory]:
    return list(db.session.scalars(_with_case(visible_stories(f)).limit(limit)))


# ---------------------------------------------------------------------------------------------- Atom
def atom_feed(stories: list[EchoStory], *, feed_id: str, title: str, self_url: str, alternate_url: str,
              story_url, author: str, subtitle: str = "", lang: str = atom.CONTENT_LANG) -> bytes:
    """The echo wall as an Atom feed: each story's summary, category and full text (raised, handling, reply)."""
    entries = [atom.Entry(
        url=story_url(story), title=story.title, published=story.published_at, summary=_summary(story.raised),
        category=(str(story.case.category_id), category_path(story.case)),
        content="\n\n".join([f"{_('What was raised')}\n{story.raised}",
                              f"{_('How it was handled')}\n{story.handling}", f"{_('The reply')}\n{story.reply}"]))
        for story in stories]
    return atom.feed(entries, feed_id=feed_id, title=title, subtitle=subtitle, self_url=self_url,
                     alternate_url=alternate_url, author=author, lang=lang)


def _summary(text: str, length: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def category_path(case: Case) -> str:
    return case.category.path if case.category is not None else ""


def top_category_of(case: Case) -> Category | None:
    node = case.category
    while node is not None and node.parent is not None:
        node = node.parent
    return node


def hot_topics(on: date | None = None) -> dict:
    """Most raised this month (by category, county and specific issue), from the statistics cache."""
    return statistics.hot_topics(on)
