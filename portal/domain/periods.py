"""Months and days, one rule for every feature (statistics, rankings, the echo wall, salons).

- A month is written "YYYY-MM" (2000–2200) in URLs, forms, snapshots and caches; `parse_month` turns that text
  into the first day of the month (a `date`) or raises `PeriodError` with a message for the user.
- `add_months(day, n)` is the first day of the month n months after (or before) the month of `day`;
  `month_bounds` gives the first and last local day; `month_text` writes a date's month back as "YYYY-MM";
  `instants(first, last)` turns local days into the [start, end) instants that timestamps are compared with.
- Days are local days in Asia/Shanghai (`calendar.SHANGHAI`): `today()`; a day typed by a user is read with
  `parse_day` ("YYYY-MM-DD", 1900–2200; anything else is None).
- `month_label` is the one way a month is shown: 2026年10月 / October 2026.
"""
import re
from datetime import date, datetime, timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.domain import calendar
from portal.models.base import utcnow

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # ASCII digits only
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class PeriodError(ValueError):
    """A period the user asked for that we cannot show; str() is a message for the user."""


def today() -> date:
    return calendar.local_day(utcnow())


def parse_day(value: str | None) -> date | None:
    """'2026-10-05' (ASCII digits, a year from 1900 to 2200) → the date; anything else → None."""
    match = _DAY.fullmatch((value or "").strip())
    if not match:
        return None
    try:
        day = date.fromisoformat(match.group(0))
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2200 else None


def as_date(value) -> date:
    """A DATE column's value as a date (SQLite returns it as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parse_month(value: str | date | None) -> date:
    """'2026-10' → date(2026, 10, 1); a date → the first day of its month; anything else is refused."""
    if isinstance(value, date):
        return value.replace(day=1)
    match = _MONTH.fullmatch((value or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2200:
        raise PeriodError(str(_l("“%(value)s” is not a month like 2026-10.", value=(value or "")[:20])))
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_text(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def last_of_month(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def month_bounds(month: str | date) -> tuple[date, date]:
    """First and last local day of a month."""
    first = parse_month(month)
    return first, last_of_month(first)


def instants(start_day: date, end_day: date) -> tuple[datetime, datetime]:
    """[start, end) instants of a period of local days, both days included (compared with UTC timestamps)."""
    return calendar.midnight(start_day), calendar.midnight(end_day + timedelta(days=1))


def recent_months(on: date | None = None, count: int = 24) -> list[str]:
    """The last `count` months, newest first ("2026-11", "2026-10", …), for month pickers."""
    start = first_of_month(on or today())
    return [month_text(add_months(start, -i)) for i in range(count)]


def month_label(month: str | date) -> str:
    """"2026-10" → 2026年10月 / October 2026."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", parse_month(month), locale=get_locale() or "zh_Hans")
