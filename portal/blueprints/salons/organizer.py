"""The organizer's pages (internet-information office): salons, roster, check-in, live capture, triage, closing
and publishing. Thin: parse the form, call portal.domain.salons, render."""
import segno
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.blueprints.cases.case_page import Failed, case_panel
from portal.blueprints.salons.forms import (
    CheckinForm,
    CloseForm,
    ParticipantForm,
    SalonForm,
)
from portal.domain import salon_stats, salons
from portal.extensions import db
from portal.models import Case, Participant, Role, Salon, Suggestion
from portal.web import (
    confirm,
    is_fragment_request,
    redirect_after_post,
    render_page,
    roles_required,
    submit_once,
)
from portal.web.guard import public_url

bp = Blueprint("salon_admin", __name__, url_prefix="/staff/salons")
ORGANIZERS = (Role.SALON_ORGANIZER, Role.ADMIN)

@case_panel("salon_origin", "salons/_case_link.html", place="after_facts")
def salon_origin_panel(case: Case, failed: Failed | None) -> dict | None:
    """On the staff case page: the salon suggestions the case comes from or answers."""
    links = salons.salon_links(case)
    return {"links": links, "organizer": current_user.role in ORGANIZERS} if links else None


def _salon(salon_id: int) -> Salon:
    salon = db.session.get(Salon, salon_id)
    if salon is None:
        abort(404)
    return salon


def _suggestion(salon: Salon, suggestion_id: int) -> Suggestion:
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.salon_id != salon.id:
        abort(404)
    return suggestion


def qr_svg(code: str, label: str) -> Markup:
    """The attendance code as an inline SVG QR code (segno), named for screen readers."""
    svg = segno.make(code, error="m").svg_inline(scale=6, title=label, dark="#000", light="#fff")
    # segno escapes the title; the code is ours (random attendance code)
    return Markup(svg.replace("<svg ", '<svg role="img" class="qr" ', 1))  # nosec B704


# ---- salons ----------------------------------------------------------------------------------------------------

@bp.get("")
@roles_required(*ORGANIZERS)
def index():
    rows = db.session.scalars(select(Salon).order_by(Salon.starts_at.desc())).all()
    return render_page("salons/admin/index.html", salons_=rows, stats=salon_stats.statistics(),
                       counts=salon_stats.suggestion_counts([s.id for s in rows]))


def _salon_form_page(form: SalonForm, salon: Salon | None, status: int = 200, error: str = ""):
    return render_page("salons/admin/form.html", status=status, form=form, salon=salon, error=error)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORGANIZERS)
def new():
    form = SalonForm()
    form.load_choices()
    if form.validate_on_submit():
        once = submit_once.claim("salon")
        if once.repeated and once.previous.get("salon_id"):  # created once, posted twice
            return redirect_after_post(url_for("salon_admin.detail", salon_id=once.previous["salon_id"]))
        try:
            salon = salons.create_salon(current_user, form.data_for_domain())
            db.session.flush()  # ids for the record of what was created
            once.done(salon_id=salon.id)
            db.session.commit()
        except salons.SalonError as err:
            db.session.rollback()
            return _salon_form_page(form, None, 409, str(err))
        flash(_("Salon “%(title)s” created.", title=salon.title), "success")
        return redirect_after_post(url_for("salon_admin.detail", salon_id=salon.id))
    return _salon_form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:salon_id>/edit", methods=["GET", "POST"])
@roles_required(*ORGANIZERS)
def edit(salon_id):
    salon = _salon(salon_id)
    form = SalonForm()
    form.load_choices()
    if request.method == "GET":
        form.fill_from(salon)
    elif form.validate_on_submit():
        try:
            salons.update_salon(salon, current_user, form.data_for_domain())
            db.session.commit()
        except salons.SalonError as err:
            db.session.rollback()
            return _salon_form_page(form, _salon(salon_id), 409, str(err))
        flash(_("Salon “%(title)s” saved.", title=salon.title), "success")
        return redirect_after_post(url_for("salon_admin.detail", salon_id=salon.id))
    return _salon_form_page(form, salon, 422 if request.method == "POST" else 200)


def _detail_page(salon: Salon, close_form: CloseForm | None = None, status: int = 200, error: str = ""):
    if close_form is None and salon.state == "in_progress":
        close_form = CloseForm()
        checked, expected = salons.attendance(salon)
        close_form.attendance_note.data = _("%(checked)d of %(expected)d confirmed participants checked in.",
                                            checked=checked, expected=expected)
    suggestions = db.session.scalars(
        select(Suggestion).where(Suggestion.salon_id == salon.id)
        .options(selectinload(Suggestion.participant).selectinload(Participant.person),
                 selectinload(Suggestion.case).selectinload(Case.lead_unit), selectinload(Suggestion.agenda_item))
        .order_by(Suggestion.id)).all()
    return render_page("salons/admin/detail.html", status=status, salon=salon, suggestions=suggestions,
                       close_form=close_form, error=error, attendance=salons.attendance(salon),
                       seats=salons.seats_taken(salon), transitions=salons.TRANSITIONS,
                       actions=[a for a in ("open_registration", "start", "publish") if salons.may(salon, a)])


@bp.get("/<int:salon_id>")
@roles_required(*ORGANIZERS)
def detail(salon_id):
    return _detail_page(_salon(salon_id))


@bp.post("/<int:salon_id>/step/<action>")
@roles_required(*ORGANIZERS)
def step(salon_id, action):
    if action not in ("open_registration", "start", "publish"):
        abort(404)
    salon = _salon(salon_id)
    if action == "publish" and not confirm.confirmed():
        return confirm.ask(_("Publish the outcomes of “%(title)s”?", title=salon.title),
                           _("The outcome page becomes public and every participant is sent a link to rate the "
                             "answers. This cannot be undone."), _("Publish the outcomes"),
                           url_for("salon_admin.detail", salon_id=salon.id))
    try:
        if action == "publish":
            salons.publish(salon, current_user, rating_link=lambda code: public_url("salons.rate", code=code))
        else:
            getattr(salons, action)(salon, current_user)
        db.session.commit()
    except salons.SalonError as err:
        db.session.rollback()
        return _detail_page(_salon(salon_id), status=409, error=str(err))
    flash(_("Done: %(step)s.", step=salons.TRANSITIONS[action][2]), "success")
    return redirect_after_post(url_for("salon_admin.detail", salon_id=salon_id))


@bp.post("/<int:salon_id>/close")
@roles_required(*ORGANIZERS)
def close(salon_id):
    salon = _salon(salon_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _detail_page(salon, form, status=422)
    try:
        salons.close(salon, current_user, form.attendance_note.data, form.summary.data)
        db.session.commit()
    except salons.SalonError as err:
        db.session.rollback()
        return _detail_page(_salon(salon_id), form, status=409, error=str(err))
    flash(_("The salon is closed. Triage every suggestion, then publish the outcomes."), "success")
    return redirect_after_post(url_for("salon_admin.detail", salon_id=salon_id))


# ---- roster and check-in ---------------------------------------------------------------------------------------

def _roster_page(salon: Salon, form: ParticipantForm | None = None, status: int = 200, error: str = ""):
    participants = db.session.scalars(
        select(Participant).where(Participant.salon_id == salon.id).options(selectinload(Participant.person))
        .order_by(Participant.registered_at, Participant.id)).all()
    return render_page("salons/admin/participants.html", "roster", status=status, salon=salon,
                       participants=participants, form=form or ParticipantForm(), error=error,
                       seats=salons.seats_taken(salon))


@bp.get("/<int:salon_id>/participants")
@roles_required(*ORGANIZERS)
def participants(salon_id):
    return _roster_page(_salon(salon_id))


@bp.post("/<int:salon_id>/participants")
@roles_required(*ORGANIZERS)
def add_participant(salon_id):
    salon = _salon(salon_id)
    form = ParticipantForm()
    if not form.validate_on_submit():
        return _roster_page(salon, form, status=422)
    if submit_once.claim(f"participant:{salon_id}").repeated:  # added once, posted twice
        return redirect_after_post(url_for("salon_admin.participants", salon_id=salon_id))
    try:
        participant = salons.add_participant(salon, current_user, name=form.name.data, kind=form.kind.data,
                                             platform=form.platform.data, handle=form.handle.data,
                                             phone=form.phone.data, email=form.email.data or None)
        db.session.commit()
    except salons.SalonError as err:
        db.session.rollback()
        return _roster_page(_salon(salon_id), form, status=409, error=str(err))
    flash(_("%(name)s added (confirmed). Attendance code: %(code)s",
            name=participant.person.name, code=participant.attendance_code), "success")
    return redirect_after_post(url_for("salon_admin.participants", salon_id=salon_id))


@bp.post("/<int:salon_id>/participants/<int:participant_id>/<decision>")
@roles_required(*ORGANIZERS)
def decide_participant(salon_id, participant_id, decision):
    if decision not in ("confirm", "decline"):
        abort(404)
    salon = _salon(salon_id)
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.salon_id != salon.id:
        abort(404)
    try:
        (salons.confirm if decision == "confirm" else salons.decline)(participant, current_user)
        db.session.commit()
    except salons.SalonError as err:
        db.session.rollback()
        return _roster_page(_salon(salon_id), status=409, error=str(err))
    message = (_("%(name)s confirmed. Attendance code: %(code)s", name=participant.person.name,
                 code=participant.attendance_code) if decision == "confirm"
               else _("%(name)s declined.", name=participant.person.name))
    flash(message, "success")
    return redirect_after_post(url_for("salon_admin.participants", salon_id=salon_id))


@bp.get("/<int:salon_id>/participants/<int:participant_id>/card")
@roles_required(*ORGANIZERS)
def card(salon_id, participant_id):
    salon = _salon(salon_id)
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.salon_id != salon.id:
        abort(404)
    qr = qr_svg(participant.attendance_code, _("QR code of the attendance code %(code)s",
                                               code=participant.attendance_code))
    return render_page("salons/admin/card.html", salon=salon, participant=participant, qr=qr)


def _checkin_page(salon: Salon, form: CheckinForm, status: int = 200, result: Participant | None = None,
                  error: str = ""):
    recent = db.session.scalars(
        select(Participant).where(Participant.salon_id == salon.id, Participant.state == "checked_in")
        .options(selectinload(Participant.person)).order_by(Participant.checked_in_at.desc()).limit(10)).all()
    return render_page("salons/admin/checkin.html", "checkin_panel", status=status, salon=salon, form=form,
                       result=result, error=error, recent=recent, attendance=salons.attendance(salon))


@bp.route("/<int:salon_id>/checkin", methods=["GET", "POST"])
@roles_required(*ORGANIZERS)
def checkin(salon_id):
    salon = _salon(salon_id)
    form = CheckinForm()
    if request.method == "GET":
        return _checkin_page(salon, form)
    if not form.validate_on_submit():
        return _checkin_page(salon, form, status=422)
    try:
        participant = salons.check_in(salon, current_user, form.code.data)
        db.session.commit()
    except salons.SalonError as err:
        db.session.rollback()
        return _checkin_page(_salon(salon_id), form, status=422, error=str(err))
    if is_fragment_request():
        return _checkin_page(salon, CheckinForm(formdata=None), result=participant)
    flash(_("Checked in: %(name)s.", name=participant.person.name), "success")
    return redirect_after_post(url_for("salon_admin.checkin", salon_id=salon_id))


# Live capture and triage are in portal/blueprints/salons/suggestions.py, on the same blueprint.
from portal.blueprints.salons import suggestions as _suggestion_pages  # noqa: E402,F401
