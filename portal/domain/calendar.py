"""Working days and deadlines on the official Chinese schedule (holidays off, 调休 weekend days on).

The official schedule comes from `chinesecalendar` for the years it covers. A day outside those years
falls back to Monday–Friday and is reported as *provisional*, so a deadline computed over it is flagged,
never silently treated as official.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_WORKING_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # aware, Asia/Shanghai end of the last working day
    provisional: bool  # True when any day counted lies outside the loaded official schedule


def _official(day: date) -> bool | None:
    """True/False from the official schedule; None when the schedule for that year is not loaded."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def is_working_day(day: date) -> tuple[bool, bool]:
    """(is it a working day, is that answer official)."""
    official = _official(day)
    if official is None:
        return day.weekday() < 5, False
    return official, True


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def add_working_days(received: datetime, days: int) -> Deadline:
    """Deadline `days` working days after `received`; counting starts the day after receipt."""
    day = local_day(received)
    counted, provisional = 0, False
    while counted < days:
        day += timedelta(days=1)
        working, official = is_working_day(day)
        provisional = provisional or not official
        if working:
            counted += 1
    return Deadline(datetime.combine(day, END_OF_WORKING_DAY, tzinfo=SHANGHAI), provisional)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days have passed since `start`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day)[0]:
            count += 1
    return count


LIMITS = {"urgent": 2, "simple": 2, "general": 5, "complex": 15}
SIGN_FOR_LIMIT = 1


def handling_deadline(assigned_at: datetime, priority: str) -> Deadline:
    return add_working_days(assigned_at, LIMITS[priority])


def sign_for_deadline(assigned_at: datetime) -> Deadline:
    return add_working_days(assigned_at, SIGN_FOR_LIMIT)


def light(due_at: datetime | None, now: datetime) -> str | None:
    """green / yellow (≤ 1 working day left) / red (overdue). None when there is no deadline."""
    if due_at is None:
        return None
    if now > due_at:
        return "red"
    if working_days_between(local_day(now), local_day(due_at)) <= 1:
        return "yellow"
    return "green"
