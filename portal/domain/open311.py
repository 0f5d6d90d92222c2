"""Open311 GeoReport v2: the portal's cases and categories as GeoReport services and service requests.

The blueprint (`portal/blueprints/open311.py`) only parses the URL and renders JSON or XML; every rule is here.

Decisions (the GeoReport v2 text leaves them to the server):

- **Services** are the leaf categories (their `code` is the service_code); `group` is the top-level category.
  Every service has metadata (`metadata: true`): the definition lists the attributes below. `type` is
  `realtime`: a POST answers with the service_request_id at once (no tokens are ever issued; `tokens/{token}`
  answers for a token equal to a published tracking number, and 404 otherwise).
- **service_request_id is the case's tracking number** (FY + yyyymmdd + sequence).
- **Attributes** of every service:
  `county` (singlevaluelist, required: the Region code of the county or district; the case needs one),
  `town` (singlevaluelist, optional: a town or street in that county),
  `publish` (singlevaluelist yes/no, **required**: the citizen's consent to publish the request and its reply),
  `confidential` (singlevaluelist yes/no, optional, default no: never published, whatever `publish` says).
  Consent is never presumed: a channel system asks the citizen, as the web form does (its box starts
  unticked). A request filed with `publish=no` or `confidential=yes` is handled like any other, but it never
  appears in any list or lookup of this API (nor in the updates feed): the channel system learns only its
  service_request_id, and the citizen follows it on the portal with the query code (below).
- **What is public**: a case is listed only when the citizen consented and it is not confidential
  (`Case.is_published`). Cases declined as a state/commercial secret, another person's privacy or abusive
  content are listed (closed) without their description, with the decline reason as status_notes.
- **Privacy in every response**: names, phones and emails of citizens never appear. Descriptions, addresses and
  status notes pass through `mask_text`: mainland mobiles (also written with spaces, dashes or +86) become
  138****5678, landlines and 18-digit ID numbers are masked, emails keep their first letter, and the case's
  citizen name (and given name) is masked wherever it was typed into the text. Best effort for free text: a
  name the citizen typed without it matching the name given is not recognised.
- **Filing (POST)**: the key's channel becomes the case's channel; the case enters the normal intake
  (`intake.receive`: tracking number, query code, deadline-free `submitted` state, first event). The submit
  event also records the key's prefix (`data.api_key`) so staff can see which system filed it.
  - title: the first 30 characters of the description (whitespace collapsed, phones masked);
  - description: required, 10–4,000 characters, plain text (HTML tags and comments are refused);
  - citizen name: `last_name` + `first_name` (Chinese order, no space, when either is Chinese; otherwise
    "first last"); when both are absent the name is "匿名" and the name is hidden on anything published;
  - phone: required (intake needs a way to reach the citizen): a mainland mobile or a landline with area code,
    the same rule as the web form; absent or malformed → 400;
  - location: `lat` + `long` (both, WGS84), `address_string` or `address_id` (at least one). The case has no
    coordinate columns yet, so they are kept in the address text as `[GPS lat,long]` (and an address_id as
    `[address_id X]`) and parsed back out into `lat`, `long`, `address_id` on the way out;
  - `media_url`: accepted (http/https) but **never fetched** (the portal does not reach the network); it is
    kept as the last line of the description, `[media_url] URL`, and returned as `media_url`;
  - email: optional; `device_id`, `account_id`, `jurisdiction_id` and unknown attributes are ignored.
  - The answer carries `service_notice` with the query code: the citizen needs tracking number + query code to
    follow the case and to rate the reply on the portal, so the channel system passes both on. The code is
    never stored in clear and never appears in any later response.
- **Status**: `open` = any state in `Case.OPEN_STATES` (submitted, accepted, assigned, handling, replied-but-not-
  yet-released, re-handling after dissatisfaction); `closed` = the portal has given its answer: the reply was
  released (awaiting the citizen's rating, closed, archived), or the case was declined or merged into an earlier
  case. A dissatisfied rating re-opens the request. `service_notice` carries the portal's finer state
  (受理 / 交办 / 办理中 …) in the portal's language.
- **status_notes**: the latest released reply (`reply_text` once `replied_at` is set), the decline note for a
  declined case, "merged" for a merged one; masked as above.
- `agency_responsible`: the lead unit's name; before assignment the receiving platform's name.
  `expected_datetime`: the handling deadline (`due_at`), null before assignment.
- **Datetimes** out: W3C with the Beijing offset (`2026-11-25T09:30:00+08:00`). In (`start_date`, `end_date`):
  W3C with `Z` or an offset; a value without one is Beijing time; a date alone is Beijing midnight; a `+`
  turned into a space by a client that did not encode it is accepted.
- **Lists** (`requests`, `servicerequestupdates`): `start_date`/`end_date` filter on requested_datetime (on the
  update's time for updates), both inclusive. Without them the window is the last 90 days; with only one of
  them, the 90 days after the start or before the end; a window longer than 90 days → 400. At most 1,000
  results, newest first (updates: oldest first, so a feed reader can follow along); the common `page` /
  `page_size` extension pages through them (page_size 1–1000, default 1000). `service_request_id` (a comma list
  of at most 1,000) overrides every other filter. `status` and `service_code` take comma lists; an unknown
  value is a 400, not a silent empty list.
- **Updates feed** (`servicerequestupdates`, the mySociety extension): every public event of a published case
  after its receipt (accepted, assigned, reply released, declined…) is one update: update_id = event id,
  status = open/closed after that event, description = the event's public note (the reply text for a release)
  or the step's name.
- **Errors** are lists of `{code, description}` where code is the HTTP status, as in the spec's examples. The
  descriptions are for developers and in English, like the spec's; they are not translated.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain import apikeys, intake, lookups
from portal.domain.labels import ACTION_LABELS, DECLINE_REASONS, STATE_LABELS
from portal.domain.phones import is_valid_phone, normalise_phone
from portal.domain.privacy import ANONYMOUS, mask_text
from portal.extensions import db
from portal.models import ApiKey, Case, CaseEvent, Category, Region
from portal.models.base import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)  # when this API last changed shape
FORMATS = {"json": "application/json", "xml": "text/xml"}
MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4000
TITLE_CHARS = 30
ADDRESS_MAX, ADDRESS_ID_MAX, MEDIA_URL_MAX, NAME_MAX, EMAIL_MAX = 120, 40, 300, 50, 120
ANSWERED_STATES = tuple(s for s in Case.STATES if s not in Case.OPEN_STATES)
SENSITIVE_DECLINES = frozenset({"secret", "privacy", "abusive"})
YES, NO = "yes", "no"


class Open311Error(Exception):
    """An answer the spec describes as a list of errors: every description shares the HTTP status."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.errors = [{"code": status, "description": d} for d in descriptions]


def w3c(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds") if value else None


def status_of(state: str) -> str:
    return "open" if state in Case.OPEN_STATES else "closed"


# ---- privacy ---------------------------------------------------------------------------------------------

# ---- services --------------------------------------------------------------------------------------------

def _category_tree() -> tuple[list[Category], dict[int, Category]]:
    cats = list(db.session.scalars(select(Category)))
    by_id = {c.id: c for c in cats}
    return cats, by_id


def _chain(cat: Category, by_id: dict[int, Category]) -> list[Category]:
    chain = [cat]
    while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
        chain.append(by_id[chain[-1].parent_id])
    return list(reversed(chain))


def leaf_categories() -> list[Category]:
    """Every category with no children, in the tree's order (a service each)."""
    cats, by_id = _category_tree()
    parents = {c.parent_id for c in cats if c.parent_id is not None}
    leaves = [c for c in cats if c.id not in parents]
    return sorted(leaves, key=lambda c: [(n.sort, n.id) for n in _chain(c, by_id)])


def leaf_by_code(code: str) -> Category | None:
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None:
        return None
    has_children = db.session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1))
    return None if has_children else category


def service_fields(category: Category, by_id: dict[int, Category] | None = None) -> dict:
    if by_id is None:
        by_id = {}
        node = category
        while node is not None:
            by_id[node.id] = node
            node = node.parent
    chain = _chain(category, by_id)
    keywords = []
    for node in reversed(chain):
        for word in (node.name_zh, node.name_en):
            if word and word not in keywords:
                keywords.append(word)
    return {
        "service_code": category.code, "service_name": category.name,
        "description": " › ".join(n.name for n in chain), "metadata": True, "type": "realtime",
        "keywords": ", ".join(keywords), "group": chain[0].name,
    }


def services() -> list[dict]:
    _cats, by_id = _category_tree()
    return [service_fields(c, by_id) for c in leaf_categories()]


def _yes_no() -> list[dict]:
    return [{"key": YES, "name": _("Yes")}, {"key": NO, "name": _("No")}]


def _attribute(code: str, order: int, required: bool, description: str, values: list[dict]) -> dict:
    return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": required,
            "datatype_description": None, "order": order, "description": description, "values": values}


def service_definition(service_code: str) -> dict:
    category = leaf_by_code(service_code)
    if category is None:
        raise Open311Error(404, f"service_code {service_code} not found: see services.json for the list.")
    counties = lookups.regions_under(None)
    towns = []
    for county in counties:
        towns += [{"key": t.code, "name": f"{county.name} {t.name}"} for t in lookups.regions_under(county.id)]
    return {"service_code": category.code, "attributes": [
        _attribute("county", 1, True, _("County or district where it happens"),
                   [{"key": c.code, "name": c.name} for c in counties]),
        _attribute("town", 2, False, _("Town or street (optional; it must lie in the county chosen)"), towns),
        _attribute("publish", 3, True, _("May the request and its reply be published? Name and phone are never "
                                         "shown."), _yes_no()),
        _attribute("confidential", 4, False, _("Keep the request confidential (never published). Default: no."),
                   _yes_no()),
    ]}


# ---- filing a request -------------------------------------------------------------------------------------

GPS_MARK = re.compile(r"\s*\[GPS (-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)\]")
ADDRESS_ID_MARK = re.compile(r"\s*\[address_id ([^\]\s]+)\]")
MEDIA_MARK = re.compile(r"\n\n\[media_url\] (\S+)\s*\Z")
HTML = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>|<!--")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
CJK = re.compile(r"[\u3400-\u9fff]")


def split_address(stored: str) -> tuple[str | None, str | None, float | None, float | None]:
    """(address, address_id, lat, long) from the address text written by `file_request`."""
    lat = long = address_id = None
    gps = GPS_MARK.search(stored or "")
    if gps:
        lat, long = float(gps.group(1)), float(gps.group(2))
    aid = ADDRESS_ID_MARK.search(stored or "")
    if aid:
        address_id = aid.group(1)
    address = ADDRESS_ID_MARK.sub("", GPS_MARK.sub("", stored or "")).strip()
    return address or None, address_id, lat, long


def split_description(stored: str) -> tuple[str, str | None]:
    match = MEDIA_MARK.search(stored or "")
    if not match:
        return stored, None
    return stored[:match.start()], match.group(1)


def _float(value: str | None, name: str, low: float, high: float, errors: list[str]) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(f"{name} must be a number (WGS84 degrees).")
        return None
    if not low <= number <= high:
        errors.append(f"{name} must lie between {low:g} and {high:g}.")
        return None
    return number


def _choice(form, code: str, errors: list[str], required: bool) -> str | None:
    value = (form.get(f"attribute[{code}]") or "").strip()
    if not value:
        if required:
            errors.append(f"attribute[{code}] is required: see the service definition for its values.")
        return None
    return value


def _yes_no_value(form, code: str, errors: list[str], required: bool) -> bool | None:
    value = _choice(form, code, errors, required)
    if value is None:
        return None
    if value.lower() not in (YES, NO):
        errors.append(f"attribute[{code}] must be yes or no.")
        return None
    return value.lower() == YES


def citizen_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if not first and not last:
        return ANONYMOUS
    if CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def derive_title(description: str) -> str:
    return mask_text(" ".join(description.split()))[:TITLE_CHARS]


def parse_new_request(form, channel: str) -> intake.Submission:
    """Validate a GeoReport POST into an intake Submission; every problem is reported at once (400)."""
    errors: list[str] = []
    get = lambda name: (form.get(name) or "").strip()  # noqa: E731

    service_code = get("service_code")
    category = None
    if not service_code:
        errors.append("service_code is required.")
    else:
        category = leaf_by_code(service_code)
        if category is None:
            errors.append(f"service_code {service_code} is not a service here: see services.json.")

    # location: lat + long, address_string or address_id
    lat_raw, long_raw = get("lat"), get("long")
    address_string, address_id = get("address_string"), get("address_id")
    lat = long = None
    if lat_raw or long_raw:
        if not (lat_raw and long_raw):
            errors.append("lat and long go together: send both, or neither.")
        else:
            lat = _float(lat_raw, "lat", -90, 90, errors)
            long = _float(long_raw, "long", -180, 180, errors)
    elif not address_string and not address_id:
        errors.append("A location is required: lat and long, address_string or address_id.")
    if len(address_string) > ADDRESS_MAX:
        errors.append(f"address_string is at most {ADDRESS_MAX} characters.")
    if "[" in address_string or "]" in address_string or CONTROL.search(address_string):
        errors.append("address_string must be plain text without square brackets.")
    if address_id and (len(address_id) > ADDRESS_ID_MAX or not re.fullmatch(r"[^\s\[\]]+", address_id)):
        errors.append(f"address_id is at most {ADDRESS_ID_MAX} characters without spaces or brackets.")

    # attributes
    county = town = None
    county_code = _choice(form, "county", errors, required=True)
    if county_code:
        county = db.session.scalar(select(Region).where(Region.code == county_code, Region.parent_id.is_(None)))
        if county is None:
            errors.append(f"attribute[county] {county_code} is not a county here: see the service definition.")
    town_code = _choice(form, "town", errors, required=False)
    if town_code:
        town = db.session.scalar(select(Region).where(Region.code == town_code, Region.parent_id.is_not(None)))
        if town is None or (county is not None and town.parent_id != county.id):
            errors.append(f"attribute[town] {town_code} is not a town or street in the county given.")
    publish = _yes_no_value(form, "publish", errors, required=True)
    confidential = _yes_no_value(form, "confidential", errors, required=False) or False

    description = (form.get("description") or "").strip()
    if not description:
        errors.append("description is required.")
    elif not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        errors.append(f"description must be {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters.")
    elif HTML.search(description) or CONTROL.search(description.replace("\t", " ")):
        errors.append("description must be plain text: no HTML or code.")

    name = citizen_name(get("first_name"), get("last_name"))
    if len(name) > NAME_MAX:
        errors.append(f"first_name and last_name together are at most {NAME_MAX} characters.")
    phone = normalise_phone(form.get("phone"))
    if not phone:
        errors.append("phone is required: the handling unit must be able to reach the citizen.")
    elif not is_valid_phone(phone):
        errors.append("phone must be a mainland mobile (11 digits, e.g. 13812345678) or a landline with area "
                      "code (e.g. 0558-1234567).")
    email = get("email")
    if email and (len(email) > EMAIL_MAX or not EMAIL.match(email)):
        errors.append("email is not a valid address.")
    media_url = get("media_url")
    if media_url and (len(media_url) > MEDIA_URL_MAX or not URL.match(media_url)):
        errors.append(f"media_url must be an http or https URL of at most {MEDIA_URL_MAX} characters.")

    if errors:
        raise Open311Error(400, *errors)

    address = address_string
    if address_id:
        address += f" [address_id {address_id}]"
    if lat is not None and long is not None:
        address += f" [GPS {lat:.6f},{long:.6f}]"
    stored_description = description + (f"\n\n[media_url] {media_url}" if media_url else "")
    return intake.Submission(
        category_id=category.id, county_id=county.id, town_id=town.id if town else None,
        address=address.strip(), title=derive_title(description), description=stored_description,
        citizen_name=name, citizen_phone=phone, citizen_email=email or None, hide_name=name == ANONYMOUS,
        confidential=confidential, publish_consent=bool(publish) and not confidential, channel=channel)


def authenticate(plain: str | None) -> ApiKey:
    if not (plain or "").strip():
        raise Open311Error(403, "api_key is required to create a request.")
    key = apikeys.check(plain, touch=True)
    if key is None:
        raise Open311Error(403, "Invalid api_key received: it is unknown or revoked.")
    return key


def file_request(form, key: ApiKey) -> tuple[Case, str, str]:
    """File a request for a key's channel system: (case, query code, service notice). The caller commits."""
    case, code = intake.receive(parse_new_request(form, key.channel))
    submitted = next((e for e in case.events if e.action == "submit"), None)
    if submitted is not None and submitted.id is None:  # still pending: the log is append-only once written
        submitted.data = {**(submitted.data or {}), "api_key": key.prefix}
    notice = _("Received. Tracking number %(no)s, query code %(code)s: tell the citizen both. With them the "
               "citizen follows the request and rates the reply on the portal's tracking page.",
               no=case.tracking_no, code=code)
    return case, code, notice


# ---- finding requests -------------------------------------------------------------------------------------

@dataclass
class Window:
    start: datetime
    end: datetime
    page: int
    page_size: int


def parse_datetime(value: str, name: str) -> datetime:
    text = value.strip()
    if re.search(r"T\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}:\d{2}$", text):
        text = text[:-6] + "+" + text[-5:]  # an unencoded "+" arrived as a space
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C datetime, e.g. 2026-11-01T00:00:00+08:00.") from None
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment


def _positive_int(args, name: str, default: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
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
    return Window(start, end, page, page_size)


def _comma_list(args, name: str) -> list[str]:
    return [v.strip() for v in (args.get(name) or "").split(",") if v.strip()]


def _published(query):
    return query.where(Case.publish_consent.is_(True), Case.confidential.is_(False))


def find_requests(args, now: datetime | None = None) -> list[Case]:
    """The published cases a GET requests call asks for (validated filters, at most one page)."""
    ids = _comma_list(args, "service_request_id")
    query = _published(select(Case)).options(selectinload(Case.category), selectinload(Case.lead_unit),
                                             selectinload(Case.platform))
    order = (Case.received_at.desc(), Case.id.desc())
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"At most {MAX_RESULTS} service_request_id values at once.")
        return list(db.session.scalars(query.where(Case.tracking_no.in_([i.upper() for i in ids])).order_by(*order)))
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
    return list(db.session.scalars(query.order_by(*order).limit(window.page_size)
                                   .offset((window.page - 1) * window.page_size)))


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
        "status_notes": mask_text(status_notes(case, decline), case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": "" if withheld else mask_text(description, case),
        "agency_responsible": agency.name if agency else None,
        "service_notice": str(STATE_LABELS.get(case.state, case.state)),
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.due_at),
        "address": mask_text(address, case),
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
        else:
            text = event.note or str(ACTION_LABELS.get(event.action, event.action))
        updates.append({
            "update_id": str(event.id), "service_request_id": case.tracking_no,
            "status": status_of(event.to_state or case.state), "updated_datetime": w3c(event.at),
            "description": mask_text(text, case), "media_url": None,
        })
    return updates


def discovery(base_url: str, contact: str, key_service: str) -> dict:
    return {
        "changeset": w3c(CHANGESET), "contact": contact, "key_service": key_service,
        "endpoints": [{"specification": SPEC_URL, "url": base_url, "changeset": w3c(CHANGESET),
                       "type": "production", "formats": list(FORMATS.values())}],
    }
