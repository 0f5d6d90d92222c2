"""The ledger (台账): filters, scope, htmx fragments, exports, and a fixed number of queries per page."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.domain import deadlines, intake, ledger, workflow
from portal.extensions import db
from portal.models import Case, Category, Region, Unit, User
from tests.helpers import count_statements

NUMBER = re.compile(r"FY\d{18}")
PHONE = "13912345678"
NAME = "李四维"


@pytest.fixture
def new_case(app, city):
    """Factory: a case through the real intake, received at `at`, optionally accepted and assigned."""

    def factory(at=None, unit=None, priority="general", signed=False, **overrides):
        fields = dict(category_id=city["leaf"], county_id=city["county"], town_id=None, address="人民路88号",
                      title="路面破损", description="门前路面有一个大坑，请尽快修复。", citizen_name=NAME,
                      citizen_phone=PHONE, citizen_email="lisi@example.com", publish_consent=True)
        fields.update(overrides)
        with app.test_request_context():
            case, _code = intake.receive(intake.Submission(**fields), at=at)
            if unit:
                dispatcher = db.session.get(User, city["users"]["dispatcher"])
                workflow.accept(case, dispatcher)
                workflow.assign(case, dispatcher, db.session.get(Unit, city["units"][unit]), priority)
                if signed:  # the unit's handler signs for it: the light then follows the handling deadline
                    workflow.sign_for(case, db.session.get(User, city["users"]["handler"]))
            db.session.commit()
            return case.id, case.tracking_no
    return factory


def numbers(response) -> set[str]:
    return set(NUMBER.findall(response.get_data(as_text=True)))


def ids_of(app, code_by_model):
    with app.app_context():
        return {key: db.session.scalar(select(model.id).where(model.code == code))
                for key, (model, code) in code_by_model.items()}


def test_each_filter_narrows_the_rows(client, city, app, new_case):
    other = ids_of(app, {"leaf": (Category, "csgl-1-2"), "county": (Region, "yingdong")})
    day = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai, 2025-03-03
    _, base = new_case(at=day)
    _, hotline = new_case(at=day, channel="hotline")
    _, other_category = new_case(at=day, category_id=other["leaf"])
    _, other_county = new_case(at=day, county_id=other["county"])
    _, earlier = new_case(at=day - timedelta(days=10))
    accepted_id, accepted = new_case(at=day)
    with app.app_context():
        workflow.accept(db.session.get(Case, accepted_id), db.session.get(User, city["users"]["dispatcher"]))
        db.session.commit()
    everything = {base, hotline, other_category, other_county, earlier, accepted}
    client.login("dispatcher")  # city main platform: sees every case

    assert numbers(client.get("/staff/ledger")) == everything
    assert numbers(client.get("/staff/ledger?state=accepted")) == {accepted}
    assert numbers(client.get("/staff/ledger?channel=hotline")) == {hotline}
    assert numbers(client.get(f"/staff/ledger?county={other['county']}")) == {other_county}
    assert numbers(client.get(f"/staff/ledger?county={city['county']}")) == everything - {other_county}
    # a category of any level matches the cases filed under its leaves
    level1, level2 = city["leaf_path"]
    for category in (level1, level2, city["leaf"]):
        assert numbers(client.get(f"/staff/ledger?category={category}")) == everything - {other_category}
    assert numbers(client.get(f"/staff/ledger?category={other['leaf']}")) == {other_category}
    assert numbers(client.get("/staff/ledger?from=2025-03-01")) == everything - {earlier}
    assert numbers(client.get("/staff/ledger?to=2025-03-01")) == {earlier}
    assert numbers(client.get("/staff/ledger?from=2025-02-21&to=2025-02-21")) == {earlier}
    assert numbers(client.get(f"/staff/ledger?channel=web&county={city['county']}&from=2025-03-03"
                              f"&to=2025-03-03&category={level1}&state=submitted")) == {base}


def test_deadline_light_filter_and_words(client, city, app, new_case):
    now = datetime.now(timezone.utc)
    made = {}
    for key, due in (("red", now - timedelta(hours=2)), ("yellow", now + timedelta(hours=1)),
                     ("green", now + timedelta(days=40))):
        case_id, number = new_case(unit="cgj", signed=True)
        with app.app_context():
            db.session.get(Case, case_id).due_at = due
            db.session.commit()
        made[key] = number
    _, unassigned = new_case()
    client.login("dispatcher")
    for light, number in made.items():
        assert numbers(client.get(f"/staff/ledger?light={light}")) == {number}
    page = client.get("/staff/ledger").get_data(as_text=True)
    assert unassigned in page
    # the light carries words, not only a colour
    assert page.count("light-red") == 1 and page.count("light-yellow") == 1 and page.count("light-green") == 1
    with app.test_request_context():
        from portal.domain.labels import LIGHT_LABELS

        for light in ("red", "yellow", "green"):
            assert str(LIGHT_LABELS[light]) in page


def test_yellow_bound_matches_the_calendar_light(app, city):
    """The yellow bound means "at most 1 working day left" around holidays and weekends."""
    from portal.domain import calendar

    with app.app_context():
        for start in (datetime(2025, 9, 30, 4, tzinfo=timezone.utc), datetime(2025, 3, 7, 4, tzinfo=timezone.utc),
                      datetime(2025, 3, 5, 4, tzinfo=timezone.utc)):
            bounds = deadlines.LightBounds.at(start)
            for hours in range(1, 24 * 12, 5):
                due = start + timedelta(hours=hours)
                case = Case(state="handling", due_at=due)
                days_left = calendar.working_days_between(calendar.local_day(start), calendar.local_day(due))
                expected = "red" if start > due else "yellow" if days_left <= 1 else "green"
                assert bounds.light_of(case) == expected, (start, due)


def test_unit_handler_sees_only_its_cases_in_ledger_and_export(client, city, new_case):
    _, mine = new_case(unit="cgj")
    _, theirs = new_case(unit="jtj")
    _, unassigned = new_case()
    client.login("handler")
    assert numbers(client.get("/staff/ledger")) == {mine}
    # the page says what it covers: the cases the unit leads and those it co-handles (its scope)
    assert "主办或协办的工单" in client.get("/staff/ledger").get_data(as_text=True)
    assert numbers(client.get("/staff/ledger/export.csv")) == {mine}
    workbook = load_workbook(io.BytesIO(client.get("/staff/ledger/export.xlsx").data), read_only=True)
    assert [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)] == [mine]
    assert theirs and unassigned  # created, but not in cgj's ledger


def test_county_dispatcher_sees_only_their_platform(client, city, app, new_case):
    other = ids_of(app, {"county": (Region, "yingdong")})
    _, here = new_case()  # city["county"] is Yingzhou
    _, elsewhere = new_case(county_id=other["county"])
    client.login("dispatcher_yz")
    assert numbers(client.get("/staff/ledger")) == {here}
    assert numbers(client.get("/staff/ledger/export.csv")) == {here}
    client.login("dispatcher")
    assert numbers(client.get("/staff/ledger")) == {here, elsewhere}


def test_htmx_request_gets_only_the_results_block(client, city, new_case):
    _, number = new_case()
    client.login("dispatcher")
    full = client.get("/staff/ledger").get_data(as_text=True)
    assert "<html" in full and 'id="ledger-filters"' in full and 'id="ledger-results"' in full
    response = client.get("/staff/ledger?channel=web", htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers.get("Vary", "")
    assert fragment.lstrip().startswith('<div id="ledger-results">')
    assert "<html" not in fragment and "<form" not in fragment
    assert number in fragment


def test_filter_form_works_without_javascript(client, city):
    client.login("dispatcher")
    page = client.get("/staff/ledger").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/staff/ledger"[^>]*>', page)
    assert form and 'hx-get="/staff/ledger"' in form.group(0) and 'hx-push-url="true"' in form.group(0)
    for name in ("state", "light", "category", "county", "from", "to", "channel"):
        field_id = re.search(rf'id="(f-[a-z]+)" name="{name}"', page).group(1)
        assert f'<label for="{field_id}">' in page


@pytest.mark.parametrize("query", ["from=2025-13-45", "to=yesterday", "from=2025-03-05&to=2025-03-01"])
def test_bad_date_gives_a_clear_message_not_a_500(client, city, new_case, query):
    new_case()
    client.login("dispatcher")
    for htmx in (False, True):
        response = client.get(f"/staff/ledger?{query}", htmx=htmx)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert 'role="alert"' in page and not numbers(response)
        assert ("2025-03-01" in page) or ("before" in page) or ("早于" in page)
    assert client.get(f"/staff/ledger/export.csv?{query}").status_code == 422
    assert client.get(f"/staff/ledger/export.xlsx?{query}").status_code == 422


def test_unknown_filter_values_are_refused_not_ignored(client, city, new_case):
    new_case()
    client.login("dispatcher")
    for query in ("state=flying", "light=blue", "channel=pigeon", "category=999999", "county=abc"):
        response = client.get(f"/staff/ledger?{query}")
        assert response.status_code == 422 and not numbers(response), query


def test_ledger_never_shows_the_citizen(client, city, new_case):
    new_case(unit="cgj")
    for user in ("dispatcher", "handler", "monitor"):
        client.login(user)
        page = client.get("/staff/ledger").get_data(as_text=True)
        assert PHONE not in page and NAME not in page


def _csv_rows(response) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export(client, city, app, new_case):
    case_id, first = new_case(unit="cgj")
    _, second = new_case(title="=HYPERLINK(\"http://evil\")")
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.state, case.replied_at, case.satisfaction = "closed", case.due_at + timedelta(hours=1), "satisfied"
        db.session.commit()
    client.login("dispatcher")
    response = client.get("/staff/ledger/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "utf-8" in response.headers["Content-Type"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and re.search(r'filename="ledger-\d{8}\.csv"', disposition)
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(response)
    with app.test_request_context():
        header = ledger.export_header()
        from portal.domain.labels import SATISFACTION_LABELS

        satisfied = str(SATISFACTION_LABELS["satisfied"])
        paths = ledger.load_reference().category_paths()
        path = paths[city["leaf"]]
    assert rows[0] == header and len(header) == 12
    assert len(rows) == 3 and {r[0] for r in rows[1:]} == {first, second}
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[first][2] == path and " › " in path  # full category path
    assert by_number[first][11] == satisfied and by_number[second][11] == ""
    assert by_number[first][10] != by_number[second][10]  # replied late → overdue; the other not
    assert by_number[second][4].startswith("'=")  # never a live formula
    body = response.data.decode("utf-8")
    assert PHONE not in body and NAME not in body and "lisi@example.com" not in body


def test_csv_export_in_english_has_english_header(client, city, new_case):
    new_case()
    client.login("dispatcher")
    client.get("/lang/en")
    rows = _csv_rows(client.get("/staff/ledger/export.csv"))
    assert rows[0] == ["Tracking number", "Channel", "Category", "District", "Title", "Received", "Lead unit",
                       "State", "Deadline", "Replied at", "Overdue?", "Rating"]


def test_export_follows_the_filters(client, city, new_case):
    _, web = new_case()
    _, hotline = new_case(channel="hotline")
    client.login("dispatcher")
    assert numbers(client.get("/staff/ledger/export.csv?channel=hotline")) == {hotline}
    page = client.get("/staff/ledger?channel=hotline").get_data(as_text=True)
    assert "/staff/ledger/export.csv?channel=hotline" in page and web not in page


def test_xlsx_export(client, city, app, new_case):
    made = {new_case(unit="cgj")[1] for _ in range(3)} | {new_case(title="=1+1")[1]}
    client.login("dispatcher")
    response = client.get("/staff/ledger/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.search(r'filename=ledger-\d{8}\.xlsx|filename="ledger-\d{8}\.xlsx"',
                     response.headers["Content-Disposition"])
    workbook = load_workbook(io.BytesIO(response.data))
    rows = list(workbook.active.iter_rows(values_only=True))
    with app.test_request_context():
        assert list(rows[0]) == ledger.export_header()
    assert len(rows) == 1 + len(made) and {r[0] for r in rows[1:]} == made
    assert isinstance(rows[1][5], datetime)  # received is a real date-time cell
    assert "=1+1" in {r[4] for r in rows[1:]}  # kept as text, not turned into a formula
    flat = " ".join(str(v) for row in rows for v in row if v is not None)
    assert PHONE not in flat and NAME not in flat


def test_queries_per_page_do_not_grow_with_rows(client, city, app, new_case):
    other = ids_of(app, {"leaf": (Category, "csgl-1-2"), "county": (Region, "yingdong")})
    for i in range(5):
        new_case(unit="cgj" if i % 2 else "jtj", category_id=other["leaf"] if i % 3 else city["leaf"])
    client.login("dispatcher")
    client.get("/staff/ledger")  # warm-up
    with count_statements(app) as few:
        assert len(numbers(client.get("/staff/ledger"))) == 5
    for i in range(35):
        new_case(unit=("cgj", "jtj", "gov-yingzhou")[i % 3], county_id=other["county"] if i % 2 else city["county"],
                 category_id=other["leaf"] if i % 3 else city["leaf"])
    with count_statements(app) as many:
        assert len(numbers(client.get("/staff/ledger"))) == 40
    assert len(many) == len(few), (few, many)
    with count_statements(app) as fragment:
        client.get("/staff/ledger?channel=", htmx=True)
    assert len(fragment) <= len(few)  # the fragment has no staff header, so no queue count


def test_pagination_by_keyset_with_total(client, city, app, new_case):
    """Pages follow a cursor (no page numbers, no OFFSET): older, newer and back to the first page."""
    import html

    day = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    made = [new_case(at=day + timedelta(minutes=i))[1] for i in range(ledger.PAGE_SIZE + 3)]
    client.login("dispatcher")
    first = client.get(f"/staff/ledger?county={city['county']}")
    text = first.get_data(as_text=True)
    assert len(numbers(first)) == ledger.PAGE_SIZE and str(ledger.PAGE_SIZE + 3) in text
    older = html.unescape(re.search(r'href="([^"]*after=[^"]*)"[^>]*rel="next"', text).group(1))
    assert f"county={city['county']}" in older and "page=" not in text
    second = client.get(older, htmx=True)
    assert numbers(second) == set(made[:3])  # newest first: the three oldest are on the second page
    newer = html.unescape(re.search(r'href="([^"]*before=[^"]*)"[^>]*rel="prev"', second.get_data(as_text=True))
                          .group(1))
    assert numbers(client.get(newer)) == numbers(first)
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_ledger_total_is_capped_for_huge_results(client, city, app, new_case, monkeypatch):
    from portal.domain import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 3)
    for _ in range(5):
        new_case()
    client.login("dispatcher")
    text = client.get("/staff/ledger").get_data(as_text=True)
    assert "3" in text and ("More than" in text or "超过" in text)
    assert len(numbers(client.get("/staff/ledger"))) == 5


def test_a_malformed_cursor_shows_the_first_page(client, city, app, new_case):
    new_case()
    client.login("dispatcher")
    for bad in ("after=nonsense", "before=1.2.3", "after=99999999999999999999999.1"):
        response = client.get(f"/staff/ledger?{bad}")
        assert response.status_code == 200 and len(numbers(response)) == 1


def test_ledger_needs_sign_in(client, city):
    assert client.get("/staff/ledger").status_code == 302
    assert client.get("/staff/ledger/export.csv").status_code == 302


def test_overdue_rule(app):
    now = datetime(2025, 3, 10, tzinfo=timezone.utc)
    due = now - timedelta(days=1)
    overdue = ledger.is_overdue
    assert overdue("handling", due, None, None, None, now)  # still being handled past the deadline
    assert not overdue("handling", now + timedelta(days=1), None, None, None, now)
    assert overdue("closed", due, due + timedelta(hours=1), None, due + timedelta(days=2), now)  # replied late
    assert not overdue("closed", due, due - timedelta(hours=1), None, now, now)  # replied in time
    assert not overdue("replied", due, None, due - timedelta(hours=2), None, now)  # approved reply drafted in time
    assert overdue("replied", due, None, due + timedelta(hours=2), None, now)
    assert not overdue("submitted", None, None, None, None, now)
    # waiting in the dissatisfied zone: no light (re-handling sets a fresh deadline)
    with app.app_context():
        assert deadlines.LightBounds.at(now).light_of(Case(state="dissatisfied", due_at=due)) is None


def test_an_assigned_case_has_the_same_light_in_the_queue_and_the_ledger(client, city, app, new_case):
    """Not yet signed for: the light follows the sign-for deadline in the unit's queue AND in the ledger, so one
    case is never red in one view and green in the other."""
    now = datetime.now(timezone.utc)
    case_id, number = new_case(unit="cgj")
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.sign_due_at = now - timedelta(hours=1)  # sign-for deadline passed
        case.due_at = now + timedelta(days=40)  # handling deadline far away
        db.session.commit()
    client.login("handler")
    assert number in numbers(client.get("/staff/ledger?light=red"))
    assert number not in numbers(client.get("/staff/ledger?light=green"))
    queue = client.get("/staff/unit?tab=sign").get_data(as_text=True)
    row = queue[queue.index(number):]
    row = row[:row.index("</tr>")]
    assert "light-red" in row
