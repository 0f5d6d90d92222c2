"""Intake (有话请您说): every channel's request becomes a case with a tracking number and query code."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain import (  # noqa: F401  (search: keeps the index current)
    calendar,
    callers,
    daily_counts,  # noqa: F401  (keeps the daily case counts current)
    governance,
    lookups,
    notify,
    publication,
    search,
    workflow,
)
from portal.domain import photos as photo_store
from portal.extensions import db
from portal.models import Case, CasePhoto, Platform, Region, User
from portal.models.base import utcnow


@dataclass
class Submission:
    """What a citizen or operator tells us, already validated by the form layer."""

    category_id: int
    county_id: int
    town_id: int | None
    address: str
    title: str
    description: str
    citizen_name: str
    citizen_phone: str
    citizen_email: str | None = None
    hide_name: bool = False
    confidential: bool = False
    publish_consent: bool = False
    channel: str = "web"
    photos: list[photo_store.CleanPhoto] = field(default_factory=list)


TRACKING_RANDOM_DIGITS = 10


def next_tracking_number(day) -> str:
    """FY + yyyymmdd + 10 random digits: readable date, unguessable rest (numbers issued before, with a daily
    sequence, stay valid). A collision (one in ten billion a day) draws again; the unique index is the last word."""
    prefix = current_app.config["TRACKING_PREFIX"]
    for _attempt in range(5):
        number = f"{prefix}{day:%Y%m%d}{secrets.randbelow(10 ** TRACKING_RANDOM_DIGITS):0{TRACKING_RANDOM_DIGITS}d}"
        if db.session.scalar(select(Case.id).where(Case.tracking_no == number)) is None:
            return number
    raise RuntimeError("could not draw a free tracking number")


def hash_query_code(code: str, salt: str) -> str:
    return salt + "$" + hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def new_query_code() -> tuple[str, str]:
    code = f"{secrets.randbelow(1_000_000):06d}"
    return code, hash_query_code(code, secrets.token_hex(8))


def check_query_code(case: Case | None, code: str) -> bool:
    if case is None:
        hash_query_code(code, "0" * 16)  # same work for unknown numbers: no timing difference
        return False
    salt = case.query_code_hash.split("$", 1)[0]
    return hmac.compare_digest(case.query_code_hash, hash_query_code(code.strip(), salt))


def find_tracked_case(tracking_no: str, code: str) -> Case | None:
    """The case if number and code match; None for a wrong code and an unknown number alike."""
    case = lookups.case_by_tracking_no(tracking_no)
    return case if check_query_code(case, code) else None


def receiving_platform(county_id: int) -> Platform:
    """Cases land on their county's sub-platform; the city main platform consolidates them all."""
    county = db.session.get(Region, county_id)
    platform = db.session.scalar(select(Platform).where(Platform.region_id == county.id,
                                                        Platform.retired_at.is_(None))) if county else None
    return platform or db.session.scalar(select(Platform).where(Platform.kind == "city").order_by(
        Platform.retired_at.is_not(None), Platform.id))


def receive(sub: Submission, entered_by: User | None = None, at=None) -> tuple[Case, str]:
    """Create the case, store its photos, write its first event. Returns (case, plain query code)."""
    at = at or utcnow()
    code, code_hash = new_query_code()
    phone_key = callers.phone_key(sub.citizen_phone)
    case = Case(
        tracking_no=next_tracking_number(calendar.local_day(at)), query_code_hash=code_hash,
        channel=sub.channel, category_id=sub.category_id, county_id=sub.county_id, town_id=sub.town_id,
        address=sub.address, title=sub.title, description=sub.description,
        citizen_name=sub.citizen_name, citizen_phone=sub.citizen_phone, citizen_email=sub.citizen_email or None,
        caller_phone_key=phone_key,
        repeat_of_id=callers.repeat_origin(phone_key, sub.category_id, f"{sub.title} {sub.description}", at),
        hide_name=sub.hide_name, confidential=sub.confidential,
        publish_consent=sub.publish_consent and not sub.confidential,
        platform=receiving_platform(sub.county_id), created_by=entered_by, received_at=at,
    )
    db.session.add(case)
    for photo in sub.photos:
        db.session.add(CasePhoto(case=case, stored_name=photo_store.store(photo), content_type=photo.content_type,
                                 width=photo.width, height=photo.height, size_bytes=len(photo.data)))
    workflow.submit(case, entered_by, at=at)
    governance.link_new_case(case)  # a case matching an open governance task joins it (未诉先办)
    notify.submission_receipt(case, code)  # the only moment the plain code exists
    return case, code


def recent_published(limit: int) -> list[Case]:
    """Cases whose citizen allowed publication (never confidential), newest first, with a public reply."""
    return list(db.session.scalars(
        select(Case).where(publication.public_clause(),
                           Case.state.in_(Case.RELEASED_STATES))
        .options(selectinload(Case.category), selectinload(Case.county))
        .order_by(Case.received_at.desc()).limit(limit)))
