"""Retired units, regions and categories stay on old cases and in the figures' history, and leave every choice
offered for new work: the citizen's and the operator's forms, assigning, routing rules, supervision orders, salons,
the Open311 service list and requests."""
import pytest

from portal.domain import metrics, workflow
from portal.extensions import db
from portal.models import Case, Category, Region, Unit, User
from portal.models.base import utcnow
from tests.helpers import as_user, case_form

RETIRED_UNIT, RETIRED_COUNTY, RETIRED_TOWN = "退役测试局", "退役测试县", "退役测试镇"
RETIRED_LEAF = "退役测试事项"


@pytest.fixture
def retired(app, city):
    """One of each, retired; plus a case received before, still carrying them."""
    from portal.domain import intake

    with app.app_context():
        leaf = db.session.get(Category, city["leaf"])
        cgj = db.session.get(Unit, city["units"]["cgj"])
        old_leaf = Category(code="retired-leaf", name_zh=RETIRED_LEAF, name_en="Retired issue",
                            parent_id=leaf.parent_id, level=3, sort=99)
        county = Region(code="retired-county", name_zh=RETIRED_COUNTY, name_en="", sort=99)
        db.session.add_all([old_leaf, county])
        db.session.flush()
        town = Region(code="retired-town", name_zh=RETIRED_TOWN, name_en="", parent_id=city["county"], sort=99)
        unit = Unit(code="retired-unit", name_zh=RETIRED_UNIT, name_en="", kind="city_department",
                    ranking_group="city_department", platform_id=cgj.platform_id)
        db.session.add_all([town, unit])
        db.session.flush()
        case, _code = intake.receive(intake.Submission(
            category_id=old_leaf.id, county_id=city["county"], town_id=town.id, address="老地址1号", title="旧的诉求",
            description="这是退役之前收到的诉求，仍然显示。", citizen_name="王五", citizen_phone="13812340000"))
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        workflow.accept(case, dispatcher)
        workflow.assign(case, dispatcher, unit, "general")
        for obj in (old_leaf, county, town, unit):
            obj.retired_at = utcnow()
        db.session.commit()
        return {"leaf": old_leaf.id, "county": county.id, "town": town.id, "unit": unit.id, "case": case.id}


def test_public_and_operator_forms_leave_retired_choices_out(app, client, city, retired):
    submit = client.get("/submit").get_data(as_text=True)
    assert RETIRED_COUNTY not in submit
    with app.app_context():
        parent = db.session.get(Category, retired["leaf"]).parent_id
        top = db.session.get(Category, parent).parent_id
    options = client.get(f"/submit/options?category_l1={top}&category_l2={parent}&county_id={city['county']}",
                         htmx=True).get_data(as_text=True)
    assert RETIRED_LEAF not in options and RETIRED_TOWN not in options
    response = client.post("/submit", case_form(city, category_l1=top, category_l2=parent,
                                                 category_id=retired["leaf"]))
    assert response.status_code == 422
    response = client.post("/submit", case_form(city, town_id=retired["town"]))
    assert response.status_code == 422
    operator = as_user(app, "operator")
    page = operator.get("/staff/intake").get_data(as_text=True)
    assert RETIRED_COUNTY not in page


def test_staff_choices_leave_retired_units_out(app, city, make_case, retired):
    case_id = make_case()[0]
    with app.app_context():
        case = db.session.get(Case, case_id)
        workflow.accept(case, db.session.get(User, city["users"]["dispatcher"]))
        db.session.commit()
    dispatcher = as_user(app, "dispatcher")
    assert RETIRED_UNIT not in dispatcher.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    from tests.helpers import step

    response = step(dispatcher, case_id, "assign", {"unit_id": retired["unit"], "priority": "general"})
    assert response.status_code in (409, 422)
    with app.app_context():
        assert db.session.get(Case, case_id).state == "accepted"
    admin = as_user(app, "admin")
    routing = admin.get("/admin/routing").get_data(as_text=True)
    assert RETIRED_UNIT not in routing and RETIRED_LEAF not in routing and RETIRED_COUNTY not in routing
    assert RETIRED_UNIT not in as_user(app, "supervisor").get("/staff/supervision/orders").get_data(as_text=True)
    salon = as_user(app, "organizer").get("/staff/salons/new").get_data(as_text=True)
    assert RETIRED_UNIT not in salon and RETIRED_LEAF not in salon and RETIRED_COUNTY not in salon
    users = admin.get("/admin/users/new").get_data(as_text=True)
    assert RETIRED_UNIT not in users


def test_open311_lists_and_accepts_no_retired_category(app, client, city, retired):
    services = client.get("/open311/v2/services.json").get_json()
    assert "retired-leaf" not in {s["service_code"] for s in services}
    assert client.get("/open311/v2/services/retired-leaf.json").status_code == 404


def test_old_cases_keep_their_retired_references_and_figures(app, city, retired):
    dispatcher = as_user(app, "dispatcher")
    page = dispatcher.get(f"/staff/cases/{retired['case']}").get_data(as_text=True)
    assert RETIRED_LEAF in page and RETIRED_TOWN in page and RETIRED_UNIT in page
    with app.test_request_context():
        today = metrics.calendar.local_day(utcnow())
        figures = metrics.unit_metrics(today.replace(day=1), today)
        assert figures[retired["unit"]].volume == 1
    assert RETIRED_LEAF in as_user(app, "admin").get("/admin/organisation/categories").get_data(as_text=True)
