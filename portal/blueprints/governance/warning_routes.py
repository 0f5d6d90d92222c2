"""Hotspot warnings as work items: list, explanation, acknowledge, act (governance task), close; the rule's settings."""
from decimal import Decimal

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.governance import bp
from portal.blueprints.governance.forms import CloseForm, RuleForm, TaskForm
from portal.domain import governance, hotspots, lookups
from portal.extensions import db
from portal.models import Unit
from portal.web import guard, redirect_after_post, render_page, roles_required


def _warning_or_404(warning_id):
    warning = governance.warning_for(current_user, warning_id)
    if warning is None:
        abort(404)
    return warning


def _task_form(warning, formdata=None):
    form = TaskForm(formdata=formdata) if formdata is not None else TaskForm(
        data={"unit_id": warning.unit_id, "title": _("%(category)s in %(town)s", category=warning.category.name,
                                                      town=warning.town.name)})
    form.unit_id.choices = [(u.id, u.name) for u in lookups.units_for_choice()]
    return form


@bp.get("")
@roles_required(*governance.READERS)
def warnings():
    tab = guard.arg_choice("tab", ("open", "closed"), "open")
    items = governance.visible_warnings(current_user, tab)
    return render_page("governance/warnings.html", tab=tab, warnings=items, age_days=governance.age_days,
                       can_scan=current_user.role in governance.SUPERVISORS)


def _render_warning(warning, task_form=None, close_form=None, status=200):
    return render_page("governance/warning.html", status=status, warning=warning,
                       cases=hotspots.window_cases(warning, current_user), weeks=hotspots.weekly_counts(warning),
                       baseline_start=hotspots.baseline_start_of(warning), age=governance.age_days(warning),
                       task_form=task_form or _task_form(warning), close_form=close_form or CloseForm(),
                       is_supervisor=current_user.role in governance.SUPERVISORS)


@bp.get("/warnings/<int:warning_id>")
@roles_required(*governance.READERS)
def warning(warning_id):
    return _render_warning(_warning_or_404(warning_id))


@bp.post("/warnings/<int:warning_id>/acknowledge")
@roles_required(*governance.READERS)
def acknowledge(warning_id):
    warning = _warning_or_404(warning_id)
    if governance.acknowledge(warning, current_user):
        db.session.commit()
        flash(_("Warning acknowledged."), "success")
    return redirect_after_post(url_for("governance.warning", warning_id=warning.id))


@bp.post("/warnings/<int:warning_id>/act")
@roles_required(*governance.SUPERVISORS)
def act(warning_id):
    warning = _warning_or_404(warning_id)
    form = _task_form(warning, request.form)
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data)
        if unit is None:
            form.unit_id.errors.append(_("Choose the owning unit."))
        else:
            try:
                governance.act(warning, current_user, unit=unit, title=form.title.data, plan=form.plan.data,
                               days=form.days.data)
            except governance.NotAllowed as err:
                form.form_errors.append(str(err))
            else:
                db.session.commit()
                flash(_("The governance task is created and the cases are linked to it."), "success")
                return redirect_after_post(url_for("governance.warning", warning_id=warning.id))
    return _render_warning(warning, task_form=form, status=422)


@bp.post("/warnings/<int:warning_id>/close")
@roles_required(*governance.SUPERVISORS)
def close(warning_id):
    warning = _warning_or_404(warning_id)
    form = CloseForm()
    if form.validate_on_submit():
        if governance.close(warning, current_user, form.note.data):
            db.session.commit()
            flash(_("Warning closed."), "success")
        return redirect_after_post(url_for("governance.warning", warning_id=warning.id))
    return _render_warning(warning, close_form=form, status=422)


@bp.post("/scan")
@roles_required(*governance.SUPERVISORS)
def scan():
    result = hotspots.scan()
    db.session.commit()
    flash(_("Scan done: %(new)d new warnings, %(old)d open warnings updated.", new=len(result.created),
            old=len(result.refreshed)), "success")
    return redirect_after_post(url_for("governance.warnings"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*governance.READERS)
def settings():
    rule = hotspots.current_rule()
    may_edit = current_user.role in governance.SUPERVISORS
    form = RuleForm(data={"window_days": rule.window_days, "baseline_weeks": rule.baseline_weeks,
                          "ratio_threshold": Decimal(str(rule.ratio_threshold)), "min_count": rule.min_count})
    if request.method == "POST":
        if not may_edit:
            abort(403)
        if form.validate_on_submit():
            hotspots.save_rule(hotspots.Rule(form.window_days.data, form.baseline_weeks.data,
                                             float(form.ratio_threshold.data), form.min_count.data), current_user)
            db.session.commit()
            flash(_("The hotspot rule is saved; it applies from the next scan."), "success")
            return redirect_after_post(url_for("governance.settings"))
    status = 422 if request.method == "POST" else 200
    return render_page("governance/settings.html", status=status, form=form, rule=rule, may_edit=may_edit,
                       row=hotspots.settings_row())
