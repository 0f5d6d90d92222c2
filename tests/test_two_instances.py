"""The app is stateless: two gunicorn instances (separate processes, the repository's gunicorn.conf.py) on two
ports, on the same database and the same Redis, behave as one: a session made on A works on B, a rate limit
counted on A applies on B, a statistic cached by A is served by B, and an htmx step works across both."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case
from tests.helpers import POSTGRES_URL

redis = pytest.importorskip("redis")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
ROOT = Path(__file__).resolve().parent.parent


def _redis_or_skip():
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
        return client
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One gunicorn process serving wsgi:app."""

    def __init__(self, database_url: str):
        self.port = _free_port()
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=REDIS_URL, SECRET_KEY="two-instances-secret",
                   PORTAL_BIND=f"127.0.0.1:{self.port}", PORTAL_WORKERS="1", PORTAL_THREADS="1",
                   PORTAL_ACCESS_LOG="", PORTAL_LOG_LEVEL="warning")
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                      "wsgi:app"], cwd=ROOT, env=env)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, session):
        for _ in range(150):
            try:
                if session.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.1)
        raise RuntimeError("instance did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)


@pytest.fixture
def two_instances(app, city):
    requests = pytest.importorskip("requests")
    store = _redis_or_skip()
    store.flushdb()  # this suite's own Redis database: limits and cache start empty
    url = str(app.config["SQLALCHEMY_DATABASE_URI"]).replace("postgresql+psycopg://", "postgresql://")
    if POSTGRES_URL:
        url = POSTGRES_URL
    a, b = Instance(url), Instance(url)
    try:
        probe = requests.Session()
        a.wait(probe)
        b.wait(probe)
        yield a, b, requests.Session()
    finally:
        a.stop()
        b.stop()
        store.flushdb()


def csrf(session, url: str) -> str:
    page = session.get(url).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_session_made_on_a_works_on_b(two_instances):
    a, b, browser = two_instances
    response = browser.post(a.base + "/login", data={"csrf_token": csrf(browser, a.base + "/login"),
                                                      "username": "dispatcher", "password": "demo12345"},
                             allow_redirects=False)
    assert response.status_code == 303
    on_b = browser.get(b.base + "/staff/queue", allow_redirects=False)
    assert on_b.status_code == 200 and "/logout" in on_b.text


def test_rate_limit_counted_on_a_applies_on_b(two_instances):
    a, b, browser = two_instances
    token = csrf(browser, a.base + "/track")
    wrong = {"csrf_token": token, "tracking_no": "FY20260101000001", "query_code": "000000"}
    statuses = [browser.post((a if i % 2 else b).base + "/track", data=wrong).status_code for i in range(10)]
    assert 429 not in statuses  # 10 per minute, five on each instance
    assert browser.post(b.base + "/track", data=wrong).status_code == 429
    assert browser.post(a.base + "/track", data=wrong).status_code == 429


def test_statistic_cached_by_a_is_served_by_b(two_instances, make_case):
    a, b, browser = two_instances
    make_case(title="统计前的件")
    first = browser.get(a.base + "/stats/summary.csv")
    assert first.status_code == 200
    make_case(title="统计后的件")  # B computing afresh would count two cases
    assert browser.get(b.base + "/stats/summary.csv").text == first.text


def test_htmx_step_across_instances(two_instances, app, make_case):
    a, b, browser = two_instances
    case_id, _number, _code = make_case(title="跨实例受理")
    browser.post(a.base + "/login", data={"csrf_token": csrf(browser, a.base + "/login"),
                                          "username": "dispatcher", "password": "demo12345"})
    page = browser.get(a.base + f"/staff/cases/{case_id}").text
    token = re.search(r'name="accept-csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    version = re.search(r'name="accept-version" type="hidden" value="(\d+)"', page).group(1)
    data = {"accept-csrf_token": token.group(1), "csrf_token": token.group(1), "accept-version": version}
    response = browser.post(b.base + f"/staff/cases/{case_id}/step/accept", data=data,
                            headers={"HX-Request": "true"}, allow_redirects=False)
    assert response.status_code in (200, 204, 303), response.text[:300]
    assert response.status_code != 204 or response.headers.get("HX-Redirect")
    with app.app_context():
        assert db.session.scalar(select(Case.state).where(Case.id == case_id)) == "accepted"
