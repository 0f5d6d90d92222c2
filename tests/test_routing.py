"""The routing table pre-fills the dispatcher's choice of unit; admins maintain it."""
import re

from portal.extensions import db
from portal.models import RoutingRule
from tests.helpers import as_user, step


def suggested(app, dispatcher, case_id):
    page = dispatcher.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    return int(re.search(r'id="assign-unit_id".*?<option [^>]*\bselected value="(\d+)"', page, re.S).group(1))


def test_most_specific_rule_wins_and_admin_can_change_it(app, city, make_case):
    case_id, _, _ = make_case()  # 城乡建设 › 道路设施 › 路面破损 in 颍州区
    dispatcher = as_user(app, "dispatcher")
    step(dispatcher, case_id, "accept")
    assert suggested(app, dispatcher, case_id) == city["units"]["gov-yingzhou"]  # county rule beats city-wide
    admin = as_user(app, "admin")
    assert admin.get("/admin/routing").status_code == 200
    r = admin.post("/admin/routing", {"category_id": city["leaf"], "county_id": "", "unit_id": city["units"]["jtj"]},
                   csrf_from="/admin/routing")
    assert r.status_code == 303
    assert suggested(app, dispatcher, case_id) == city["units"]["jtj"]  # a leaf rule beats level-1 rules
    r = admin.post("/admin/routing", {"category_id": city["leaf"], "county_id": "", "unit_id": city["units"]["cgj"]},
                   csrf_from="/admin/routing")
    with app.app_context():
        assert db.session.query(RoutingRule).filter_by(category_id=city["leaf"]).count() == 1  # replaced
        rule_id = db.session.query(RoutingRule).filter_by(category_id=city["leaf"]).one().id
    assert suggested(app, dispatcher, case_id) == city["units"]["cgj"]
    admin.post("/admin/routing/delete", {"rule_id": rule_id}, csrf_from="/admin/routing")
    assert suggested(app, dispatcher, case_id) == city["units"]["gov-yingzhou"]


def test_routing_admin_is_for_admins_only(app, city):
    assert as_user(app, "dispatcher").get("/admin/routing").status_code == 403
    r = as_user(app, "admin").post("/admin/routing", {"category_id": "", "unit_id": ""}, csrf_from="/admin/routing")
    assert r.status_code == 422
