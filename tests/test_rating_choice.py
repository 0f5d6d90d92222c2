"""The citizen chooses: no rating is pre-selected (case and salon), and a rating sent without a choice is refused
with a clear message (422) and records nothing."""
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, CaseEvent, Suggestion
from tests.helpers import PortalClient, answer_case, released_case


def selected_options(page: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option selected value="([^"]*)"', select_html) + \
        re.findall(r'<option value="([^"]*)" selected', select_html)


def first_option(page: str, name: str) -> str:
    """What a browser shows chosen when nothing is selected: the first option."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option[^>]*value="([^"]*)"', select_html).group(1)


def evaluations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.action == "evaluate"))


def test_case_rating_has_no_default_and_needs_a_choice(app, city, make_case):
    case_id, number, code = released_case(app, city, make_case)
    citizen = PortalClient(app.test_client())
    citizen.get("/lang/en")
    citizen.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track")
    page = citizen.get(f"/track/{number}").get_data(as_text=True)
    assert selected_options(page, "satisfaction") in ([], [""]) and selected_options(page, "resolution") in ([], [""])
    assert first_option(page, "satisfaction") == "" and first_option(page, "resolution") == ""
    for data in ({"resolution": "resolved", "comment": ""}, {"resolution": "resolved", "satisfaction": ""},
                 {"satisfaction": "satisfied", "resolution": ""}):
        for htmx in (False, True):
            r = citizen.post(f"/track/{number}/evaluate", data, csrf_from=f"/track/{number}", htmx=htmx)
            assert r.status_code == 422
            body = r.get_data(as_text=True)
            assert "Choose how satisfied you are." in body or "Choose whether your problem was resolved." in body
    assert evaluations(app) == 0
    with app.app_context():
        assert db.session.get(Case, case_id).state == "awaiting_evaluation"


def test_salon_rating_has_no_default_and_needs_a_choice(app, city, triaged_salon):
    answer_case(app, triaged_salon["case"])
    with app.app_context():
        code = db.session.get(Suggestion, triaged_salon["suggestions"][0]).rating_code
    raiser = PortalClient(app.test_client())
    raiser.get("/lang/en")
    link = f"/salons/rate/{code}"
    page = raiser.get(link).get_data(as_text=True)
    assert selected_options(page, "satisfaction") in ([], [""]) and first_option(page, "satisfaction") == ""
    r = raiser.post(link, {"comment": "还行"}, csrf_from=link)
    assert r.status_code == 422 and "Choose how satisfied you are." in r.get_data(as_text=True)
    assert evaluations(app) == 0
    with app.app_context():
        assert db.session.get(Suggestion, triaged_salon["suggestions"][0]).satisfaction is None
