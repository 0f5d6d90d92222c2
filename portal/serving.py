"""What serving in production needs from the application: the client address behind ONE trusted reverse proxy,
and `/healthz` for load balancers (no database, no session, no template: it only says the process answers)."""
from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """Apply ProxyFix (one hop of X-Forwarded-For/-Proto/-Host) only to requests that come from the trusted proxy's
    address; anyone else talking to the server directly cannot choose their address by sending the header."""

    def __init__(self, wsgi_app, trusted: set[str]):
        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)
        self.trusted = trusted

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)


def register(app: Flask) -> None:
    trusted = {ip.strip() for ip in str(app.config.get("TRUSTED_PROXY") or "").split(",") if ip.strip()}
    if trusted and "*" not in trusted:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, trusted)

    @app.get("/healthz")
    def healthz():
        return Response("ok", mimetype="text/plain", headers={"Cache-Control": "no-store"})
