"""Finding requests: the window and filters, lookups by tracking number, the response fields, the updates
feed and the discovery document. Only published cases (consent, not confidential) are ever listed."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain import calendar, keyset, lookups, publication
from portal.domain.labels import ACTION_LABELS, DECLINE_REASONS, STATE_LABELS
from portal.domain.open311 import (
    ANSWERED_STATES,
    CHANGESET,
    FORMATS,
    MAX_PAGE_DEPTH,
    MAX_RESULTS,
    MAX_WINDOW,
    SENSITIVE_DECLINES,
    SPEC_URL,
    Open311Error,
    status_of,
    w3c,
)
from portal.domain.open311.filing import split_address, split_description
from portal.domain.publication import public_text
from portal.domain.workflow import SHARED_NOTE_ACTIONS
from portal.extensions import db
from portal.models import Case, CaseEvent, Category
from portal.models.base import utcnow

# ---- finding requests -------------------------------------------------------------------------------------

@dataclass
class Window:
    start: datetime
    end: datetime
    page: int
    page_size: int
    after: str | None = None  # keyset cursor: the page after this row (requests only)


@dataclass
class RequestsPage:
    cases: list
    after: str | None  # cursor of the next page (the `after` parameter of its URL), None on the last page


def parse_datetime(value: str, name: str) -> datetime:
    text = value.strip()
    if re.search(r"T\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}:\d{2}$", text):
        text = text[:-6] + "+" + text[-5:]  # an unencoded "+" arrived as a space
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C datetime, e.g. 2026-11-01T00:00:00+08:00.") from None
    if not 1970 <= moment.year <= 2200:  # window arithmetic on year 1 or 9999 would overflow
        raise Open311Error(400, f"{name} must lie between the years 1970 and 2200.")
    return moment.replace(tzinfo=calendar.SHANGHAI) if moment.tzinfo is None else moment


def _positive_int(args, name: str, default: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 1 <= int(raw) <= high:  # ASCII only: '²'.isdigit() is True
        raise Open311Error(400, f"{name} must be a whole number from 1 to {high}.")
    return int(raw)


def parse_window(args, now: datetime | None = None) -> Window:
    now = now or utcnow()
    start = parse_datetime(args["start_date"], "start_date") if (args.get("start_date") or "").strip() else None
    end = parse_datetime(args["end_date"], "end_date") if (args.get("end_date") or "").strip() else None
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date is before start_date.")
        if end - start > MAX_WINDOW:
            raise Open311Error(400, "The window from start_date to end_date is at most 90 days.")
    elif start:
        end = start + MAX_WINDOW
    elif end:
        start = end - MAX_WINDOW
    else:
        start, end = now - MAX_WINDOW, now
    page = _positive_int(args, "page", 1, 10**6)
    page_size = _positive_int(args, "page_size", MAX_RESULTS, MAX_RESULTS)
    after = (args.get("after") or "").strip() or None
    if after is not None and keyset.decode(after) is None:
        raise Open311Error(400, "after is not a cursor this server gave (the Link rel=\"next\" header).")
    return Window(start, end, page, page_size, after)


def _comma_list(args, name: str) -> list[str]:
    return [v.strip() for v in (args.get(name) or "").split(",") if v.strip()]


def _published(query):
    return publication.only_public(query)  # the one publication rule (consent, not confidential, reviewed)


def find_requests(args, now: datetime | None = None) -> list[Case]:
    """The published cases a GET requests call asks for (validated filters, at most one page)."""
    return find_requests_page(args, now).cases


def find_requests_page(args, now: datetime | None = None) -> RequestsPage:
    """One page of published cases, newest first, and the cursor of the next page.

    Deep pages follow the cursor (`after`, keyset on (received_at, id): every page costs what the first costs). The
    spec's `page` extension still works up to MAX_PAGE_DEPTH rows deep (a bounded OFFSET); deeper, a 400 names the
    cursor. A `page` answer carries the next page's cursor too, so a client can switch at any point."""
    ids = _comma_list(args, "service_request_id")
    query = _published(select(Case)).options(selectinload(Case.category), selectinload(Case.lead_unit),
                                             selectinload(Case.platform))
    order = (Case.received_at.desc(), Case.id.desc())
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"At most {MAX_RESULTS} service_request_id values at once.")
        return RequestsPage(list(db.session.scalars(
            query.where(Case.tracking_no.in_([i.upper() for i in ids])).order_by(*order))), None)
    window = parse_window(args, now)
    query = query.where(Case.received_at >= window.start, Case.received_at <= window.end)
    codes = _comma_list(args, "service_code")
    if codes:
        found = dict(db.session.execute(select(Category.code, Category.id).where(Category.code.in_(codes))).all())
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise Open311Error(400, f"Unknown service_code: {', '.join(unknown)}.")
        query = query.where(Case.category_id.in_(found.values()))
    statuses = set(_comma_list(args, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma-separated).")
    if statuses == {"open"}:
        query = query.where(Case.state.in_(Case.OPEN_STATES))
    elif statuses == {"closed"}:
        query = query.where(Case.state.in_(ANSWERED_STATES))
    if window.after is not None:
        at, _case_id = keyset.decode(window.after)
        page = keyset.page(query.where(Case.received_at <= at), window.page_size, after=window.after, count=False)
        return RequestsPage(page.cases, page.older)
    offset = (window.page - 1) * window.page_size
    if offset >= MAX_PAGE_DEPTH:
        raise Open311Error(400, f"page reaches more than {MAX_PAGE_DEPTH} results deep: follow the "
                                "Link rel=\"next\" header (the after parameter) to page further.")
    rows = list(db.session.scalars(query.order_by(*order).limit(window.page_size + 1).offset(offset)))
    more = len(rows) > window.page_size
    rows = rows[:window.page_size]
    return RequestsPage(rows, keyset.encode(rows[-1].received_at, rows[-1].id) if more else None)


def find_request(tracking_no: str) -> Case:
    case = lookups.case_by_tracking_no(tracking_no, within=_published(select(Case)))
    if case is None:
        raise Open311Error(404, f"service_request_id {tracking_no} not found.")
    return case


def _declines(cases: list[Case]) -> dict[int, CaseEvent]:
    ids = [c.id for c in cases if c.state == "declined"]
    if not ids:
        return {}
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids), CaseEvent.action == "decline")
                                .order_by(CaseEvent.id))
    return {e.case_id: e for e in events}


def _decline_note(event: CaseEvent | None) -> str | None:
    if event is None:
        return None
    reason = (event.data or {}).get("reason")
    if reason in SENSITIVE_DECLINES:
        return str(DECLINE_REASONS[reason])
    return event.note or str(DECLINE_REASONS.get(reason, ACTION_LABELS["decline"]))


def status_notes(case: Case, decline: CaseEvent | None = None) -> str | None:
    if case.state == "declined":
        return _decline_note(decline)
    if case.state == "merged":
        return str(STATE_LABELS["merged"])
    if case.replied_at is not None and case.reply_text:
        return case.reply_text
    return None


def request_fields(case: Case, decline: CaseEvent | None = None) -> dict:
    address, address_id, lat, long = split_address(case.address)
    description, media_url = split_description(case.description)
    withheld = decline is not None and (decline.data or {}).get("reason") in SENSITIVE_DECLINES
    agency = case.lead_unit or case.platform
    return {
        "service_request_id": case.tracking_no,
        "status": status_of(case.state),
        "status_notes": public_text(status_notes(case, decline), case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": "" if withheld else public_text(description, case),
        "agency_responsible": agency.name if agency else None,
        "service_notice": str(STATE_LABELS.get(case.state, case.state)),
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.due_at),
        "address": public_text(address, case),
        "address_id": address_id,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": media_url,
    }


def requests_fields(cases: list[Case]) -> list[dict]:
    declines = _declines(cases)
    return [request_fields(c, declines.get(c.id)) for c in cases]


def token_request(token: str) -> dict:
    """No tokens are issued (every POST answers with the id at once); a token equal to an id is that id."""
    try:
        case = find_request(token)
    except Open311Error:
        raise Open311Error(404, f"token {token} not found: this server answers POST requests with the "
                                "service_request_id at once.") from None
    return {"service_request_id": case.tracking_no, "token": token}


# ---- updates feed ----------------------------------------------------------------------------------------

def find_updates(args, now: datetime | None = None) -> list[dict]:
    window = parse_window(args, now)
    if (window.page - 1) * window.page_size >= MAX_PAGE_DEPTH:
        raise Open311Error(400, f"page reaches more than {MAX_PAGE_DEPTH} updates deep: move start_date forward "
                                "to the last update read (the feed is oldest first).")
    rows = db.session.execute(
        _published(select(CaseEvent, Case).join(Case, CaseEvent.case_id == Case.id))
        .where(CaseEvent.public.is_(True), CaseEvent.action != "submit",
               CaseEvent.at >= window.start, CaseEvent.at <= window.end)
        .order_by(CaseEvent.at, CaseEvent.id).limit(window.page_size)
        .offset((window.page - 1) * window.page_size)).all()
    updates = []
    for event, case in rows:
        if event.action == "decline":
            text = _decline_note(event)
        elif event.action in SHARED_NOTE_ACTIONS and event.note:  # never the citizen's own rating comment
            text = event.note
        else:
            text = str(ACTION_LABELS.get(event.action, event.action))
        updates.append({
            "update_id": str(event.id), "service_request_id": case.tracking_no,
            "status": status_of(event.to_state or case.state), "updated_datetime": w3c(event.at),
            "description": public_text(text, case), "media_url": None,
        })
    return updates


def discovery(base_url: str, contact: str, key_service: str) -> dict:
    return {
        "changeset": w3c(CHANGESET), "contact": contact, "key_service": key_service,
        "endpoints": [{"specification": SPEC_URL, "url": base_url, "changeset": w3c(CHANGESET),
                       "type": "production", "formats": list(FORMATS.values())}],
    }
