"""Keyset pagination for case lists (ledger, staff case list): newest first by (received_at, id), pages reached by
a cursor (`after` = older than this row, `before` = newer than this row), never by OFFSET, so page 1 and a page
at 90 % of ten million cases cost the same index range scan. The total is counted up to `COUNT_CAP` rows only:
beyond that a person sees "more than 1,000" and narrows the filters, which is what they would do anyway.

A cursor is "<microseconds since the epoch>.<case id>" of the row it starts after (or before)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, func, literal, select, tuple_

from portal.domain import scope
from portal.extensions import db
from portal.models import Case
from portal.models.base import UTCDateTime

COUNT_CAP = 1_000


@dataclass
class KeysetPage:
    cases: list
    total: int  # exact up to COUNT_CAP
    total_capped: bool  # more than COUNT_CAP rows match
    newer: str | None  # cursor of the previous (newer) page, None on the first page
    older: str | None  # cursor of the next (older) page, None on the last page

    @property
    def first(self) -> bool:
        return self.newer is None


def encode(received_at: datetime, case_id: int) -> str:
    delta = received_at.astimezone(timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{case_id}"


def decode(cursor: str | None) -> tuple[datetime, int] | None:
    """The (received_at, id) of a cursor; None for a missing or malformed one (the first page is shown)."""
    if not cursor:
        return None
    try:
        micros, case_id = cursor.split(".", 1)
        at = datetime.fromtimestamp(int(micros) // 1_000_000, tz=timezone.utc).replace(
            microsecond=int(micros) % 1_000_000)
        return at, int(case_id)
    except (ValueError, OverflowError, OSError):
        return None


def capped_count(query: Select, cap: int | None = None) -> tuple[int, bool]:
    """How many rows `query` matches, counting at most cap + 1 (one index range scan however big the table; one
    per arm of a unit's scope, added up in one statement)."""
    cap = COUNT_CAP if cap is None else cap
    counts = [select(func.count()).select_from(arm.with_only_columns(Case.id).order_by(None).limit(cap + 1)
                                               .subquery()).scalar_subquery() for arm in scope.count_arms(query)]
    n = db.session.scalar(select(sum(counts[1:], counts[0]))) or 0
    return min(n, cap), n > cap


def page(query: Select, size: int, after: str | None = None, before: str | None = None, options=(),
         count: bool = True) -> KeysetPage:
    """One page of `query` (a select of Case), newest first. Two statements (+ the eager loads in `options`)."""
    key = tuple_(Case.received_at, Case.id)
    start_after, start_before = decode(after), decode(before) if not after else None
    query = query.options(*options)
    if start_before is not None:  # newer than the cursor: walk upwards, then show newest first
        at, case_id = start_before
        rows = list(db.session.scalars(query.where(key > tuple_(literal(at, UTCDateTime()), literal(case_id)))
                                       .order_by(Case.received_at.asc(), Case.id.asc()).limit(size + 1)))
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        newer = encode(rows[0].received_at, rows[0].id) if rows and more_newer else None
        older = encode(rows[-1].received_at, rows[-1].id) if rows else None
    else:
        paged = query
        if start_after is not None:
            at, case_id = start_after
            paged = query.where(key < tuple_(literal(at, UTCDateTime()), literal(case_id)))
        rows = list(db.session.scalars(paged.order_by(Case.received_at.desc(), Case.id.desc()).limit(size + 1)))
        more_older = len(rows) > size
        rows = rows[:size]
        older = encode(rows[-1].received_at, rows[-1].id) if rows and more_older else None
        newer = encode(rows[0].received_at, rows[0].id) if rows and start_after is not None else None
    total, capped = capped_count(query) if count else (len(rows), False)
    return KeysetPage(rows, total, capped, newer, older)
