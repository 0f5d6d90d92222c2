"""Production serving pieces: /healthz, the client address from one trusted proxy only, per-request profiling."""
import logging

from portal import create_app
from portal.web.guard import TrustedProxyFix


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_forwarded_address_is_believed_from_the_trusted_proxy_only():
    seen = []

    def app(environ, start_response):
        seen.append(environ["REMOTE_ADDR"])
        start_response("200 OK", [])
        return [b""]

    wrapped = TrustedProxyFix(app, {"10.0.0.5"})
    for remote in ("10.0.0.5", "203.0.113.9"):
        wrapped({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": "198.51.100.7", "wsgi.url_scheme": "http",
                 "HTTP_HOST": "portal", "SERVER_NAME": "portal", "SERVER_PORT": "80"}, lambda *a: None)
    assert seen == ["198.51.100.7", "203.0.113.9"]  # a direct caller cannot choose its address


def test_profile_requests_logs_statements_and_time(app, city):
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Collect()
    logging.getLogger("portal.profile").addHandler(handler)
    try:
        profiled = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "UPLOAD_DIR")},
                               "TESTING": True, "PROFILE_REQUESTS": True})
        assert profiled.test_client().get("/").status_code == 200
    finally:
        logging.getLogger("portal.profile").removeHandler(handler)
    line = next(m for m in records if m.startswith("profile GET / "))
    assert line.startswith("profile GET / 200:") and "statements" in line
