"""Object-level authorization: changing an id in a URL never reaches another unit's or platform's case.
Generated from the route map: every route that takes a case id (and every method it answers) is requested by
a user of another unit / platform with the id of a case that is not theirs."""
from authz_policy import ACCOUNTS
from security_world import build_world
from test_authz_matrix import build_url, route_params

# (role, the case id it must not reach)
INTRUDERS = [("handler_b", "case_a"), ("dispatcher_sub", "case_a"), ("handler_a", "case_b"),
             ("unit_lead", "case_b")]


def case_routes(app):
    return [(rule, method) for rule in app.url_map.iter_rules() if "case_id" in rule.arguments
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_a_case_id_of_another_unit_or_platform_is_refused_on_every_route(app):
    from tests.helpers import PortalClient

    world = build_world(app)
    reached = []
    routes = case_routes(app)
    assert len(routes) >= 6
    for role, target in INTRUDERS:
        client = PortalClient(app.test_client())
        client.login(ACCOUNTS[role])
        token = client.csrf("/login")
        for rule, method in routes:
            params = route_params(world, rule.endpoint)
            params["case_id"] = world[target]
            url = build_url(rule, params)
            response = client.client.open(url, method=method, data={"csrf_token": token} if method != "GET" else None)
            body = response.get_data(as_text=True)
            if response.status_code not in (403, 404) or world[f"{target}_no"] in body:
                reached.append(f"{role} reached {target}: {method} {url}: {response.status_code}")
    assert not reached, reached


def test_ids_of_other_cases_photos_and_orders(app, client):
    from tests.helpers import PortalClient

    world = build_world(app)
    client.login("handler")
    # case A is the handler's; the citizen's photo belongs to another case: the pair does not match
    assert client.get(f"/staff/cases/{world['case_a']}/photos/{world['citizen_photo']}").status_code == 404
    assert client.get(f"/staff/cases/{world['case_a']}/photos/{world['photo_a']}").status_code == 200

    # a citizen: the tracking number of another case, a photo of another case
    client = PortalClient(app.test_client())
    response = client.post("/track", {"tracking_no": world["citizen_tracking_no"], "query_code": world["citizen_code"]})
    assert response.status_code == 303
    assert client.get(f"/track/{world['citizen_tracking_no']}").status_code == 200
    # the same session, another case's number, or the citizen's number with another case's photo
    assert client.get(f"/track/{world['case_a_no']}").status_code == 404
    assert client.get(f"/track/{world['citizen_tracking_no']}/photos/{world['photo_a']}").status_code == 404
    token = client.csrf("/submit")
    assert client.client.post(f"/track/{world['case_a_no']}/evaluate",
                              data={"csrf_token": token, "rating": "satisfied"}).status_code == 404

    # unit B's handler: unit A's supervision order
    client = PortalClient(app.test_client())
    from portal.extensions import db
    from portal.models import SupervisionOrder

    with app.app_context():
        before = db.session.get(SupervisionOrder, world["order_id"]).answer
    client.login("handler_yz")
    response = client.post(f"/staff/supervision/orders/{world['order_id']}/answer", {"answer": "已办结。"},
                           csrf_from="/login")
    assert response.status_code in (403, 404)
    with app.app_context():
        assert db.session.get(SupervisionOrder, world["order_id"]).answer == before
