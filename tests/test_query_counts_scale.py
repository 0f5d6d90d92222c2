"""Every page the city-scale benchmark measures (scripts/bench/run.py) runs a fixed number of SQL statements:
the same with a handful of cases as with many more, on the first page as on a deeper one, for reads and for
intake POSTs alike. (A statement per row is what makes a page slow at ten million cases.)"""
import html
import re

import pytest

from portal.blueprints.cases import staff as staff_views
from portal.domain import apikeys, ledger
from portal.extensions import db
from tests.helpers import PortalClient, answer, as_user, case_form, make_assigned

LEAF = "cxjs-1-1"


def grow(app, city, make_case, n):
    """n assigned cases, n new ones and n answered (published) ones."""
    make_assigned(app, city, make_case, n)
    for i in range(n):
        make_case(title=f"新件{i}")
        answer(app, city, make_case(title=f"已答复{i}")[0])


def older_link(text: str) -> str:
    return html.unescape(re.search(r'href="([^"]*after=[^"]*)"[^>]*rel="next"', text).group(1))


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(ledger, "PAGE_SIZE", 2)
    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)


def test_benchmark_pages_run_a_fixed_number_of_statements(app, city, make_case, count_queries, small_pages):
    grow(app, city, make_case, 2)
    tracked_id, number, code = make_case(title="市民跟踪的件")
    answer(app, city, tracked_id)
    citizen = PortalClient(app.test_client())
    citizen.post("/track", {"tracking_no": number, "query_code": code})
    anonymous = PortalClient(app.test_client())
    dispatcher, handler = as_user(app, "dispatcher"), as_user(app, "handler")
    county = city["county"]
    pages = {
        "tracked case": (citizen, lambda: f"/track/{number}"),
        "home": (anonymous, lambda: "/"),
        "echo wall": (anonymous, lambda: "/echo"),
        "statistics": (anonymous, lambda: "/stats"),
        "open311": (anonymous, lambda: "/open311/v2/requests.json"),
        "open311 filtered": (anonymous, lambda: f"/open311/v2/requests.json?service_code={LEAF}&status=open"),
        "dispatcher queue": (dispatcher, lambda: "/staff/queue?tab=new"),
        "dispatcher assign tab": (dispatcher, lambda: "/staff/queue?tab=assign"),
        "unit queue": (handler, lambda: "/staff/unit?tab=sign"),
        "ledger": (dispatcher, lambda: "/staff/ledger"),
        "ledger filtered": (dispatcher, lambda: f"/staff/ledger?state=assigned&county={county}"),
        "ledger deeper": (dispatcher, lambda: older_link(dispatcher.get("/staff/ledger").get_data(as_text=True))),
        "staff case list": (dispatcher, lambda: "/staff/cases"),
        "staff case list deeper": (dispatcher,
                                   lambda: older_link(dispatcher.get("/staff/cases").get_data(as_text=True))),
        "staff case page": (dispatcher, lambda: f"/staff/cases/{tracked_id}"),
    }

    def measure() -> dict:
        counts = {}
        for name, (client, path) in pages.items():
            url = path()
            response = client.get(url)  # warm-up: per-process caches
            assert response.status_code == 200, (name, url, response.status_code)
            counts[name] = count_queries(lambda client=client, url=url: client.get(url))
        return counts

    few = measure()
    grow(app, city, make_case, 6)
    many = measure()
    assert many == few, (few, many)
    assert all(n > 0 for n in few.values())


def test_intake_posts_run_a_fixed_number_of_statements(app, city, make_case, count_queries):
    with app.app_context():
        key = apikeys.create("热线系统", "hotline", None).secret
        db.session.commit()
    citizen = PortalClient(app.test_client())
    api = app.test_client()
    filing = {"api_key": key, "service_code": LEAF, "lat": "32.890100", "long": "115.814200",
              "attribute[county]": "yingzhou", "attribute[publish]": "yes", "first_name": "三丰", "last_name": "张",
              "description": "人民路88号门前路面有一个大坑，雨天积水，行人容易摔倒。", "phone": "13812345678"}

    def post_citizen(i):
        data = case_form(city, title=f"人民路路灯不亮{i}")
        data["csrf_token"] = citizen.csrf("/submit")
        return count_queries(lambda: citizen.client.post("/submit", data=data))

    def post_open311(i):
        return count_queries(lambda: api.post("/open311/v2/requests.json", data={
            **filing, "description": f"第{i}号：人民路88号门前路面有一个大坑，雨天积水。"}))

    first = (post_citizen(0), post_open311(0))
    first = (post_citizen(1), post_open311(1))  # the second of each: per-process caches are warm
    grow(app, city, make_case, 4)
    assert (post_citizen(2), post_open311(2)) == first
