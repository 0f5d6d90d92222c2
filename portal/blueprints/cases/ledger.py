"""The ledger (台账) of cases in the user's scope with CSV/XLSX export, and the logged "show contact" action."""
import tempfile

from flask import Blueprint, Response, abort, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.domain import contacts, deadlines, exports, keyset, ledger, scope
from portal.extensions import db
from portal.models import Case, Role
from portal.web import page_arg, render_page, roles_required
from portal.web.guard import arg_int

bp = Blueprint("ledger", __name__, url_prefix="/staff")


# ---------------------------------------------------------------------------------------------- ledger
def _filtered():
    ref = ledger.load_reference()
    filters = ledger.parse_filters(request.args, ref)
    bounds = deadlines.LightBounds.at()
    return ref, filters, bounds, ledger.ledger_query(current_user, filters, bounds)


@bp.get("/ledger")
@login_required
def index():
    ref, filters, bounds, query = _filtered()
    if filters.valid:
        page = ledger.page_of(query, after=request.args.get("after"), before=request.args.get("before"))
    else:
        page = keyset.KeysetPage(cases=[], total=0, total_capped=False, newer=None, older=None)
    return render_page(
        "staff/ledger.html", "results", status=200 if filters.valid else 422,
        f=filters, page=page, bounds=bounds, lights=deadlines.LIGHTS,
        states=Case.STATES, channels=Case.CHANNELS, category_options=ref.category_options(),
        counties=ref.counties, scope_label=ledger.scope_label(current_user))


def _export_or_error():
    if not scope.may_export(current_user):  # monitors read on screen only: no bulk export
        abort(403)
    ref, filters, bounds, query = _filtered()
    if not filters.valid:
        return None, render_page("errors/error.html", status=422, title=_("The filters need correcting"),
                                 message=" ".join(filters.errors.values()))
    return (ref, query, bounds.now), None


@bp.get("/ledger/export.csv")
@login_required
def export_csv():
    prepared, error = _export_or_error()
    if error is not None:
        return error
    ref, query, now = prepared
    header = ledger.export_header()
    chunks = exports.csv_chunks(ledger.export_rows(query, ref, now), header)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{ledger.export_filename("csv", now)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ledger/export.xlsx")
@login_required
def export_xlsx():
    prepared, error = _export_or_error()
    if error is not None:
        return error
    ref, query, now = prepared
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    exports.write_xlsx(ledger.export_rows(query, ref, now), ledger.export_header(), out, title=_("Ledger"),
                       widths=ledger.LEDGER_COLUMN_WIDTHS)
    out.seek(0)
    response = send_file(out, mimetype=exports.XLSX_MIMETYPE, as_attachment=True,
                         download_name=ledger.export_filename("xlsx", now))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------- contacts
@bp.post("/cases/<int:case_id>/contact")
@login_required
def show_contact(case_id):
    case = scope.visible_case(current_user, case_id)
    try:
        details = contacts.reveal_contact(current_user, case, request.remote_addr)
    except contacts.ContactDenied:
        abort(403)
    db.session.commit()
    response = render_page("staff/_contact.html", "contact", full_page=True, case=case, details=details)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ledger/contact-views")
@roles_required(Role.ADMIN)
def contact_views():
    user_id = arg_int("user")
    number = (request.args.get("case") or "").strip()
    log = contacts.log_page(contacts.log_query(user_id, number), page_arg())
    filter_args = {k: v for k, v in (("user", user_id), ("case", number)) if v}
    return render_page("staff/contact_views.html", "log", log=log, user_id=user_id, number=number,
                       filter_args=filter_args, viewers=contacts.viewers)  # called only when the form renders
