"""The steps taken on a case (the page itself is built by `case_page`). Each step is a real form posted here; the rules live in
portal.domain.workflow, this module only parses, calls and renders."""
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.blueprints.cases import forms as fh
from portal.blueprints.cases.case_page import Failed, case_page
from portal.domain import lookups, reply_templates, routing, scope, workflow
from portal.extensions import db
from portal.models import Case, Unit
from portal.web import redirect_after_post

bp = Blueprint("casework", __name__, url_prefix="/staff/cases")

# step -> (form class, call(case, form, version) -> event)
STEPS = {
    "accept": (fh.StepForm, lambda c, f, v: workflow.accept(c, current_user, expected_version=v)),
    "decline": (fh.DeclineForm, lambda c, f, v: workflow.decline(c, current_user, f.reason.data, f.text.data,
                                                                  expected_version=v)),
    "answer_directly": (fh.AnswerForm, lambda c, f, v: workflow.answer_directly(c, current_user, f.answer.data)),
    "assign": (fh.AssignForm, lambda c, f, v: workflow.assign(
        c, current_user, _unit(f.unit_id.data), f.priority.data, _units(f.co_unit_ids.data), expected_version=v)),
    "consult": (fh.ConsultForm, lambda c, f, v: workflow.consult(
        c, current_user, _unit(f.unit_id.data), _units(f.co_unit_ids.data), f.limit_days.data, f.note.data,
        expected_version=v)),
    "sign_for": (fh.StepForm, lambda c, f, v: workflow.sign_for(c, current_user, expected_version=v)),
    "return": (fh.ReturnForm, lambda c, f, v: workflow.return_case(c, current_user, f.reason.data, f.text.data,
                                                                    expected_version=v)),
    "keep": (fh.NoteForm, lambda c, f, v: workflow.keep(c, current_user, f.note.data, expected_version=v)),
    "request_extension": (fh.ExtensionForm, lambda c, f, v: workflow.request_extension(
        c, current_user, f.days.data, f.reason.data, expected_version=v)),
    "approve_extension": (fh.OptionalNoteForm, lambda c, f, v: workflow.decide_extension(
        c, current_user, True, f.note.data, expected_version=v)),
    "deny_extension": (fh.NoteForm, lambda c, f, v: workflow.decide_extension(
        c, current_user, False, f.note.data, expected_version=v)),
    "co_input": (fh.CoInputForm, lambda c, f, v: workflow.co_input(c, current_user, f.text.data,
                                                                    expected_version=v)),
    "draft_reply": (fh.DraftReplyForm, lambda c, f, v: workflow.draft_reply(  # an unedited template is refused
        c, current_user, f.reply_type.data, reply_templates.check_edited(c, f.text.data), expected_version=v)),
    "reply": (fh.StepForm, lambda c, f, v: workflow.approve_reply(c, current_user, expected_version=v)),
    "send_back": (fh.NoteForm, lambda c, f, v: workflow.send_back(c, current_user, f.note.data,
                                                                   expected_version=v)),
    "release": (fh.StepForm, lambda c, f, v: workflow.release(c, current_user, expected_version=v)),
    "rehandle": (fh.RehandleForm, lambda c, f, v: workflow.rehandle(
        c, current_user, _unit(f.unit_id.data), f.priority.data, f.note.data, expected_version=v)),
    "merge": (fh.MergeForm, lambda c, f, v: workflow.merge(c, _case_by_number(f.into.data), current_user,
                                                            expected_version=v)),
}


def _unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.retired_at is not None:
        raise workflow.WorkflowError(_("Choose a unit from the list."))
    return unit


def _units(ids) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids or []), Unit.retired_at.is_(None))))


def _case_by_number(number: str) -> Case:
    case = lookups.case_by_tracking_no(number, within=scope.visible_cases(current_user))
    if case is None:
        raise workflow.WorkflowError(_("No case %(no)s in your scope.", no=number))
    return case


def build_form(step: str, case: Case, formdata=None):
    form_class = STEPS[step][0]
    if formdata is not None:
        form = form_class(formdata=formdata, prefix=step)
    else:
        form = form_class(prefix=step)
        form.version.data = str(case.version)
    if hasattr(form, "unit_id"):
        units = lookups.units_for_choice()
        form.unit_id.choices = [(u.id, u.name) for u in units]
        if formdata is None:
            suggested = routing.suggest_unit(case) if step in ("assign", "consult") else case.lead_unit
            if suggested is not None:
                form.unit_id.data = suggested.id
        if hasattr(form, "co_unit_ids"):
            form.co_unit_ids.choices = [(u.id, u.name) for u in units if u.kind != "town_street"]
    return form


@bp.post("/<int:case_id>/step/<step>")
@login_required
def take_step(case_id, step):
    if step not in STEPS:
        abort(404)
    case = scope.visible_case(current_user, case_id)
    form = build_form(step, case, formdata=request.form)
    if not workflow.may(current_user, step, case):
        message = _("This step is not possible now: the case is “%(state)s”.",
                    state=workflow.STATE_LABELS.get(case.state, case.state))
        if case.version != form.version_number():
            message = str(workflow.StaleCase())
        return case_page(case, status=409, error=message)
    if not form.validate():
        return case_page(case, Failed(step, form), status=422)
    try:
        STEPS[step][1](case, form, form.version_number())
        db.session.commit()
    except workflow.WorkflowError as err:
        db.session.rollback()
        return case_page(db.session.get(Case, case_id), Failed(step, form), status=409, error=str(err))
    except StaleDataError:  # another request changed the row between our read and our write
        db.session.rollback()
        return case_page(db.session.get(Case, case_id), status=409, error=str(workflow.StaleCase()))
    flash(_("Done: %(step)s.", step=workflow.ACTION_LABELS[step]), "success")
    if not scope.can_see(current_user, case):  # e.g. the unit returned it: it is no longer theirs to open
        return redirect_after_post(url_for("staff.home"))
    return redirect_after_post(url_for("staff.case_detail", case_id=case_id))
