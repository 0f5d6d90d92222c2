"""The organizer's pages for suggestions: live capture during the salon and triage after it (blueprint
`salon_admin`, defined in organizer.py). Thin: parse the form, call portal.domain.salons, render."""

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.blueprints.salons.forms import (
    AdoptForm,
    InHandForm,
    NotAdoptForm,
    SuggestionForm,
)
from portal.blueprints.salons.organizer import ORGANIZERS, _salon, _suggestion, bp
from portal.domain import salons, workflow
from portal.extensions import db
from portal.models import Participant, Salon, Suggestion, Unit
from portal.web import is_fragment_request, redirect_after_post, render_page, roles_required, submit_once

# ---- live capture ----------------------------------------------------------------------------------------------

def _capture_page(salon: Salon, form: SuggestionForm, status: int = 200, error: str = ""):
    suggestions = db.session.scalars(
        select(Suggestion).where(Suggestion.salon_id == salon.id)
        .options(selectinload(Suggestion.participant).selectinload(Participant.person),
                 selectinload(Suggestion.agenda_item), selectinload(Suggestion.category))
        .order_by(Suggestion.id)).all()
    return render_page("salons/admin/capture.html", "suggestion_form", status=status, salon=salon, form=form,
                       suggestions=suggestions, error=error)


@bp.get("/<int:salon_id>/capture")
@roles_required(*ORGANIZERS)
def capture(salon_id):
    salon = _salon(salon_id)
    form = SuggestionForm()
    form.load_choices(salon)
    return _capture_page(salon, form)


@bp.post("/<int:salon_id>/suggestions")
@roles_required(*ORGANIZERS)
def record(salon_id):
    """htmx: answers with the new list item only (the form appends it); errors re-render the form in place."""
    salon = _salon(salon_id)
    form = SuggestionForm()
    form.load_choices(salon)
    error, status = "", 422
    if form.validate_on_submit():
        if submit_once.claim(f"suggestion:{salon_id}").repeated:  # recorded once, posted twice
            if is_fragment_request():
                return "", 204  # the list already shows it
            return redirect_after_post(url_for("salon_admin.capture", salon_id=salon_id))
        try:
            suggestion = salons.record_suggestion(
                salon, current_user, participant_id=form.participant_id.data, text=form.text.data,
                agenda_item_id=form.agenda_item_id.data, category_id=form.category_id.data)
            db.session.commit()
        except salons.SalonError as err:
            db.session.rollback()
            salon = _salon(salon_id)
            error, status = str(err), 409
        else:
            if is_fragment_request():
                response = render_page("salons/admin/capture.html", "captured_item", s=suggestion, salon=salon)
                response.headers["HX-Trigger"] = "suggestion-recorded"
                return response
            flash(_("Suggestion recorded."), "success")
            return redirect_after_post(url_for("salon_admin.capture", salon_id=salon_id))
    response = _capture_page(salon, form, status=status, error=error)
    if is_fragment_request():
        response.headers["HX-Retarget"] = "#suggestion-form"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


# ---- triage ----------------------------------------------------------------------------------------------------

TRIAGE_FORMS = {"adopt": AdoptForm, "in_hand": InHandForm, "not_adopted": NotAdoptForm}


def _triage_forms(suggestion: Suggestion, failed: str | None = None, failed_form=None) -> dict:
    forms = {}
    for decision, form_class in TRIAGE_FORMS.items():
        if decision == failed and failed_form is not None:
            forms[decision] = failed_form
            continue
        form = form_class(prefix=decision, formdata=None)
        if decision == "adopt":
            form.load_choices()
            form.title.data = _short_title(suggestion.text)
            form.category_id.data = suggestion.category_id
            form.address.data = suggestion.salon.venue
        forms[decision] = form
    return forms


def _short_title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= 40 else first[:39] + "…"


def _triage_page(suggestion: Suggestion, failed: str | None = None, failed_form=None, status: int = 200,
                 error: str = ""):
    return render_page("salons/admin/triage.html", status=status, salon=suggestion.salon, s=suggestion,
                       forms=_triage_forms(suggestion, failed, failed_form) if suggestion.outcome == "pending"
                       else {}, open_decision=failed, error=error)


@bp.get("/<int:salon_id>/suggestions/<int:suggestion_id>")
@roles_required(*ORGANIZERS)
def triage(salon_id, suggestion_id):
    salon = _salon(salon_id)
    return _triage_page(_suggestion(salon, suggestion_id))


@bp.post("/<int:salon_id>/suggestions/<int:suggestion_id>/<decision>")
@roles_required(*ORGANIZERS)
def decide(salon_id, suggestion_id, decision):
    if decision not in TRIAGE_FORMS:
        abort(404)
    salon = _salon(salon_id)
    suggestion = _suggestion(salon, suggestion_id)
    form = TRIAGE_FORMS[decision](prefix=decision)
    if decision == "adopt":
        form.load_choices()
    if not form.validate_on_submit():
        return _triage_page(suggestion, decision, form, status=422)
    try:
        if decision == "adopt":
            case = salons.adopt(suggestion, current_user, unit=db.session.get(Unit, form.unit_id.data),
                                priority=form.priority.data, county_id=form.county_id.data,
                                category_id=form.category_id.data, title=form.title.data,
                                address=form.address.data or None)
        elif decision == "in_hand":
            case = salons.mark_in_hand(suggestion, current_user, form.tracking_no.data, form.explanation.data)
        else:
            case = None
            salons.not_adopt(suggestion, current_user, form.explanation.data)
        db.session.commit()
    except (salons.SalonError, workflow.WorkflowError) as err:
        db.session.rollback()
        return _triage_page(_suggestion(_salon(salon_id), suggestion_id), decision, form, status=409,
                            error=str(err))
    except StaleDataError:
        db.session.rollback()
        return _triage_page(_suggestion(_salon(salon_id), suggestion_id), decision, form, status=409,
                            error=str(workflow.StaleCase()))
    if case is not None:
        flash(_("Suggestion #%(n)d: %(outcome)s — case %(no)s.", n=suggestion.id,
                outcome=salons.OUTCOME_LABELS[suggestion.outcome], no=case.tracking_no), "success")
    else:
        flash(_("Suggestion #%(n)d: %(outcome)s.", n=suggestion.id,
                outcome=salons.OUTCOME_LABELS[suggestion.outcome]), "success")
    return redirect_after_post(url_for("salon_admin.detail", salon_id=salon_id))
