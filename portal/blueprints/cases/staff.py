"""Staff workspace: the case list in the user's scope, operator intake, case detail."""
from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.blueprints.cases.case_page import case_page
from portal.blueprints.cases.forms import OperatorIntakeForm
from portal.domain import intake, ledger, photos, scope, workflow
from portal.extensions import db
from portal.models import Case, CasePhoto, Role
from portal.web import page_arg, redirect_after_post, render_page, roles_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@login_required
def home():
    """Each role lands on its own work; everyone else on the case list."""
    landing = {Role.DISPATCHER: "queues.dispatcher", Role.HANDLER: "queues.unit", Role.UNIT_LEAD: "queues.unit",
               Role.SUPERVISOR: "supervision.dashboard", Role.MONITOR: "monitors.home"}.get(current_user.role)
    if landing and not request.args:
        return redirect(url_for(landing))
    return case_list()


@bp.get("/cases")
@login_required
def case_list():
    state = request.args.get("state") or None
    query = scope.visible_cases(current_user)
    if state in Case.STATES:
        query = query.where(Case.state == state)
    page = ledger.page_of(query, page_arg())
    return render_page("staff/home.html", "case_table", cases=page.items, total=page.total, page=page.page,
                       pages=page.pages, state=state, states=Case.STATES)


@bp.route("/intake", methods=["GET", "POST"])
@roles_required(Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)
def intake_call():
    form = OperatorIntakeForm()
    form.load_choices()
    if form.is_refresh():
        return render_page("staff/intake.html", "form_body", form=form)
    submission = form.valid_submission(channel=form.channel.data)
    if submission is not None:
        case, code = intake.receive(submission, entered_by=current_user)
        if form.answer_now.data:
            workflow.answer_directly(case, current_user, form.answer_text.data)
        db.session.commit()
        flash(_("Case %(no)s recorded. Tell the caller the query code: %(code)s",
                no=case.tracking_no, code=code), "success")
        return redirect_after_post(url_for("staff.case_detail", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_page("staff/intake.html", "form_body", status=status, form=form)


@bp.get("/cases/<int:case_id>")
@login_required
def case_detail(case_id):
    return case_page(scope.visible_case(current_user, case_id))


@bp.get("/cases/<int:case_id>/photos/<int:photo_id>")
@login_required
def case_photo(case_id, photo_id):
    case = scope.visible_case(current_user, case_id)
    photo = db.session.get(CasePhoto, photo_id)
    if photo is None or photo.case_id != case.id:
        abort(404)
    return send_file(photos.path_of(photo.stored_name), mimetype=photo.content_type, max_age=3600)
