"""The web layer's defences in one place: the secret key check, trusted proxies, bounded URL converters, the one
parser for query/form parameters (bad values answer 400/404, never 500), safe redirect targets, security headers.
"""
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter

from portal.domain import lookups

DEV_SECRET_KEY = "dev-only-change-me"  # what older configs and tutorials used: never accepted outside development  # nosec B105 - the refused key, named to refuse it
DB_INT_MAX = lookups.ID_MAX  # the largest id or number a parameter may carry (PostgreSQL integer)
parse_int = lookups.parse_id  # an integer in ASCII digits within [low, high], else None
KEY_HELP = ('Set SECRET_KEY to a long random value, for example the output of\n'
            '    python -c "import secrets; print(secrets.token_hex(32))"\n'
            "in the environment or in instance/config.py. For local development run `make run`, which keeps a "
            "random key in instance/dev-secret-key.")


class InsecureConfiguration(RuntimeError):
    """The app refuses to start: the message says what to change."""


# ---------------------------------------------------------------------------------------------- secret key
def is_development(app: Flask) -> bool:
    return bool(app.debug or app.testing or os.environ.get("PORTAL_ENV") == "development")


def ensure_secret_key(app: Flask) -> None:
    """Outside debug, testing and `PORTAL_ENV=development`, refuse to start without a real key. In development a
    random key is made once and kept in instance/dev-secret-key, so sessions survive restarts."""
    key = app.config.get("SECRET_KEY")
    weak = not key or key == DEV_SECRET_KEY or len(str(key)) < 16
    if not weak:
        return
    if not is_development(app):
        raise InsecureConfiguration("SECRET_KEY is missing or is the built-in development key, so anyone could "
                                    "forge a session. " + KEY_HELP)
    if app.testing and key:
        return
    path = Path(app.instance_path) / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


# ---------------------------------------------------------------------------------------------- proxies
class TrustedProxyFix:
    """Apply ProxyFix (one hop of X-Forwarded-For/-Proto/-Host) only to requests that come from the trusted proxy's
    address; anyone else talking to the server directly cannot choose their address by sending the header."""

    def __init__(self, wsgi_app, trusted: set[str]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)
        self.trusted = trusted

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)


def trust_proxies(app: Flask) -> None:
    """Forwarded headers count only when the ONE trusted reverse proxy (setting TRUSTED_PROXY: its address, or a
    comma-separated few; default none: direct connections) sets them. Then `request.remote_addr` is the real client
    everywhere (rate limits, contact-view log, session binding)."""
    trusted = {ip.strip() for ip in str(app.config.get("TRUSTED_PROXY") or "").split(",") if ip.strip()}
    if trusted and "*" not in trusted:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, trusted)


def client_address() -> str:
    """The client's address for rate limits and logs (after the trusted-proxy fix; never a raw header)."""
    return request.remote_addr or "unknown"


def session_identifier() -> str:
    """Flask-Login's "strong" session binding from the real client address (never X-Forwarded-For) and agent."""
    from hashlib import sha512

    base = f"{client_address()}|{request.headers.get('User-Agent', '')}"
    return sha512(base.encode("utf8")).hexdigest()


# ---------------------------------------------------------------------------------------------- parameters
class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches ASCII digits only and at most DB_INT_MAX: anything else is a 404, not a 500."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=DB_INT_MAX if max is None else max,
                         signed=signed)


class NulFreeMultiDict(ImmutableMultiDict):
    """Query and form parameters with NUL characters dropped as they are parsed (PostgreSQL text cannot hold them:
    a NUL anywhere in a parameter used to answer 500 on PostgreSQL). Form fields' `strip` did this per field."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(key.replace("\x00", "") if isinstance(key, str) else key,
                        value.replace("\x00", "") if isinstance(value, str) else value)
                       for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


def refuse_nul_in_path(endpoint, values) -> None:
    """A NUL in a path parameter (`/track/%00`) names nothing: 404."""
    if values and any(isinstance(value, str) and "\x00" in value for value in values.values()):
        abort(404)


def arg_int(name: str, default: int | None = None, low: int = 0, high: int = DB_INT_MAX,
            source=None) -> int | None:
    """A query (or form) parameter as a bounded integer: missing gives `default`, anything malformed a 400."""
    values = request.args if source is None else source
    raw = values.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    value = parse_int(raw, low, high)
    if value is None:
        abort(400)
    return value


def page_arg(name: str = "page") -> int:
    """The page number of a list: 1..1,000,000; anything else answers 400."""
    return arg_int(name, 1, 1, 1_000_000)


def arg_choice(name: str, choices, default=None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        abort(400)
    return raw


# ---------------------------------------------------------------------------------------------- redirects
def safe_redirect_target(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback`.

    Refuses what browsers would take to another host: schemes (`http:evil`, `javascript:`), protocol-relative
    `//evil`, backslashes (`/\\evil`, `\\\\evil`), control characters and whitespace (tabs and newlines are dropped
    by browsers), userinfo, and percent-encoded versions of all of these (`/%2F%2Fevil`)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return fallback
    decoded = target
    for _ in range(3):  # doubly encoded tricks decode further in some proxies and browsers
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        if any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in candidate):
            return fallback
        if not candidate.startswith("/") or candidate.startswith("//"):
            return fallback
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return fallback
    return target


def public_url(endpoint: str, **values) -> str:
    """An absolute address for feeds, discovery documents and links sent out: PUBLIC_BASE_URL + the path. The
    request's Host header is never used (anyone can send any Host)."""
    from flask import current_app, url_for

    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + url_for(endpoint, **values)


# ---------------------------------------------------------------------------------------------- headers
# Scripts: only our own files (no inline script, no eval: htmx runs with allowEval false). Styles: inline allowed
# because the statistics charts are inline SVG carrying their own <style>; a style cannot run code.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    headers["Server"] = "portal"  # never the framework's and Python's versions
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly, or through the trusted proxy's
    X-Forwarded-Proto), not only when PREFERRED_URL_SCHEME says https; SESSION_COOKIE_SECURE=0/1 still decides."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("SESSION_COOKIE_SECURE")
        if configured is None:
            return has_request_context() and request.is_secure
        return bool(configured)


def register(app: Flask) -> None:
    # the request class the extensions chose (htmx's), parsing parameters without NUL characters
    app.request_class = type("PortalRequest", (app.request_class,), {"parameter_storage_class": NulFreeMultiDict})
    app.url_value_preprocessor(refuse_nul_in_path)
    app.session_interface = SessionInterface()
    app.after_request(security_headers)
    if app.config.get("PREFERRED_URL_SCHEME") == "https" and app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
