"""Working days on the official schedule: 调休, the Spring Festival, Shanghai time, years without a loaded
schedule (provisional), CSV import through the admin page and `flask calendar`."""
import io
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from flask_babel import force_locale, get_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from portal.domain import calendar
from portal.domain.calendar import SHANGHAI
from portal.extensions import db
from portal.models import CalendarDay, CalendarYear, Case

SCHEDULE_2027 = (
    "# test schedule, not the official one\n"
    "date,kind,name\n"
    "2027-01-01,holiday,New Year's Day\n"
    "2027-01-02,holiday,New Year's Day\n"
    "2027-01-03,holiday,New Year's Day\n"
    "2027-02-20,workday,Spring Festival\n"
)


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def today() -> date:
    return calendar.local_day(datetime.now(timezone.utc))


# --- the official schedule ----------------------------------------------------------------------------------


def test_2026_matches_the_chinesecalendar_data_day_by_day(ctx):
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_working_day(day) == (chinese_calendar.is_workday(day), True), day
        day += timedelta(days=1)


def test_new_year_2026_and_the_working_sunday(ctx):
    for off in (date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)):
        assert calendar.is_working_day(off) == (False, True)
    assert date(2026, 1, 4).weekday() == 6  # a Sunday...
    assert calendar.is_working_day(date(2026, 1, 4)) == (True, True)  # ...worked (调休)
    # 2 working days from New Year's Eve: 4 January (Sunday) and 5 January
    deadline = calendar.add_working_days(sh(2025, 12, 31, 10, 0), 2)
    assert deadline == calendar.Deadline(sh(2026, 1, 5, 23, 59, 59), False)


def test_spring_festival_2026(ctx):
    holiday = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]  # 15–23 February
    assert all(not chinese_calendar.is_workday(d) for d in holiday)
    assert all(calendar.is_working_day(d) == (False, True) for d in holiday)
    for saturday in (date(2026, 2, 14), date(2026, 2, 28)):
        assert saturday.weekday() == 5 and chinese_calendar.is_workday(saturday)
        assert calendar.is_working_day(saturday) == (True, True)
    # received Thursday 12 February: 13 (Fri), 14 (Sat, worked), then 24, 25, 26 after the holiday
    deadline = calendar.add_working_days(sh(2026, 2, 12, 9, 30), 5)
    assert deadline == calendar.Deadline(sh(2026, 2, 26, 23, 59, 59), False)
    assert calendar.handling_deadline(sh(2026, 2, 12, 9, 30), "general") == deadline
    assert calendar.working_days_between(date(2026, 2, 12), date(2026, 2, 26)) == 5


def test_due_at_the_end_of_the_working_day_in_shanghai(ctx):
    deadline = calendar.add_working_days(sh(2026, 3, 2, 8, 0), 1)  # Monday morning → Tuesday
    assert deadline.due_at == sh(2026, 3, 3, 23, 59, 59)
    assert deadline.due_at.utcoffset() == timedelta(hours=8)
    assert deadline.due_at.astimezone(timezone.utc) == datetime(2026, 3, 3, 15, 59, 59, tzinfo=timezone.utc)
    assert calendar.end_of(date(2026, 3, 3)) == deadline.due_at


def test_counting_starts_the_day_after_receipt_in_shanghai_time(ctx):
    # 00:30 on Tuesday 3 March in Shanghai is still Monday 2 March in UTC: the receipt day is the 3rd
    received = datetime(2026, 3, 2, 16, 30, tzinfo=timezone.utc)
    assert calendar.local_day(received) == date(2026, 3, 3)
    assert calendar.add_working_days(received, 1).due_at == sh(2026, 3, 4, 23, 59, 59)
    # a minute before midnight in Shanghai on Friday 13 February: the next day is the worked Saturday
    assert calendar.add_working_days(datetime(2026, 2, 13, 15, 59, tzinfo=timezone.utc), 1).due_at == \
        sh(2026, 2, 14, 23, 59, 59)
    # at midnight it is Saturday 14 February already: the next working day is after the Spring Festival
    assert calendar.add_working_days(datetime(2026, 2, 13, 16, 0, tzinfo=timezone.utc), 1).due_at == \
        sh(2026, 2, 24, 23, 59, 59)
    assert calendar.sign_for_deadline(datetime(2026, 2, 13, 16, 0, tzinfo=timezone.utc)).due_at == \
        sh(2026, 2, 24, 23, 59, 59)


# --- a year without a loaded schedule ------------------------------------------------------------------------


def test_deadline_crossing_into_an_unloaded_year_is_provisional_until_the_year_is_imported(ctx):
    assert db.session.get(CalendarYear, 2027) is None
    assert calendar.is_working_day(date(2027, 1, 1)) == (True, False)  # a Friday, Monday–Friday fallback
    assert calendar.is_working_day(date(2027, 1, 2)) == (False, False)
    received = sh(2026, 12, 28, 10, 0)  # Monday: 29, 30, 31 December, then 1 and 4 January on the fallback
    assert calendar.add_working_days(received, 5) == calendar.Deadline(sh(2027, 1, 4, 23, 59, 59), True)
    assert calendar.add_working_days(received, 3).provisional is False  # stays in 2026

    assert calendar.load_schedule(calendar.parse_schedule_csv(SCHEDULE_2027), "csv:test") == [2027]
    assert calendar.is_working_day(date(2027, 1, 1)) == (False, True)
    # 1 January is now a holiday: 29, 30, 31 December, 4 and 5 January
    assert calendar.add_working_days(received, 5) == calendar.Deadline(sh(2027, 1, 5, 23, 59, 59), False)
    assert calendar.is_working_day(date(2027, 2, 20)) == (True, True)  # an imported working Saturday


def test_missing_years_are_this_year_and_next_when_not_loaded(ctx):
    loaded = {y.year for y in calendar.loaded_years()}
    assert 2026 in loaded and 2027 not in loaded
    assert calendar.missing_years(date(2026, 11, 25)) == [2027]
    assert calendar.missing_years(date(2027, 3, 1)) == [2027, 2028]
    calendar.load_schedule(calendar.parse_schedule_csv(SCHEDULE_2027), "csv:test")
    assert calendar.missing_years(date(2026, 11, 25)) == []


def test_reimporting_a_year_replaces_it(ctx):
    calendar.load_schedule(calendar.parse_schedule_csv(SCHEDULE_2027), "csv:first")
    calendar.load_schedule(calendar.parse_schedule_csv("2027-10-01,holiday,National Day\n"), "csv:second")
    assert [d.day for d in calendar.exceptions_of(2027)] == [date(2027, 10, 1)]
    assert db.session.get(CalendarYear, 2027).source == "csv:second"
    assert calendar.is_working_day(date(2027, 1, 1)) == (True, True)


def test_days_a_notice_sets_in_the_previous_december_do_not_replace_that_year(ctx):
    # like the 2023 notice giving 2022-12-31 off: 2027 keeps its schedule and gains the day
    calendar.load_schedule(calendar.parse_schedule_csv(SCHEDULE_2027), "csv:2027")
    loaded = calendar.load_schedule(calendar.parse_schedule_csv(
        "2027-12-31,holiday,New Year's Day\n2028-01-01,holiday,New Year's Day\n"), "csv:2028")
    assert loaded == [2028]
    assert db.session.get(CalendarYear, 2027).source == "csv:2027"
    assert calendar.is_working_day(date(2027, 1, 1)) == (False, True)
    assert calendar.is_working_day(date(2027, 12, 31)) == (False, True)


# --- the CSV format ------------------------------------------------------------------------------------------


def test_csv_accepts_comments_chinese_kinds_and_spreadsheet_dates(ctx):
    text = calendar.decode_schedule("# 示例\n日期,类型,名称\n2027/1/1,休,元旦\n2027年2月20日,班,春节\n\n".encode("gb18030"))
    assert calendar.parse_schedule_csv(text) == {
        2027: {date(2027, 1, 1): (False, "元旦"), date(2027, 2, 20): (True, "春节")}}
    assert calendar.parse_schedule_csv("\ufeff2027-01-01,holiday\n") == {2027: {date(2027, 1, 1): (False, "")}}


@pytest.mark.parametrize("text, expected", [
    ("date,kind,name\n2027-01-01,holiday,New Year\n2027-13-01,holiday,x\n", "Line 3: “2027-13-01” is not a date"),
    ("date,kind,name\n01/02/2027,holiday,x\n", "Line 2: “01/02/2027” is not a date"),
    ("2027-01-01,holiday,x\n2027-01-02,vacation,x\n", "Line 2: the kind “vacation” is neither holiday nor workday"),
    ("2027-01-01\n", "Line 1: expected date, kind, name"),
    ("2027-01-01,holiday,x\n2027-01-01,workday,x\n", "Line 2: 2027-01-01 is listed twice"),
    ("", "The file has no dates"),
    ("date,kind,name\n\n# nothing yet\n", "The file has no dates"),
])
def test_csv_errors_name_the_line(ctx, text, expected):
    with force_locale("en"), pytest.raises(calendar.CalendarImportError) as err:
        calendar.parse_schedule_csv(text)
    assert expected in str(err.value)


def test_binary_files_are_refused(ctx):
    with force_locale("en"), pytest.raises(calendar.CalendarImportError, match="not a text CSV"):
        calendar.decode_schedule(b"PK\x03\x04\x00\x00binary")
    with force_locale("en"), pytest.raises(calendar.CalendarImportError, match="256 KB"):
        calendar.decode_schedule(b"x" * (calendar.MAX_SCHEDULE_BYTES + 1))


# --- the admin page ------------------------------------------------------------------------------------------


def english_admin(client):
    client.login("admin")
    client.get("/lang/en")


def upload(client, text, filename="schedule-2027.csv", **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/admin/calendar", {"file": (io.BytesIO(data), filename)}, csrf_from="/admin/calendar",
                       **kwargs)


def test_only_admins_open_the_calendar_page(client, city):
    assert client.get("/admin/calendar").status_code == 302  # to the sign-in page
    client.login("handler")
    assert client.get("/admin/calendar").status_code == 403
    token = client.csrf("/")
    response = client.client.post("/admin/calendar", data={"csrf_token": token,
                                                           "file": (io.BytesIO(SCHEDULE_2027.encode()), "x.csv")})
    assert response.status_code == 403


def test_admin_page_warns_about_missing_years_and_shows_a_year(client, city, app):
    english_admin(client)
    with app.app_context():
        missing = calendar.missing_years(today())
    page = client.get("/admin/calendar").get_data(as_text=True)
    for year in missing:
        assert f"{year} schedule not loaded" in page
        assert f"deadlines in {year} are counted Monday–Friday and flagged provisional" in page
    assert "Built in (chinesecalendar package)" in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert '<label for="file">' in page

    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "<!doctype html>" in page
    row = page[page.index('datetime="2026-01-04"'):]
    row = row[:row.index("</tr>")]
    assert "Sunday" in row and "Working day (swapped weekend day)" in row and "New Year" in row
    row = page[page.index('datetime="2026-02-16"'):]
    assert "Monday" in row[:row.index("</tr>")] and "Day off" in row[:row.index("</tr>")]

    fragment = client.get("/admin/calendar?year=2026", htmx=True).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="year-days"') and "<html" not in fragment
    assert 'datetime="2026-02-28"' in fragment

    page = client.get("/admin/calendar?year=2030").get_data(as_text=True)
    assert "2030 schedule not loaded" in page


def test_admin_page_counts_open_cases_with_a_provisional_deadline(client, city, app, make_case):
    open_id, open_no, _ = make_case()
    closed_id, closed_no, _ = make_case()
    make_case()  # an official deadline (or none): not counted
    with app.app_context():
        for case_id, state in ((open_id, "handling"), (closed_id, "closed")):
            case = db.session.get(Case, case_id)
            case.state, case.due_is_provisional = state, True
            case.due_at = sh(2027, 1, 4, 23, 59, 59)
        db.session.commit()
    english_admin(client)
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "1 open cases have a provisional deadline" in page
    assert open_no in page and closed_no not in page


def test_upload_through_the_page(client, city, app):
    english_admin(client)
    response = upload(client, SCHEDULE_2027)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/calendar?year=2027")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Official schedule loaded. 2027: 3 days off, 1 weekend working days." in page
    assert "2027 schedule not loaded" not in page
    assert "CSV import: schedule-2027.csv" in page
    row = page[page.index('datetime="2027-01-01"'):]
    assert "Friday" in row[:row.index("</tr>")] and "Day off" in row[:row.index("</tr>")]
    with app.app_context():
        assert db.session.get(CalendarYear, 2027).source == "csv:schedule-2027.csv"
        assert calendar.add_working_days(sh(2026, 12, 31, 12, 0), 1) == \
            calendar.Deadline(sh(2027, 1, 4, 23, 59, 59), False)


def test_upload_with_htmx_redirects_the_browser(client, city, app):
    english_admin(client)
    response = upload(client, SCHEDULE_2027, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/admin/calendar?year=2027")


@pytest.mark.parametrize("text, message", [
    ("date,kind,name\n2027-01-01,holiday,x\n2027-02-30,holiday,x\n", "Line 3: “2027-02-30” is not a date"),
    ("date,kind,name\n2027-01-01,sometimes,x\n", "Line 2: the kind “sometimes” is neither holiday nor workday"),
    ("", "The file has no dates"),
    ("date,kind,name\n", "The file has no dates"),
])
def test_bad_upload_is_refused_and_changes_nothing(client, city, app, text, message):
    english_admin(client)
    with app.app_context():
        before = db.session.scalars(select(CalendarDay.day).where(CalendarDay.day >= date(2026, 1, 1))).all()
    response = upload(client, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert "<!doctype html>" in page  # without htmx: the whole page
    fragment = upload(client, text, htmx=True)
    assert fragment.status_code == 422
    body = fragment.get_data(as_text=True)
    assert message in body and body.lstrip().startswith('<form id="calendar-upload"')
    with app.app_context():
        assert db.session.get(CalendarYear, 2027) is None
        after = db.session.scalars(select(CalendarDay.day).where(CalendarDay.day >= date(2026, 1, 1))).all()
        assert after == before


def test_upload_without_a_file(client, city):
    english_admin(client)
    response = client.post("/admin/calendar", {}, csrf_from="/admin/calendar")
    assert response.status_code == 422
    assert "Choose the CSV file of the schedule." in response.get_data(as_text=True)


def test_upload_errors_are_in_the_users_language(client, city, app):
    """Chinese by default: the messages are whatever the zh_Hans catalog says for them."""
    with app.test_request_context():  # no language chosen: the default, Chinese
        assert str(get_locale()) == "zh_Hans"
        wrong_type = escape(gettext("Upload a .csv file (in a spreadsheet: Save as “CSV UTF-8”)."))
        bad_kind = escape(gettext("Line %(n)d: the kind “%(value)s” is neither holiday nor workday.", n=1,
                                  value="sometimes"))
    client.login("admin")
    response = upload(client, b"PK\x03\x04", filename="schedule.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page and wrong_type in page
    response = upload(client, "2027-01-01,sometimes,x\n")
    assert response.status_code == 422 and bad_kind in response.get_data(as_text=True)


# --- flask calendar ------------------------------------------------------------------------------------------

ENGLISH = {"LC_ALL": "C.UTF-8", "LC_MESSAGES": None, "LANG": None}


def test_cli_import_and_status(app, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        missing_before = calendar.missing_years(today())
    result = runner.invoke(args=["calendar", "status"], env=ENGLISH)
    assert result.exit_code == 0, result.output
    assert "2026  chinesecalendar" in result.output
    for year in missing_before:
        assert f"{year} schedule not loaded" in result.output

    path = tmp_path / "official-2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path)], env=ENGLISH)
    assert result.exit_code == 0, result.output
    assert "2027: 3 days off, 1 weekend working days" in result.output
    with app.app_context():
        assert db.session.get(CalendarYear, 2027).source == "csv:official-2027.csv"
        assert len(calendar.exceptions_of(2027)) == 4
        missing_after = calendar.missing_years(today())

    result = runner.invoke(args=["calendar", "status"], env=ENGLISH)
    assert result.exit_code == 0, result.output
    assert "2027  csv:official-2027.csv" in result.output
    assert "2027 schedule not loaded" not in result.output
    if not missing_after:
        assert "This year's and next year's schedules are loaded." in result.output


def test_cli_import_error_changes_nothing(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,x\n2027-01-32,holiday,x\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(path)], env=ENGLISH)
    assert result.exit_code == 1
    assert "Line 3: “2027-01-32” is not a date" in result.output
    with app.app_context():
        assert db.session.get(CalendarYear, 2027) is None
        assert calendar.exceptions_of(2027) == []
