"""Search (tracking number or full text, with the ledger's filters) and caller history. The rules live in
portal.domain.search and portal.domain.callers; these views parse, call and render."""
from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.workbench import bp
from portal.blueprints.workbench.forms import CallerLookupForm
from portal.domain import callers, deadlines, ledger, scope, search
from portal.extensions import db
from portal.models import Case
from portal.web import render_page
from portal.web.guard import page_arg

QUERY_MAX = 100


@bp.get("/search")
@login_required
def search_cases():
    query = (request.args.get("q") or "").strip()[:QUERY_MAX]
    if query and search.looks_like_tracking_number(query):
        case = search.case_by_tracking_number(current_user, query)
        if case is not None:
            return redirect(url_for("staff.case_detail", case_id=case.id), code=303)
    ref = ledger.load_reference()
    filters = ledger.parse_filters(request.args, ref)
    results = search.search(current_user, query, filters, page_arg())
    phone_query = callers.is_complete_phone(query) and not any(ch.isalpha() for ch in query)
    lookup_form = CallerLookupForm(formdata=None, citizen_phone=query) if phone_query else None
    return render_page(
        "workbench/search.html", "results", status=200 if filters.valid else 422,
        q=query, f=filters, results=results, number_query=search.looks_like_tracking_number(query),
        lookup_form=lookup_form, states=Case.STATES, channels=Case.CHANNELS, lights=deadlines.LIGHTS,
        category_options=ref.category_options(), counties=ref.counties,
        filter_args={"q": query, **filters.raw})


def _history_response(form, status=200):
    history = None
    if form.is_submitted() and form.validate():
        try:
            history = callers.history(current_user, form.citizen_phone.data, ip=request.remote_addr,
                                      category_id=form.category_id.data)
        except callers.LookupDenied:
            abort(403)
        db.session.commit()
    elif form.is_submitted():
        # while the operator is still typing, htmx asks with half a number: answer quietly, not with an error
        status = 200 if request.htmx and not request.form.get("explicit") else 422
    response = render_page("workbench/callers.html", "history", status=status, form=form, history=history,
                           case=None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/callers", methods=["GET", "POST"])
@login_required
def caller_lookup():
    """A caller's cases by phone: from operator intake (htmx as the phone is typed), from the search box, or
    typed here. Every look-up is logged."""
    if not callers.may_look_up(current_user):
        abort(403)
    form = CallerLookupForm()
    return _history_response(form)


@bp.post("/cases/<int:case_id>/caller-history")
@login_required
def case_caller_history(case_id):
    case = scope.visible_case(current_user, case_id)
    if not callers.may_look_up(current_user):
        abort(403)
    form = CallerLookupForm(formdata=None, citizen_phone=case.citizen_phone, category_id=case.category_id)
    if callers.phone_key(case.citizen_phone) is None:  # no usable number on the case
        return render_page("workbench/callers.html", "history", status=422, form=form, history=None, case=case)
    history = callers.history(current_user, case.citizen_phone, ip=request.remote_addr, from_case=case)
    db.session.commit()
    response = render_page("workbench/callers.html", "history", form=form, history=history, case=case)
    response.headers["Cache-Control"] = "no-store"
    return response
