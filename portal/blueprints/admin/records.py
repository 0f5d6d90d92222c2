"""The outbox (admins) and the audit log (admins and supervisors)."""
from datetime import date

from flask import abort, flash, request, url_for
from flask_babel import gettext as _

from portal.blueprints.admin import bp
from portal.domain import audit, outbox_admin, periods
from portal.domain.outbox import mask_recipient, setting
from portal.extensions import db
from portal.models import OutboxMessage, Role
from portal.web import page_arg, redirect_after_post, render_page, roles_required
from portal.web.guard import arg_int


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox():
    state = request.args.get("state") or None
    if state not in (None, *outbox_admin.STATES):
        state = None
    found = outbox_admin.page(state, page_arg())
    max_attempts = int(setting("OUTBOX_MAX_ATTEMPTS"))
    return render_page("administration/outbox.html", "outbox_table", rows=found.items, total=found.total,
                       pages=found.pages, page=found.page, state=state, state_labels=outbox_admin.STATE_LABELS,
                       state_of=lambda m: outbox_admin.state_of(m, max_attempts), mask=mask_recipient)


@bp.post("/outbox/<int:message_id>/resend")
@roles_required(Role.ADMIN)
def resend(message_id):
    from flask_login import current_user

    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    try:
        outbox_admin.resend(current_user, message)
    except outbox_admin.ResendError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("Message #%(id)d queued again.", id=message.id), "success")
    return redirect_after_post(url_for("administration.outbox", state=request.args.get("state") or None))


def _date(value: str | None) -> date | None:
    return periods.parse_day(value) if value else None


@bp.get("/audit")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def audit_log():
    args = request.args
    filters = audit.AuditFilters(
        actor_id=arg_int("actor"), object_type=args.get("object") or None,
        action=args.get("action") or None, object_id=arg_int("id"),
        day_from=_date(args.get("from")), day_to=_date(args.get("to")))
    errors = [_("“%(value)s” is not a date like 2026-11-27.", value=args.get(k)) for k in ("from", "to")
              if args.get(k) and _date(args.get(k)) is None]
    found = audit.page(filters, page_arg())
    filter_args = {k: v for k, v in args.items() if k != "page" and v}
    return render_page("administration/audit.html", "audit_table", status=422 if errors else 200,
                       entries=found.items, total=found.total, pages=found.pages, page=found.page, f=filters,
                       errors=errors, filter_args=filter_args, actors=audit.actors(), action_labels=audit.ACTION_LABELS,
                       object_labels=audit.OBJECT_LABELS)
