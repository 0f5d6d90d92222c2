"""Reply templates: the unit lead's list to manage them, and inserting one into a case's reply draft."""
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.reply_templates.forms import TemplateForm
from portal.domain import organisation, reply_templates, scope
from portal.extensions import db
from portal.models import ReplyTemplate, Role
from portal.web import redirect_after_post, render_page, roles_required
from portal.web.guard import arg_int

bp = Blueprint("reply_templates", __name__, url_prefix="/staff")


def _choices(form):
    form.category_id.choices = [(None, _("— any category —"))] + [
        (c.id, c.path) for c in organisation.categories_in_tree_order()]
    form.unit_id.choices = [(u.id, u.name) for u in organisation.active_units()]


@bp.get("/reply-templates")
@roles_required(Role.HANDLER, Role.UNIT_LEAD, Role.ADMIN)
def index():
    unit_id = None if current_user.role == Role.ADMIN else current_user.unit_id
    return render_page("reply_templates/index.html", templates=reply_templates.of_unit(unit_id),
                       may_manage=current_user.role in reply_templates.MANAGERS,
                       placeholders=reply_templates.PLACEHOLDERS)


@bp.route("/reply-templates/new", methods=["GET", "POST"])
@bp.route("/reply-templates/<int:template_id>", methods=["GET", "POST"])
@roles_required(*reply_templates.MANAGERS)
def edit(template_id=None):
    template = None
    if template_id is not None:
        template = db.session.get(ReplyTemplate, template_id)
        if template is None:
            abort(404)
        if not reply_templates.may_manage(current_user, template.unit_id):
            abort(403)
    form = TemplateForm(obj=template) if request.method == "GET" else TemplateForm()
    _choices(form)
    if form.validate_on_submit():
        unit_id = form.unit_id.data if current_user.role == Role.ADMIN else current_user.unit_id
        try:
            reply_templates.save(current_user, template, unit_id, form.category_id.data, form.title.data,
                                 form.body.data)
        except reply_templates.TemplateError as err:
            db.session.rollback()
            (form.title if "“" in str(err) else form.body).errors = [str(err)]
        else:
            db.session.commit()
            flash(_("Template saved."), "success")
            return redirect_after_post(url_for("reply_templates.index"))
    return render_page("reply_templates/edit.html", status=422 if request.method == "POST" else 200, form=form,
                       reply_template=template, placeholders=reply_templates.PLACEHOLDERS)


@bp.post("/reply-templates/<int:template_id>/retire")
@roles_required(*reply_templates.MANAGERS)
def retire(template_id):
    template = db.session.get(ReplyTemplate, template_id)
    if template is None:
        abort(404)
    try:
        reply_templates.set_retired(current_user, template, request.form.get("retire") == "1")
    except reply_templates.TemplateError:
        abort(403)
    db.session.commit()
    return redirect_after_post(url_for("reply_templates.index"))


@bp.get("/cases/<int:case_id>/reply-template")
@roles_required(Role.HANDLER, Role.UNIT_LEAD, Role.ADMIN)
def insert(case_id):
    """The case page with the reply draft filled from a template (htmx selects the text box from it)."""
    from portal.blueprints.cases.case_page import Failed, case_page
    from portal.blueprints.cases.steps import build_form
    from portal.domain import workflow

    case = scope.visible_case(current_user, case_id)
    if not workflow.may(current_user, "draft_reply", case):
        abort(409)
    template = db.session.get(ReplyTemplate, arg_int("template") or 0)
    form = build_form("draft_reply", case)
    if template is not None and template.unit_id == case.lead_unit_id and template.retired_at is None:
        form.text.data = reply_templates.fill(template, case)
    return case_page(case, Failed("draft_reply", form))



