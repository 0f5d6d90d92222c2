"""Open311 GeoReport v2: the portal's cases and categories as GeoReport services and service requests.

A package along its sections: `services` (categories as services), `filing` (a POST becomes an intake
submission), `finding` (lists, lookups, the updates feed, discovery). Shared words and errors are here.

The blueprint (`portal/blueprints/open311/api.py`) only parses the URL and renders JSON or XML; every rule is here.

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
  `page_size` extension pages through them (page_size 1–1000, default 1000). Requests: `page` reaches at most
  10,000 results deep (deeper → 400); every answer with more results after it carries an HTTP header
  `Link: <…&after=CURSOR>; rel="next"`, an opaque keyset cursor (the page after that row, whatever the depth, at the
  cost of the first page). `service_request_id` (a comma list
  of at most 1,000) overrides every other filter. `status` and `service_code` take comma lists; an unknown
  value is a 400, not a silent empty list.
- **Updates feed** (`servicerequestupdates`, the mySociety extension): every public event of a published case
  after its receipt (accepted, assigned, reply released, declined…) is one update: update_id = event id,
  status = open/closed after that event, description = the event's public note (the reply text for a release)
  or the step's name.
- **Errors** are lists of `{code, description}` where code is the HTTP status, as in the spec's examples. The
  descriptions are for developers and in English, like the spec's; they are not translated.
"""
from datetime import datetime, timedelta

from portal.domain import calendar
from portal.models import Case

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 25, 0, 0, tzinfo=calendar.SHANGHAI)  # when this API last changed shape
FORMATS = {"json": "application/json", "xml": "text/xml"}
MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MAX_PAGE_DEPTH = 10_000  # `page` reaches this many results deep (OFFSET); deeper pages follow the cursor
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
    return calendar.local_iso(value) if value else None


def status_of(state: str) -> str:
    return "open" if state in Case.OPEN_STATES else "closed"


from portal.domain.open311.filing import authenticate, file_request, parse_new_request  # noqa: E402
from portal.domain.open311.finding import (  # noqa: E402
    discovery,
    find_request,
    find_requests,
    find_requests_page,
    find_updates,
    request_fields,
    requests_fields,
    token_request,
)
from portal.domain.open311.services import leaf_by_code, service_definition, services  # noqa: E402

__all__ = ["authenticate", "discovery", "file_request", "find_request", "find_requests", "find_requests_page", "find_updates",
           "leaf_by_code", "parse_new_request", "request_fields", "requests_fields", "service_definition",
           "services", "token_request"]
