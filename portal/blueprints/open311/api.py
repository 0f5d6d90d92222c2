"""Open311 GeoReport v2 server at /open311/v2/: parse the URL, call `portal.domain.open311`, answer in JSON or
XML. The rules (what is public, how a POST becomes a case, filters, statuses) are documented in the domain module.

- Formats by extension: `.json` (application/json, lists are arrays) and `.xml` (text/xml, UTF-8, with an XML
  declaration; a list is a wrapper element holding one element per item: services/service,
  service_requests/request, errors/error, service_requests_updates/request_update).
- Every error under this prefix, 404 and 429 included, is the spec's list of {code, description}.
- POST requests.{fmt} is CSRF-exempt (API clients have no session; they authenticate with api_key) and
  rate-limited per key with the shared limiter: OPEN311_POST_RATE_LIMIT (default 30 per minute) counted per key
  prefix for a valid key, per client address otherwise (so guessing keys is throttled too, and nobody can use up
  a real key's allowance by sending its prefix with a wrong secret).
- The OpenAPI 3 description of all this is served at /open311/v2/openapi.json (`portal/blueprints/open311/openapi.py`).
"""
import re
import xml.etree.ElementTree as ET  # nosec B405 - only builds and serialises our own XML, never parses input
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from portal.blueprints.open311 import openapi as open311_openapi
from portal.domain import apikeys, open311
from portal.domain.open311 import FORMATS, Open311Error
from portal.extensions import csrf, db, limiter
from portal.web import submit_once
from portal.web.guard import public_url

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

DEFAULT_POST_RATE_LIMIT = "30 per minute"
LIST_ITEMS = {
    "services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
    "values": "value", "endpoints": "endpoint", "formats": "format", "service_requests_updates": "request_update",
}
XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---- rendering ----------------------------------------------------------------------------------------------

def _fill(element: ET.Element, name: str, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list):
        item_name = LIST_ITEMS[name]
        for item in value:
            _fill(ET.SubElement(element, item_name), item_name, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = XML_UNSAFE.sub("", str(value))


def xml_document(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def respond(fmt: str, root: str, data, status: int = 200) -> Response:
    if fmt == "xml":
        response = Response(xml_document(root, data), status, mimetype="text/xml")
    else:
        response = Response(current_app.json.dumps(data, ensure_ascii=False), status,
                            content_type="application/json; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, f"Format .{fmt} is not served: use .json or .xml.")
    return fmt


def _request_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def error_response(err: Open311Error) -> Response:
    return respond(_request_format(), "errors", err.errors, err.status)


@bp.errorhandler(Open311Error)
def open311_error(err: Open311Error):
    db.session.rollback()
    return error_response(err)


HTTP_DESCRIPTIONS = {
    400: "The request could not be understood.",
    403: "Not allowed.",
    404: "Nothing here: see discovery.json for the endpoints.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
    429: "Too many requests with this api_key (or from this address without a valid key): at most %s. "
         "Wait and retry.",
    500: "The server could not complete the request. Nothing was saved; retry in a moment.",
}


def http_error(err):
    """Any error under /open311/ as the spec's error list (JSON or XML); also used by the app's error handlers for
    errors found before a blueprint is chosen (405, 413)."""
    status = err.code if isinstance(err, HTTPException) and err.code else 500
    if status >= 500:
        current_app.logger.exception("Open311 request failed")
    db.session.rollback()
    description = HTTP_DESCRIPTIONS.get(status) or f"{err.name}."
    if status == 429:
        description %= getattr(err, "description", "") or post_rate_limit()
    response = error_response(Open311Error(status, description))
    if isinstance(err, HTTPException) and status == 405:
        response.headers["Allow"] = ", ".join(err.valid_methods or ())
    return response


# The app has handlers per status code (HTML pages); a blueprint handler per code wins over them here.
for _code in HTTP_DESCRIPTIONS:
    bp.register_error_handler(_code, http_error)
bp.register_error_handler(Exception, http_error)


# ---- rate limit per key -------------------------------------------------------------------------------------

def post_rate_limit() -> str:
    return current_app.config.get("OPEN311_POST_RATE_LIMIT", DEFAULT_POST_RATE_LIMIT)


def rate_limit_scope() -> str:
    if "open311_key" not in g:
        g.open311_key = apikeys.check(request.form.get("api_key"))
    key = g.open311_key
    return f"open311-key:{key.prefix}" if key is not None else f"open311-addr:{get_remote_address()}"


# ---- endpoints ----------------------------------------------------------------------------------------------

@bp.get("/discovery.<fmt>")
def discovery(fmt):
    fmt = _format(fmt)
    contact = current_app.config.get("OPEN311_CONTACT") or _(
        "Fuyang 12345 government service hotline: call 12345, or write through the portal.")
    key_service = current_app.config.get("OPEN311_KEY_SERVICE") or _(
        "API keys are issued per channel system by the portal's administrators; ask the Fuyang 12345 centre.")
    data = open311.discovery(public_url("open311.discovery", fmt="json").rsplit("/", 1)[0] + "/",
                             contact, key_service)
    return respond(fmt, "discovery", data)


@bp.get("/services.<fmt>")
def services(fmt):
    fmt = _format(fmt)
    return respond(fmt, "services", open311.services())


@bp.get("/services/<service_code>.<fmt>")
def service_definition(service_code, fmt):
    fmt = _format(fmt)
    return respond(fmt, "service_definition", open311.service_definition(service_code))


@bp.route("/requests.<fmt>", methods=["GET", "POST"])
@limiter.limit(post_rate_limit, key_func=rate_limit_scope, methods=["POST"])
def service_requests(fmt):
    fmt = _format(fmt)
    if request.method == "POST":
        key = open311.authenticate(request.form.get("api_key"))
        # The same key posting the same body again within a short window (a retry after a timeout) gets the
        # first request's id back instead of filing a second case.
        once = submit_once.claim("open311", actor=f"api-key:{key.id}")
        if once.repeated and once.previous.get("service_request_id"):
            return respond(fmt, "service_requests", [{**once.previous, "account_id": None}], 201)
        case, _code, notice = open311.file_request(request.form, key)
        db.session.flush()  # ids for the record of what was created
        once.done(service_request_id=case.tracking_no, service_notice=notice)
        db.session.commit()
        return respond(fmt, "service_requests", [{"service_request_id": case.tracking_no,
                                                  "service_notice": notice, "account_id": None}], 201)
    return _public_listing(fmt)


def _public_listing(fmt: str) -> Response:
    """GET requests: published cases only, the same for every caller, so the rendered answer is cached for
    OPEN311_CACHE_SECONDS (default 60; 0 turns it off) in the shared statistics cache (Redis with REDIS_URL).
    Serialising up to 1,000 masked cases costs far more than the query; a minute's delay suits an API feed.
    When more results follow, `Link: <…&after=CURSOR>; rel="next"` points at the next page (keyset cursor)."""
    from portal.domain.statistics import cache

    seconds = int(current_app.config.get("OPEN311_CACHE_SECONDS", 60))
    key = f"open311:v2:{fmt}:" + "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    cached = None
    if seconds > 0:
        try:
            cached = cache.get(key)
        except Exception:  # noqa: BLE001 - a cache that is down only costs speed
            current_app.logger.warning("open311 cache unavailable", exc_info=True)
    if cached is None:
        found = open311.find_requests_page(request.args)
        body = respond(fmt, "service_requests", open311.requests_fields(found.cases)).get_data()
        cached = (body, _next_link(fmt, found.after))
        if seconds > 0:
            try:
                cache.set(key, cached, timeout=seconds)
            except Exception:  # noqa: BLE001
                current_app.logger.warning("open311 cache unavailable", exc_info=True)
    body, link = cached
    response = respond(fmt, "service_requests", [])
    response.set_data(body)
    if link:
        response.headers["Link"] = link
    return response


def _next_link(fmt: str, after: str | None) -> str | None:
    """The next page's URL: the same query with `after` set and `page` dropped (the cursor replaces it)."""
    if after is None:
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("after", "page")] + [("after", after)]
    return f'<{public_url("open311.service_requests", fmt=fmt)}?{urlencode(args)}>; rel="next"'


@bp.get("/requests/<service_request_id>.<fmt>")
def service_request(service_request_id, fmt):
    fmt = _format(fmt)
    return respond(fmt, "service_requests", open311.requests_fields([open311.find_request(service_request_id)]))


@bp.get("/tokens/<token>.<fmt>")
def token(token, fmt):
    fmt = _format(fmt)
    return respond(fmt, "service_requests", [open311.token_request(token)])


@bp.get("/servicerequestupdates.<fmt>")
def service_request_updates(fmt):
    fmt = _format(fmt)
    return respond(fmt, "service_requests_updates", open311.find_updates(request.args))


@bp.get("/openapi.json")
def openapi():
    base = public_url("open311.openapi").rsplit("/", 1)[0]
    response = jsonify(open311_openapi.document(base))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/<path:anything>", methods=["GET", "POST"])
def unknown(anything):
    raise Open311Error(404, f"Nothing at /open311/v2/{anything}: see discovery.json for the endpoints.")
