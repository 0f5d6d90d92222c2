"""Friendly error pages in the user's language. Nothing the user sees is a bare 500."""
from flask import Flask, make_response, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from portal.domain import scope
from portal.extensions import db
from portal.web import render_page

# htmx requests a page makes on its own while the user types or waits (inline checks, similar cases, choices,
# suggestions, caller history, live counts): an error there must not replace the page and the form being filled.
BACKGROUND_ENDPOINTS = frozenset({"public.validate_field", "public.similar_cases", "public.submit_options",
                                  "knowledge.search", "workbench.caller_lookup", "workbench.case_caller_history",
                                  "queues.nav_counts"})


def _background() -> bool:
    """A field's own request (htmx names the field that triggered it) or a known background request."""
    return bool(request.headers.get("HX-Trigger-Name")) or request.endpoint in BACKGROUND_ENDPOINTS


def error_page(title: str, message: str, status: int):
    """The friendly error page. For an htmx form submission or navigation, the message replaces the main content
    area; for a background request, it goes into the field's error line when that was the target, else nowhere:
    the form stays as typed (and its photos chosen)."""
    if request.htmx and _background():
        response = make_response(Markup('<span class="field-error" role="alert">{}</span>').format(message), status)
        into_field_error = (request.headers.get("HX-Target") or "").endswith("-error")
        response.headers["HX-Reswap"] = "innerHTML" if into_field_error else "none"
        return response
    response = render_page("errors/error.html", "error_body", status=status, title=title, message=message)
    if request.htmx:
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _open311_error(err):
    """Errors found before a blueprint is chosen (405 from routing, 413) under /open311/ answer as Open311's
    error list in JSON or XML, not as an HTML page."""
    if request.path.startswith("/open311/"):
        from portal.blueprints.open311 import api as open311_api

        return open311_api.http_error(err)
    return None


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err):
        # Keep what the citizen typed: re-render the submit form with their data and a fresh token.
        if request.endpoint == "public.submit":
            from portal.blueprints.public.forms import CaseForm

            form = CaseForm(meta={"csrf": True})
            form.load_choices()
            form.form_errors.append(_("Your session had expired, so nothing was sent yet. Your entries are "
                                      "still here: check them and send again."))
            return render_page("public/submit.html", "form_body", status=400, form=form)
        return error_page(status=400, title=_("Please try again"),
                          message=_("The form had expired or came from another page, so nothing was saved. "
                                     "Go back, reload the page and send it again."))

    @app.errorhandler(413)
    def too_large(err):
        api = _open311_error(err)
        if api is not None:
            return api
        return error_page(status=413, title=_("Upload too large"),
                          message=_("What you sent is larger than we accept (photos at most 10 MB each, "
                                     "5 photos). Nothing was saved. Go back and choose smaller photos."))

    @app.errorhandler(429)
    def too_many(err):
        api = _open311_error(err)
        if api is not None:
            return api
        import math
        import time

        from portal import rate_limits
        from portal.extensions import limiter

        current = limiter.current_limit
        wait = max(1, math.ceil(current.reset_at - time.time())) if current is not None else 60
        response = error_page(status=429, title=_("Too many attempts"),
                              message=_("Too many attempts from this connection. Try again in %(minutes)d "
                                        "minutes.", minutes=rate_limits.retry_minutes(wait)))
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(scope.CaseNotFound)
    def no_such_case(err):
        return http_error(NotFound())

    @app.errorhandler(scope.OutOfScope)
    def out_of_scope(err):
        return http_error(Forbidden())

    @app.errorhandler(HTTPException)
    def http_error(err):
        api = _open311_error(err)
        if api is not None:
            return api
        titles = {403: _("Not allowed"), 404: _("Page not found"), 405: _("Not allowed")}
        messages = {403: _("Your account may not open this page."),
                    404: _("There is nothing at this address. Check the link or start from the home page.")}
        return error_page(status=err.code, title=titles.get(err.code, _("Error")),
                          message=messages.get(err.code, _("The request could not be handled.")))

    @app.errorhandler(Exception)
    def unexpected(err):
        if isinstance(err, HTTPException):
            return http_error(err)
        app.logger.exception("unhandled error")
        db.session.rollback()
        return error_page(status=500, title=_("Something went wrong"),
                          message=_("We could not complete this. Nothing was lost on your side: go back and "
                                     "try again in a moment."))
