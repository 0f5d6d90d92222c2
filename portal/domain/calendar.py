"""Working days and deadlines on the official Chinese schedule (holidays off, 调休 weekend days on).

The schedule lives in the database: a CalendarYear row says a year's official schedule is loaded, CalendarDay
rows are that year's exceptions to Monday–Friday. The years `chinesecalendar` covers are seeded by a migration;
an admin loads a new year from a CSV. A day in a year without a loaded schedule falls back to Monday–Friday and
is reported as *provisional*, so a deadline computed over it is flagged, never silently treated as official.
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, select
from werkzeug.utils import secure_filename

from portal.extensions import db
from portal.models import CalendarDay, CalendarYear

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_WORKING_DAY = time(23, 59, 59)
LIMITS = {"urgent": 2, "simple": 2, "general": 5, "complex": 15}
SIGN_FOR_LIMIT = 1


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # aware, Asia/Shanghai end of the last working day
    provisional: bool  # True when any day counted lies outside the loaded official schedule


def _year(year: int) -> dict[date, bool] | None:
    """The exceptions of a loaded year, or None when that year's schedule is not loaded. Cached per context."""
    cache = g.setdefault("calendar_years", {}) if has_app_context() else {}
    if year not in cache:
        if db.session.get(CalendarYear, year) is None:
            cache[year] = None
        else:
            rows = db.session.execute(select(CalendarDay.day, CalendarDay.is_workday).where(
                CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))
            cache[year] = {day: workday for day, workday in rows}
    return cache[year]


def forget_cache() -> None:
    if has_app_context():
        g.pop("calendar_years", None)


def is_working_day(day: date) -> tuple[bool, bool]:
    """(is it a working day, is that answer official)."""
    exceptions = _year(day.year)
    if exceptions is None:
        return day.weekday() < 5, False
    return exceptions.get(day, day.weekday() < 5), True


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def local_text(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the wall clock in Fuyang shows it, for messages and texts without a locale (pages use the
    `|local_time` filter)."""
    return moment.astimezone(SHANGHAI).strftime(fmt)


def local_iso(moment: datetime) -> str:
    """A moment in ISO 8601 / RFC 3339 with the +08:00 offset, to the second (feeds, the Open311 API)."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def midnight(day: date) -> datetime:
    """The instant a local day begins (00:00 Beijing time)."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=SHANGHAI)


def add_working_days(start: datetime, days: int) -> Deadline:
    """Deadline `days` working days after `start`; counting starts the day after, due at its end."""
    day = local_day(start)
    counted, provisional = 0, False
    while counted < days:
        day += timedelta(days=1)
        working, official = is_working_day(day)
        provisional = provisional or not official
        if working:
            counted += 1
    return Deadline(end_of(day), provisional)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day)[0]:
            count += 1
    return count


def handling_deadline(start: datetime, priority: str, limit_days: int | None = None) -> Deadline:
    return add_working_days(start, limit_days or LIMITS[priority])


def sign_for_deadline(assigned_at: datetime) -> Deadline:
    return add_working_days(assigned_at, SIGN_FOR_LIMIT)


def loaded_years() -> list[CalendarYear]:
    return list(db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def missing_years(today: date) -> list[int]:
    """This year and next, when not loaded: deadlines landing there are provisional."""
    loaded = {y.year for y in loaded_years()}
    return [y for y in (today.year, today.year + 1) if y not in loaded]


class CalendarImportError(ValueError):
    pass


KIND_WORDS = {"holiday": False, "off": False, "休": False, "假": False, "放假": False,
              "workday": True, "work": True, "班": True, "上班": True, "补班": True}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
MAX_SCHEDULE_BYTES = 256 * 1024


def decode_schedule(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM), or GB18030 as Excel saves it in China."""
    if len(data) > MAX_SCHEDULE_BYTES:
        raise CalendarImportError(_("The file is larger than a schedule can be (at most 256 KB)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise CalendarImportError(_("The file is not a text CSV file. Save it as “CSV UTF-8” and try again."))


def _parse_date(value: str) -> date | None:
    match = _DATE.fullmatch(value)
    if not match:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return day if 1949 <= day.year <= 2200 else None


MAX_FIELD = 200  # no date, kind or holiday name is longer


def _rows(reader):
    """The CSV's rows; a malformed line or an over-long field is the user's error, named by line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise CalendarImportError(_("Line %(n)d is not valid CSV (a field too long or an open quote).",
                                        n=reader.line_num)) from None
        if any(len(field) > MAX_FIELD for field in row):
            raise CalendarImportError(_("Line %(n)d: a field is longer than %(max)d characters.",
                                        n=reader.line_num, max=MAX_FIELD))
        yield row


def parse_schedule_csv(text: str) -> dict[int, dict[date, tuple[bool, str]]]:
    """CSV of `date,kind,name` (kind: holiday/workday, or 休/班); header optional, lines starting with # are
    comments. Dates may be written 2027-01-01, 2027/1/1 or 2027年1月1日. Errors name the line."""
    years: dict[int, dict[date, tuple[bool, str]]] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for row in _rows(reader):
        number = reader.line_num
        first = row[0].strip() if row else ""
        if not "".join(row).strip() or first.startswith("#") or first.lower() in ("date", "日期"):
            continue
        if len(row) < 2:
            raise CalendarImportError(_("Line %(n)d: expected date, kind, name.", n=number))
        day = _parse_date(first)
        if day is None:
            raise CalendarImportError(_("Line %(n)d: “%(value)s” is not a date like 2027-01-01.", n=number,
                                        value=first[:40]))
        kind = row[1].strip().lower()
        if kind not in KIND_WORDS:
            raise CalendarImportError(_("Line %(n)d: the kind “%(value)s” is neither holiday nor workday.",
                                        n=number, value=row[1].strip()[:40]))
        if day in years.get(day.year, {}):
            raise CalendarImportError(_("Line %(n)d: %(day)s is listed twice.", n=number, day=day.isoformat()))
        years.setdefault(day.year, {})[day] = (KIND_WORDS[kind], (row[2].strip() if len(row) > 2 else "")[:60])
    if not years:
        raise CalendarImportError(_("The file has no dates: expected lines like 2027-01-01,holiday,New Year's "
                                    "Day."))
    return years


def _spills_into(year: int, days: dict[date, tuple[bool, str]], years: dict) -> bool:
    """True for the last days of December in the next year's notice (the 2023 notice gave 2022-12-31 off):
    they are added to that year, which is neither replaced nor marked loaded by them."""
    return year + 1 in years and all(day >= date(year, 12, 20) for day in days)


def load_schedule(years: dict[int, dict[date, tuple[bool, str]]], source: str) -> list[int]:
    """Replace each year's exceptions and mark the year official. Returns the years loaded.

    Days a notice sets at the end of the previous year are merged into that year instead of replacing it."""
    loaded = []
    for year, days in sorted(years.items()):
        if _spills_into(year, days, years):
            for day, (workday, name) in days.items():
                db.session.merge(CalendarDay(day=day, is_workday=workday, name=name))
            continue
        db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                     CalendarDay.day <= date(year, 12, 31)))
        db.session.add_all(CalendarDay(day=d, is_workday=w, name=n) for d, (w, n) in sorted(days.items()))
        existing = db.session.get(CalendarYear, year)
        if existing:
            existing.source = source[:40]
            existing.loaded_at = datetime.now(SHANGHAI)
        else:
            db.session.add(CalendarYear(year=year, source=source[:40]))
        loaded.append(year)
    db.session.flush()
    forget_cache()
    return loaded


def exceptions_of(year: int) -> list[CalendarDay]:
    """A year's stored exceptions to Monday–Friday, in date order."""
    return list(db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)))


def import_source(filename: str) -> str:
    """What the calendar_year row records as the origin of an imported year."""
    return ("csv:" + (secure_filename(filename or "") or "upload"))[:40]


def loaded_message(schedule: dict, years: list[int]) -> str:
    parts = []
    for year in years:
        days = schedule[year].values()
        parts.append(_("%(year)d: %(off)d days off, %(on)d weekend working days",
                       year=year, off=sum(1 for w, _n in days if not w), on=sum(1 for w, _n in days if w)))
    return _("Official schedule loaded. %(details)s.", details="; ".join(parts))
