"""What serving in production needs from the application (the trusted proxy is `guard.trust_proxies`):
`/healthz` for load balancers (no database, no session, no template: it only says the process answers), and,
with the setting PROFILE_REQUESTS = True, one log line per request with its SQL statement count and time and the
rest (templates, Python) — the way to find where a slow page spends its time:

    profile GET /staff/ledger 200: 48.1 ms, 7 statements 12.4 ms (slowest 6.0 ms), other 35.7 ms
"""
import logging
import time

from flask import Flask, Response, g, request
from sqlalchemy import event

profile_log = logging.getLogger("portal.profile")


def register(app: Flask) -> None:
    if app.config.get("PROFILE_REQUESTS"):
        _profile_requests(app)

    @app.get("/healthz")
    def healthz():
        return Response("ok", mimetype="text/plain", headers={"Cache-Control": "no-store"})


def _profile_requests(app: Flask) -> None:
    from portal.extensions import db

    profile_log.setLevel(logging.INFO)
    profile_log.disabled = False  # alembic's fileConfig (flask db upgrade in-process) disables existing loggers
    if not profile_log.handlers:
        profile_log.addHandler(logging.StreamHandler())
    registered = []

    @app.before_request
    def start():
        if not registered:
            engine = db.engine
            event.listen(engine, "before_cursor_execute", _before)
            event.listen(engine, "after_cursor_execute", _after)
            registered.append(engine)
        g.profile = {"start": time.perf_counter(), "n": 0, "sql": 0.0, "slowest": 0.0}

    @app.after_request
    def report(response):
        p = g.pop("profile", None)
        if p is not None:
            total = (time.perf_counter() - p["start"]) * 1000
            profile_log.info("profile %s %s %s: %.1f ms, %d statements %.1f ms (slowest %.1f ms), other %.1f ms",
                             request.method, request.full_path.rstrip("?"), response.status_code, total, p["n"],
                             p["sql"] * 1000, p["slowest"] * 1000, total - p["sql"] * 1000)
        return response


def _before(conn, cursor, statement, parameters, context, executemany):
    conn.info.setdefault("profile_started", []).append(time.perf_counter())


def _after(conn, cursor, statement, parameters, context, executemany):
    started = conn.info.get("profile_started", [])
    if not started:
        return
    elapsed = time.perf_counter() - started.pop()
    try:
        p = g.get("profile")
    except RuntimeError:  # outside a request (commands)
        return
    if p is not None:
        p["n"] += 1
        p["sql"] += elapsed
        p["slowest"] = max(p["slowest"], elapsed)
