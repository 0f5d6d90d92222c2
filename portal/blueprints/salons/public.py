"""Public pages of the new-media tea salons: the list with its figures, a salon, registration, the live board,
the outcome page, the .ics file and the raiser's personal rating link. No login anywhere here; names are masked
and phones never shown."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, request, session, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.blueprints.salons.forms import RatingForm, RegistrationForm
from portal.domain import salon_stats, salons, workflow
from portal.domain.calendar import SHANGHAI
from portal.extensions import db, limiter
from portal.models import Case, Participant, Salon, Suggestion
from portal.models.base import utcnow
from portal.web import redirect_after_post, render_page, submit_once
from portal.web.guard import public_url

bp = Blueprint("salons", __name__, url_prefix="/salons")

PUBLIC_STATES = ("registration_open", "in_progress", "closed", "outcomes_published")
LIVE_POLL_SECONDS = 5
RECEIPT_KEY = "salon_registration"


def public_salon_or_404(salon_id: int) -> Salon:
    """A salon the public may see: announced (not merely planned)."""
    salon = db.session.get(Salon, salon_id)
    if salon is None or salon.state not in PUBLIC_STATES:
        abort(404)
    return salon


@bp.get("")
def index():
    visible = db.session.scalars(select(Salon).where(Salon.state.in_(PUBLIC_STATES))
                                 .order_by(Salon.starts_at.desc())).all()
    groups = {state: [s for s in visible if s.state == state] for state in PUBLIC_STATES}
    counts = salon_stats.suggestion_counts([s.id for s in visible])
    return render_page("salons/index.html", groups=groups, counts=counts, stats=salon_stats.statistics())


@bp.get("/<int:salon_id>")
def detail(salon_id):
    salon = public_salon_or_404(salon_id)
    return render_page("salons/detail.html", salon=salon, seats=salons.seats_taken(salon))


@bp.get("/<int:salon_id>.ics")
def ics(salon_id):
    salon = public_salon_or_404(salon_id)
    cal = Calendar()
    cal.add("prodid", "-//Fuyang 12345//New-media tea salon//ZH")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"salon-{salon.id}@{urlsplit(public_url('public.home')).hostname or 'portal'}")  # never Host
    event.add("dtstamp", utcnow())
    event.add("dtstart", salon.starts_at.astimezone(SHANGHAI))
    event.add("dtend", salon.ends_at.astimezone(SHANGHAI))
    event.add("summary", salon.title)
    event.add("location", salon.venue)
    agenda = "\n".join(f"· {a.title} ({a.minutes}′)" for a in salon.agenda)
    event.add("description", salon.theme + (f"\n\n{agenda}" if agenda else ""))
    event.add("url", public_url("salons.detail", salon_id=salon.id))
    cal.add_component(event)
    cal.add_missing_timezones()
    response = make_response(cal.to_ical())
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="salon-{salon.id}.ics"'
    return response


@bp.route("/<int:salon_id>/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("SALON_REGISTER_RATE_LIMIT", "20 per hour"), methods=["POST"])
def register(salon_id):
    salon = public_salon_or_404(salon_id)
    form = RegistrationForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            once = submit_once.claim(f"salon-register:{salon.id}")
            if once.repeated and once.previous.get("participant_id"):  # registered once, posted twice
                session[RECEIPT_KEY] = {"salon_id": salon.id, "participant_id": once.previous["participant_id"]}
                return redirect_after_post(url_for("salons.registered", salon_id=salon.id))
            try:
                participant = salons.register(salon, name=form.name.data, kind=form.kind.data,
                                              platform=form.platform.data, handle=form.handle.data,
                                              phone=form.phone.data)
                db.session.flush()  # ids for the record of what was created
                once.done(participant_id=participant.id)
                db.session.commit()
            except salons.SalonError as err:
                db.session.rollback()
                salon = db.session.get(Salon, salon_id)
                form.form_errors.append(str(err))
                status = 409
            else:
                session[RECEIPT_KEY] = {"salon_id": salon.id, "participant_id": participant.id}
                return redirect_after_post(url_for("salons.registered", salon_id=salon.id))
    return render_page("salons/register.html", "register_form", status=status, salon=salon, form=form,
                       seats=salons.seats_taken(salon))


@bp.get("/<int:salon_id>/registered")
def registered(salon_id):
    salon = public_salon_or_404(salon_id)
    receipt = session.get(RECEIPT_KEY) or {}
    participant = db.session.get(Participant, receipt.get("participant_id") or 0)
    if participant is None or participant.salon_id != salon.id:
        return render_page("salons/registered.html", salon=salon, participant=None)
    return render_page("salons/registered.html", salon=salon, participant=participant)


@bp.get("/<int:salon_id>/live")
def live(salon_id):
    salon = public_salon_or_404(salon_id)
    suggestions = db.session.scalars(
        select(Suggestion).where(Suggestion.salon_id == salon.id)
        .options(selectinload(Suggestion.participant).selectinload(Participant.person),
                 selectinload(Suggestion.agenda_item))
        .order_by(Suggestion.id.desc())).all()
    return render_page("salons/live.html", "live_board", salon=salon, suggestions=suggestions,
                       poll_seconds=LIVE_POLL_SECONDS, now=utcnow())


@bp.get("/<int:salon_id>/outcomes")
def outcomes(salon_id):
    salon = public_salon_or_404(salon_id)
    if salon.state != "outcomes_published":
        abort(404)
    return render_page("salons/outcomes.html", salon=salon, suggestions=_with_cases(salon))


def _with_cases(salon: Salon) -> list[Suggestion]:
    return db.session.scalars(
        select(Suggestion).where(Suggestion.salon_id == salon.id)
        .options(selectinload(Suggestion.participant).selectinload(Participant.person),
                 selectinload(Suggestion.agenda_item), selectinload(Suggestion.case).selectinload(Case.lead_unit))
        .order_by(Suggestion.id)).all()


def _rating_page(suggestion: Suggestion, form: RatingForm | None = None, status: int = 200, error: str = ""):
    refusal = salons.rating_refusal(suggestion)
    if form is None and refusal is None:
        form = RatingForm()
    return render_page("salons/rate.html", "rating", status=status, suggestion=suggestion, salon=suggestion.salon,
                       form=form if refusal is None else None, refusal=refusal, error=error,
                       timeline=workflow.public_timeline(suggestion.case) if suggestion.outcome == "adopted"
                       else [])


@bp.get("/rate/<code>")
def rate(code):
    suggestion = salons.by_rating_code(code)
    if suggestion is None:
        abort(404)
    return _rating_page(suggestion)


@bp.post("/rate/<code>")
@limiter.limit("30 per hour")
def rate_post(code):
    suggestion = salons.by_rating_code(code)
    if suggestion is None:
        abort(404)
    form = RatingForm()
    if form.validate_on_submit() and submit_once.claim(f"salon-rating:{suggestion.id}").repeated:
        flash(_("Thank you for your rating."), "success")  # the same rating posted twice counts once
        return redirect_after_post(url_for("salons.rate", code=code))
    if salons.rating_refusal(suggestion) is not None:
        return _rating_page(suggestion, status=409)
    if not form.validate_on_submit():
        return _rating_page(suggestion, form, status=422)
    try:
        salons.rate(suggestion, form.satisfaction.data, form.comment.data)
        db.session.commit()
    except (salons.SalonError, workflow.WorkflowError) as err:
        db.session.rollback()
        return _rating_page(salons.by_rating_code(code), form, status=409, error=str(err))
    flash(_("Thank you for your rating."), "success")
    return redirect_after_post(url_for("salons.rate", code=code))

