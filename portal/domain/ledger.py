"""The ledger (台账): every case in a user's scope, filtered, paged, and exported to CSV or XLSX.

Views stay thin: they hand the query arguments to `parse_filters`, then use `ledger_query` (scope + filters as
one SELECT), `page_of` (a keyset page, a capped count, eager loads: a fixed number of queries at any depth)
and `csv_chunks` / `write_xlsx` (every matching row, fetched in batches with `yield_per`).

Deadline lights follow `portal.domain.deadlines` (the one rule, also used by the queues and the case page), in
SQL for the light filter.

Exports never carry the citizen's name, phone or email.
"""
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select
from sqlalchemy.orm import aliased, selectinload

from portal.domain import calendar, keyset, lookups, periods, scope
from portal.domain.deadlines import CLOCK_STATES, LIGHTS, LightBounds
from portal.extensions import db
from portal.models import Case, Category, Region, Unit, User
from portal.models.base import utcnow

PAGE_SIZE = 50
EXPORT_BATCH = 1000
# query argument -> what the form calls it (for error messages)
FILTER_KEYS = ("state", "light", "category", "county", "from", "to", "channel")


# ---------------------------------------------------------------------------------------------- filters
@dataclass
class LedgerFilters:
    state: str | None = None
    light: str | None = None
    category_id: int | None = None
    county_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    raw: dict[str, str] = field(default_factory=dict)  # what the user sent (non-empty values), for links
    errors: dict[str, str] = field(default_factory=dict)  # query argument -> localized message

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Reference:
    """The category tree and the counties, loaded once (two queries): the form's options, the validation
    of submitted ids and the category paths of every row."""

    categories: list[Category]
    counties: list[Region]

    @property
    def category_ids(self) -> set[int]:
        return {c.id for c in self.categories}

    @property
    def county_ids(self) -> set[int]:
        return {r.id for r in self.counties}

    def category_paths(self) -> dict[int, str]:
        by_id = {c.id: c for c in self.categories}
        paths: dict[int, str] = {}

        def path(cid: int) -> str:
            if cid not in paths:
                node = by_id[cid]
                paths[cid] = node.name if node.parent_id not in by_id else path(node.parent_id) + " › " + node.name
            return paths[cid]

        for cid in by_id:
            path(cid)
        return paths

    def category_options(self) -> list[tuple[int, str]]:
        """(id, label) in tree order, deeper levels indented, for a <select>."""
        children: dict[int | None, list[Category]] = {}
        for c in self.categories:
            children.setdefault(c.parent_id, []).append(c)
        out: list[tuple[int, str]] = []

        def walk(parent_id, depth):
            for c in sorted(children.get(parent_id, []), key=lambda c: (c.sort, c.id)):
                out.append((c.id, "\u3000" * depth + c.name))
                walk(c.id, depth + 1)

        walk(None, 0)
        return out


def load_reference() -> Reference:
    categories = list(db.session.scalars(select(Category).order_by(Category.level, Category.sort, Category.id)))
    counties = list(db.session.scalars(select(Region).where(Region.parent_id.is_(None))
                                       .order_by(Region.sort, Region.id)))
    return Reference(categories, counties)


def parse_filters(args: Mapping[str, str], ref: Reference) -> LedgerFilters:
    """Read the filters from query arguments. Unknown values and bad dates become localized messages."""
    raw = {k: (args.get(k) or "").strip() for k in FILTER_KEYS}
    raw = {k: v for k, v in raw.items() if v}
    f = LedgerFilters(raw=raw)
    if "state" in raw:
        if raw["state"] in Case.STATES:
            f.state = raw["state"]
        else:
            f.errors["state"] = _("Unknown state “%(value)s”: choose one from the list.", value=raw["state"])
    if "light" in raw:
        if raw["light"] in LIGHTS:
            f.light = raw["light"]
        else:
            f.errors["light"] = _("Unknown deadline light “%(value)s”: choose one from the list.",
                                  value=raw["light"])
    if "channel" in raw:
        if raw["channel"] in Case.CHANNELS:
            f.channel = raw["channel"]
        else:
            f.errors["channel"] = _("Unknown channel “%(value)s”: choose one from the list.", value=raw["channel"])
    if "category" in raw:
        f.category_id = lookups.parse_id(raw["category"])
        if f.category_id not in ref.category_ids:
            f.category_id = None
            f.errors["category"] = _("Unknown category: choose one from the list.")
    if "county" in raw:
        f.county_id = lookups.parse_id(raw["county"])
        if f.county_id not in ref.county_ids:
            f.county_id = None
            f.errors["county"] = _("Unknown county or district: choose one from the list.")
    for key, attr in (("from", "date_from"), ("to", "date_to")):
        if key in raw:
            setattr(f, attr, periods.parse_day(raw[key]))
            if getattr(f, attr) is None:
                f.errors[key] = _("“%(value)s” is not a date. Enter it as year-month-day, e.g. 2025-03-01.",
                                  value=raw[key])
    if f.date_from and f.date_to and f.date_from > f.date_to:
        f.errors["to"] = _("The end date is before the start date.")
    return f


def is_overdue(state: str, due_at: datetime | None, replied_at: datetime | None, drafted_at: datetime | None,
               closed_at: datetime | None, now: datetime) -> bool:
    """Past the deadline: the reply went out after it, or the unit still works on the case after it, or its
    approved reply (waiting for release) was drafted after it, or the case ended without a reply after it."""
    if due_at is None:
        return False
    end = replied_at or (now if state in CLOCK_STATES else None) or drafted_at or closed_at
    return end is not None and end > due_at


# ---------------------------------------------------------------------------------------------- queries
def apply_filters(query: Select, f: LedgerFilters, bounds: LightBounds) -> Select:
    if f.state:
        query = query.where(Case.state == f.state)
    if f.light:
        query = query.where(bounds.condition(f.light))
    if f.category_id is not None:
        query = query.where(Case.category_id.in_(lookups.category_subtree(f.category_id)))
    if f.county_id is not None:
        query = query.where(Case.county_id == f.county_id)
    if f.date_from:
        query = query.where(Case.received_day >= f.date_from)
    if f.date_to:
        query = query.where(Case.received_day <= f.date_to)
    if f.channel:
        query = query.where(Case.channel == f.channel)
    return query


def ledger_query(user: User, f: LedgerFilters, bounds: LightBounds) -> Select:
    """The user's scope (role and unit/platform) with the filters; nothing at all when a filter is invalid."""
    query = apply_filters(scope.visible_cases(user), f, bounds)
    return query if f.valid else query.where(false())


def page_of(query: Select, after: str | None = None, before: str | None = None,
            size: int | None = None) -> keyset.KeysetPage:
    """One page by keyset (no OFFSET), a count capped at keyset.COUNT_CAP, three eager loads: the same number of
    queries for 1 row or 50, and the same cost on the first page as deep in ten million cases."""
    return keyset.page(query, size or PAGE_SIZE, after=after, before=before,
                       options=(selectinload(Case.category), selectinload(Case.county), selectinload(Case.lead_unit)))


# ---------------------------------------------------------------------------------------------- export
EXPORT_COLUMNS = (
    ("tracking_no", _l("Tracking number")),
    ("channel", _l("Channel")),
    ("category", _l("Category")),
    ("district", _l("District")),
    ("title", _l("Title")),
    ("received", _l("Received")),
    ("lead_unit", _l("Lead unit")),
    ("state", _l("State")),
    ("due", _l("Deadline")),
    ("replied", _l("Replied at")),
    ("overdue", _l("Overdue?")),
    ("rating", _l("Rating")),
)


def export_header() -> list[str]:
    return [str(label) for _key, label in EXPORT_COLUMNS]


def _english() -> bool:
    from flask_babel import get_locale

    try:
        loc = get_locale()
    except Exception:  # pragma: no cover - outside a request
        return False
    return loc is not None and loc.language == "en"


def _local(value: datetime | None) -> datetime | None:
    """Asia/Shanghai wall-clock time without tzinfo (what a spreadsheet shows)."""
    return value.astimezone(calendar.SHANGHAI).replace(tzinfo=None, microsecond=0) if value else None


def export_rows(query: Select, ref: Reference, now: datetime | None = None) -> Iterator[list[Any]]:
    """One list of cell values per case, in `EXPORT_COLUMNS` order, fetched `EXPORT_BATCH` at a time.

    Selects plain columns (no ORM objects, no citizen fields) joined to district and lead unit, so memory stays
    flat however many rows match."""
    from portal.domain.labels import CHANNEL_LABELS, SATISFACTION_LABELS, STATE_LABELS

    now = now or utcnow()
    en = _english()
    paths = ref.category_paths()
    county, unit = aliased(Region), aliased(Unit)
    rows_query = (query.with_only_columns(
        Case.id, Case.tracking_no, Case.channel, Case.category_id, county.name_zh, county.name_en, Case.title,
        Case.received_at, unit.name_zh, unit.name_en, Case.state, Case.due_at, Case.replied_at,
        Case.reply_drafted_at, Case.closed_at, Case.satisfaction)
        .join_from(Case, county, Case.county_id == county.id)
        .outerjoin_from(Case, unit, Case.lead_unit_id == unit.id)
        .order_by(Case.received_at.desc(), Case.id.desc())
        .execution_options(yield_per=EXPORT_BATCH))
    yes, no = _("Yes"), _("No")
    labels_state = {k: str(v) for k, v in STATE_LABELS.items()}
    labels_channel = {k: str(v) for k, v in CHANNEL_LABELS.items()}
    labels_rating = {k: str(v) for k, v in SATISFACTION_LABELS.items()}
    for (_id, number, channel, category_id, county_zh, county_en, title, received_at, unit_zh, unit_en, state,
         due_at, replied_at, drafted_at, closed_at, satisfaction) in db.session.execute(rows_query):
        yield [
            number,
            labels_channel.get(channel, channel),
            paths.get(category_id, ""),
            (county_en if en and county_en else county_zh) or "",
            title,
            _local(received_at),
            (unit_en if en and unit_en else unit_zh) or "",
            labels_state.get(state, state),
            _local(due_at),
            _local(replied_at),
            yes if is_overdue(state, due_at, replied_at, drafted_at, closed_at, now) else no,
            labels_rating.get(satisfaction, "") if satisfaction else "",
        ]


LEDGER_COLUMN_WIDTHS = dict(zip("ABCDEFGHIJKL", (18, 16, 30, 14, 40, 17, 28, 14, 17, 17, 10, 14), strict=True))


def export_filename(extension: str, now: datetime | None = None) -> str:
    day = calendar.local_day(now or utcnow())
    return f"ledger-{day:%Y%m%d}.{extension}"


def scope_label(user: User) -> str:
    """What part of the city the ledger covers, for the page's lead paragraph."""
    from portal.models import Role

    if user.role in Role.UNIT_ROLES and user.unit is not None:
        return _("Cases led or co-handled by %(unit)s", unit=user.unit.name)  # the unit scope: both arms
    if user.role in Role.PLATFORM_ROLES and user.platform is not None and user.platform.kind != "city":
        return _("Cases received on %(platform)s", platform=user.platform.name)
    if user.role == Role.SALON_ORGANIZER:
        return _("Cases from new-media tea salons")
    return _("All cases in the city")

