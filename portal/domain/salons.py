"""New-media tea salons (新媒体茶座): the one place where a salon, its roster and its suggestions change.

A salon moves planned → registration_open → in_progress → closed → outcomes_published (an invitation-only salon
may start straight from planned). Every function here checks that the step is legal now and raises `SalonError`
(a message for the user) when it is not; views never assign `salon.state`, `participant.state` or
`suggestion.outcome` themselves.

Roster: netizens register publicly while registration is open; within the capacity they are "registered" (waiting
for the organizer to confirm), beyond it "waitlisted". The organizer confirms (a waitlisted person only when a seat
is free), declines, or adds people directly (confirmed; the organizer's invitation is not limited by the public
capacity). Seats taken = registered + confirmed + checked in. Only confirmed people check in, by their attendance
code, while registration is open or the salon is in progress.

Suggestions are recorded while the salon is in progress, then triaged (in progress or closed): adopted → a new case
on channel "tea_salon" received, accepted and assigned through the workflow (the organizer dispatches tea-salon
cases); in hand → linked to an existing case; not adopted → with an explanation. Outcomes are published once
every suggestion is triaged.

The raiser's rating (personal link, no login): an adopted suggestion is rated through `workflow.evaluate` while
its case awaits the citizen's rating (dissatisfied → the dissatisfied zone), and again after each re-handled reply;
an in-hand suggestion (the case belongs to another citizen) or a not-adopted one is rated once, after publication,
and the rating is kept on the suggestion only. Every rating is also stored on the suggestion for the statistics.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.domain import calendar, intake, lookups, notify, workflow
from portal.extensions import db
from portal.models import (
    AgendaItem,
    Case,
    Category,
    Participant,
    Person,
    Role,
    Salon,
    SalonEvent,
    SalonUnit,
    Suggestion,
    Unit,
    User,
)
from portal.models.base import utcnow

SALON_STATE_LABELS = {
    "planned": _l("Planned"),
    "registration_open": _l("Registration open"),
    "in_progress": _l("In progress"),
    "closed": _l("Held — outcomes to come"),
    "outcomes_published": _l("Outcomes published"),
}
# What the public outcome page says of a suggestion's case (the staff words are written for the case's citizen).
PUBLIC_CASE_STATUS = {
    "submitted": _l("Received"),
    "accepted": _l("Received"),
    "assigned": _l("With the unit"),
    "handling": _l("Being handled by the unit"),
    "replied": _l("Reply being reviewed"),
    "awaiting_evaluation": _l("Answered, waiting for the raiser's rating"),
    "closed": _l("Answered and closed"),
    "archived": _l("Answered and closed"),
    "declined": _l("Declined"),
    "dissatisfied": _l("Being handled again"),
    "merged": _l("Handled with an earlier case"),
}
VENUE_KIND_LABELS = {
    "city": _l("In the city"),
    "out_of_town": _l("Out of town"),
    "grassroots": _l("At the grassroots"),
}
PERSON_KIND_LABELS = {
    "opinion_leader": _l("Online opinion leader"),
    "netizen_rep": _l("Netizen representative"),
    "media": _l("Media"),
    "official": _l("Official"),
    "unit_rep": _l("Unit representative"),
}
PUBLIC_KINDS = ("netizen_rep", "opinion_leader", "media")  # who may register on the public form
PARTICIPANT_STATE_LABELS = {
    "registered": _l("Registered, to confirm"),
    "waitlisted": _l("On the waiting list"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Not admitted"),
    "checked_in": _l("Checked in"),
}
OUTCOME_LABELS = {
    "pending": _l("Being considered"),
    "adopted": _l("Adopted"),
    "in_hand": _l("Already in hand"),
    "not_adopted": _l("Not adopted"),
}
# action -> (states it may start from, state it leads to, button words)
TRANSITIONS = {
    "open_registration": (frozenset({"planned"}), "registration_open", _l("Open registration")),
    "start": (frozenset({"planned", "registration_open"}), "in_progress", _l("Start the salon")),
    "close": (frozenset({"in_progress"}), "closed", _l("Close the salon")),
    "publish": (frozenset({"closed"}), "outcomes_published", _l("Publish the outcomes")),
}
HELD = ("in_progress", "closed", "outcomes_published")
EDITABLE = ("planned", "registration_open")
ROSTER_OPEN = ("planned", "registration_open", "in_progress")  # the roster may still change
# roster decision -> the participant states it may start from (the organizer's buttons follow this table)
PARTICIPANT_ACTIONS = {"confirm": ("registered", "waitlisted", "declined"),
                       "decline": ("registered", "waitlisted", "confirmed")}
TRIAGE_STATES = ("in_progress", "closed")
SEATED = ("registered", "confirmed", "checked_in")
RESOLUTION_FOR = {"satisfied": "resolved", "basically_satisfied": "partly", "dissatisfied": "not_resolved"}
RELEASED = ("awaiting_evaluation", "closed", "archived")  # the unit's reply has reached the citizen
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed at the door
CODE_LENGTH = 8


class SalonError(Exception):
    """A refused step; str() is a message for the user in their language."""


def _require_organizer(actor: User) -> None:
    if actor is None or actor.role not in (Role.SALON_ORGANIZER, Role.ADMIN):
        raise SalonError(_("Only the salon organizer may do this."))


def _lock(salon: Salon) -> None:
    """Serialise roster changes of one salon (capacity checks) on PostgreSQL; a no-op on SQLite."""
    db.session.execute(select(Salon.id).where(Salon.id == salon.id).with_for_update())


# ---- the salon -------------------------------------------------------------------------------------------------

@dataclass
class SalonData:
    """What the organizer fills in, already validated by the form layer (times aware)."""

    title: str
    theme: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    venue_kind: str
    capacity: int
    invited_officials: str = ""
    unit_ids: tuple[int, ...] = ()
    agenda: tuple[tuple[str, int], ...] = ()  # (title, minutes) in order


def _apply(salon: Salon, data: SalonData) -> None:
    if data.ends_at <= data.starts_at:
        raise SalonError(_("The salon must end after it starts."))
    if data.venue_kind not in Salon.VENUE_KINDS:
        raise SalonError(_("Choose where the salon is held."))
    salon.title, salon.theme, salon.venue, salon.venue_kind = data.title, data.theme, data.venue, data.venue_kind
    salon.starts_at, salon.ends_at, salon.capacity = data.starts_at, data.ends_at, data.capacity
    salon.invited_officials = data.invited_officials or ""
    for item in list(salon.agenda):
        db.session.delete(item)
    salon.agenda = [AgendaItem(position=i, title=title, minutes=minutes)
                    for i, (title, minutes) in enumerate(data.agenda)]
    wanted = set(data.unit_ids)
    for link in list(salon.invited_units):
        if link.unit_id not in wanted:
            salon.invited_units.remove(link)
            db.session.delete(link)
    have = {link.unit_id for link in salon.invited_units}
    units = db.session.scalars(select(Unit).where(Unit.id.in_(wanted - have))).all() if wanted - have else []
    for unit in units:
        salon.invited_units.append(SalonUnit(unit=unit))


def create_salon(actor: User, data: SalonData, at: datetime | None = None) -> Salon:
    _require_organizer(actor)
    salon = Salon(organizer=actor, state="planned", created_at=at or utcnow(), agenda=[], invited_units=[])
    db.session.add(salon)
    _apply(salon, data)
    return salon


def update_salon(salon: Salon, actor: User, data: SalonData) -> Salon:
    _require_organizer(actor)
    if salon.state not in EDITABLE:
        raise SalonError(_("A salon can be edited only before it starts."))
    if data.capacity < seats_taken(salon) and data.capacity < salon.capacity:
        raise SalonError(_("%(n)d seats are already taken: the capacity cannot be lower.", n=seats_taken(salon)))
    _apply(salon, data)
    return salon


def may(salon: Salon, action: str) -> bool:
    return salon.state in TRANSITIONS[action][0]


def _move(salon: Salon, action: str, actor: User, at: datetime | None = None) -> SalonEvent:
    """The one place where a salon changes state; every change is written to the salon's append-only log."""
    _require_organizer(actor)
    if not may(salon, action):
        raise SalonError(_("This step is not possible now: the salon is “%(state)s”.",
                     state=SALON_STATE_LABELS[salon.state]))
    entry = SalonEvent(salon=salon, action=action, from_state=salon.state, to_state=TRANSITIONS[action][1],
                       actor_id=actor.id, at=at or utcnow())
    salon.state = entry.to_state
    db.session.add(entry)
    return entry


def open_registration(salon: Salon, actor: User) -> None:
    _move(salon, "open_registration", actor)


def start(salon: Salon, actor: User) -> None:
    _move(salon, "start", actor)


def close(salon: Salon, actor: User, attendance_note: str, summary: str, at: datetime | None = None) -> None:
    """The closing report: attendance (what the organizer wrote; the check-in count is shown beside it)."""
    if not (summary or "").strip():
        raise SalonError(_("Write the summary of the salon."))
    _move(salon, "close", actor, at)
    salon.attendance_note, salon.summary, salon.closed_at = attendance_note, summary, at or utcnow()


def publish(salon: Salon, actor: User, rating_link=None, at: datetime | None = None) -> None:
    """Publish the outcome page. `rating_link(code) -> url`: when given, each raiser is sent their link."""
    pending = sum(1 for s in salon.suggestions if s.outcome == "pending")
    if salon.state == "closed" and pending:
        raise SalonError(_("Triage every suggestion before publishing the outcomes (%(n)d still to triage).", n=pending))
    _move(salon, "publish", actor, at)
    salon.published_at = at or utcnow()
    if rating_link is not None:
        for suggestion in salon.suggestions:
            person = suggestion.participant.person if suggestion.participant else None
            if person and person.phone and suggestion.rating_code:
                with force_locale("zh_Hans"):
                    body = gettext("[Fuyang 12345] The outcome of your suggestion at the new-media tea salon "
                                   "“%(title)s” is published. See it and rate it: %(link)s",
                                   title=salon.title, link=rating_link(suggestion.rating_code))
                notify.queue("sms", person.phone, body)


def attendance(salon: Salon) -> tuple[int, int]:
    """(checked in, confirmed or checked in)."""
    checked = sum(1 for p in salon.participants if p.state == "checked_in")
    return checked, checked + sum(1 for p in salon.participants if p.state == "confirmed")


# ---- the roster ------------------------------------------------------------------------------------------------

def seats_taken(salon: Salon) -> int:
    return db.session.scalar(select(func.count(Participant.id)).where(
        Participant.salon_id == salon.id, Participant.state.in_(SEATED))) or 0


def new_attendance_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Participant.id).where(Participant.attendance_code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def find_or_create_person(name: str, kind: str, platform: str = "", handle: str = "", phone: str = "",
                          email: str | None = None, at: datetime | None = None) -> Person:
    """The same person across salons counts once: matched by phone, else by platform and handle.

    A match is never overwritten from a form (someone who knows a phone number cannot rename its owner)."""
    person = None
    if phone:
        person = db.session.scalar(select(Person).where(Person.phone == phone).order_by(Person.id).limit(1))
    if person is None and handle:
        person = db.session.scalar(select(Person).where(Person.platform == (platform or ""),
                                                        Person.handle == handle).order_by(Person.id).limit(1))
    if person is None:
        person = Person(name=name, kind=kind, platform=platform or "", handle=handle or "", phone=phone or "",
                        email=email or None, created_at=at or utcnow())
        db.session.add(person)
    return person


def _enrol(salon: Salon, person: Person, state: str, self_registered: bool, at: datetime | None) -> Participant:
    if person.id is not None and db.session.scalar(select(Participant.id).where(
            Participant.salon_id == salon.id, Participant.person_id == person.id)) is not None:
        raise SalonError(_("%(name)s is already on this salon's roster.", name=person.name))
    participant = Participant(salon=salon, person=person, state=state, attendance_code=new_attendance_code(),
                              registered_at=at or utcnow(), self_registered=self_registered)
    db.session.add(participant)
    return participant


def register(salon: Salon, *, name: str, kind: str, platform: str, handle: str, phone: str,
             email: str | None = None, at: datetime | None = None) -> Participant:
    """A netizen's public registration: "registered" within the capacity, "waitlisted" beyond it."""
    if salon.state != "registration_open":
        raise SalonError(_("Registration for this salon is not open."))
    if kind not in PUBLIC_KINDS:
        kind = "netizen_rep"
    _lock(salon)
    person = find_or_create_person(name, kind, platform, handle, phone, email, at)
    state = "registered" if seats_taken(salon) < salon.capacity else "waitlisted"
    return _enrol(salon, person, state, True, at)


def add_participant(salon: Salon, actor: User, *, name: str, kind: str, platform: str = "", handle: str = "",
                    phone: str = "", email: str | None = None, at: datetime | None = None) -> Participant:
    """The organizer puts someone on the roster (an invited opinion leader, an official): confirmed at once."""
    _require_organizer(actor)
    if not roster_open(salon):
        raise SalonError(_("The roster of a closed salon cannot change."))
    if kind not in Person.KINDS:
        raise SalonError(_("Choose the kind of participant."))
    _lock(salon)
    person = find_or_create_person(name, kind, platform, handle, phone, email, at)
    return _enrol(salon, person, "confirmed", False, at)


def _participant_of(salon: Salon, participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.salon_id != salon.id:
        raise SalonError(_("This person is not on the salon's roster."))
    return participant


def roster_open(salon: Salon) -> bool:
    return salon.state in ROSTER_OPEN


def participant_actions(participant: Participant) -> list[str]:
    """The roster decisions the organizer may take on this participant now ("confirm", "decline")."""
    if not roster_open(participant.salon):
        return []
    return [action for action, states in PARTICIPANT_ACTIONS.items() if participant.state in states]


def confirm(participant: Participant, actor: User, notify_person: bool = True) -> Participant:
    """Confirm a registration, or promote someone from the waiting list when a seat is free."""
    _require_organizer(actor)
    salon = participant.salon
    if not roster_open(salon):
        raise SalonError(_("The roster of a closed salon cannot change."))
    if participant.state not in PARTICIPANT_ACTIONS["confirm"]:
        raise SalonError(_("%(name)s is already “%(state)s”.", name=participant.person.name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    _lock(salon)
    if participant.state != "registered" and seats_taken(salon) >= salon.capacity:
        raise SalonError(_("No seat is free (capacity %(n)d). Decline someone or raise the capacity first.",
                     n=salon.capacity))
    participant.state = "confirmed"
    person = participant.person
    if notify_person and person.phone:
        with force_locale("zh_Hans"):
            body = gettext("[Fuyang 12345] You are confirmed for the new-media tea salon “%(title)s” (%(when)s, "
                           "%(venue)s). Your check-in code: %(code)s",
                           title=salon.title, venue=salon.venue, code=participant.attendance_code,
                           when=salon.starts_at.astimezone(calendar.SHANGHAI).strftime("%Y-%m-%d %H:%M"))
        notify.queue("sms", person.phone, body)
    return participant


def decline(participant: Participant, actor: User) -> Participant:
    _require_organizer(actor)
    if not roster_open(participant.salon):
        raise SalonError(_("The roster of a closed salon cannot change."))
    if participant.state not in PARTICIPANT_ACTIONS["decline"]:
        raise SalonError(_("%(name)s is already “%(state)s”.", name=participant.person.name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    participant.state = "declined"
    return participant


def check_in(salon: Salon, actor: User, code: str, at: datetime | None = None) -> Participant:
    """At the door: the attendance code (typed, or read by a scanner from the printed QR code)."""
    _require_organizer(actor)
    if salon.state not in ("registration_open", "in_progress"):
        raise SalonError(_("Check-in is possible only while registration is open or the salon is in progress."))
    code = normalise_code(code)
    participant = db.session.scalar(select(Participant).where(Participant.attendance_code == code)) if code else None
    if participant is None or participant.salon_id != salon.id:
        raise SalonError(_("No participant of this salon has the code “%(code)s”. Check the code and try again.",
                     code=code))
    name = participant.person.name
    if participant.state == "checked_in":
        raise SalonError(_("%(name)s is already checked in (at %(time)s).", name=name,
                     time=participant.checked_in_at.astimezone(calendar.SHANGHAI).strftime("%H:%M")))
    if participant.state != "confirmed":
        raise SalonError(_("%(name)s is not confirmed (“%(state)s”): confirm them on the roster first.", name=name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    participant.state, participant.checked_in_at = "checked_in", at or utcnow()
    return participant


# ---- suggestions -----------------------------------------------------------------------------------------------

def raisers(salon: Salon) -> list[Participant]:
    """Who may be named as raising a suggestion: everyone on the roster who is not declined or waiting."""
    return [p for p in salon.participants if p.state in ("checked_in", "confirmed", "registered")]


def record_suggestion(salon: Salon, actor: User, *, participant_id: int, text: str,
                      agenda_item_id: int | None = None, category_id: int | None = None,
                      at: datetime | None = None) -> Suggestion:
    _require_organizer(actor)
    if salon.state != "in_progress":
        raise SalonError(_("Suggestions are recorded while the salon is in progress."))
    participant = _participant_of(salon, participant_id)
    if participant.state not in ("checked_in", "confirmed", "registered"):
        raise SalonError(_("%(name)s is not taking part (“%(state)s”).", name=participant.person.name,
                     state=PARTICIPANT_STATE_LABELS[participant.state]))
    if agenda_item_id is not None and agenda_item_id not in {a.id for a in salon.agenda}:
        raise SalonError(_("Choose an agenda item of this salon."))
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise SalonError(_("Choose a category from the list."))
    suggestion = Suggestion(salon=salon, participant=participant, agenda_item_id=agenda_item_id,
                            category_id=category_id, text=text.strip(), recorded_by_id=actor.id,
                            recorded_at=at or utcnow(), outcome="pending", rating_code=secrets.token_urlsafe(16))
    db.session.add(suggestion)
    return suggestion


def _triageable(suggestion: Suggestion, actor: User) -> None:
    _require_organizer(actor)
    if suggestion.outcome != "pending":
        raise SalonError(_("This suggestion has already been triaged: “%(outcome)s”.",
                     outcome=OUTCOME_LABELS[suggestion.outcome]))
    if suggestion.salon.state not in TRIAGE_STATES:
        raise SalonError(_("Suggestions are triaged while the salon is in progress or closed."))


def _link_note(suggestion: Suggestion) -> str:
    return f"{suggestion.salon.title} · #{suggestion.id}"


def adopt(suggestion: Suggestion, actor: User, *, unit: Unit, priority: str, county_id: int, category_id: int,
          title: str, address: str | None = None, at: datetime | None = None) -> Case:
    """The suggestion becomes a case (channel tea_salon) owned by `unit` with a working-day deadline."""
    _triageable(suggestion, actor)
    person = suggestion.participant.person
    at = at or utcnow()
    case, _code = intake.receive(intake.Submission(
        category_id=category_id, county_id=county_id, town_id=None, address=address or suggestion.salon.venue,
        title=title, description=suggestion.text, citizen_name=person.name, citizen_phone=person.phone or "",
        citizen_email=person.email, channel="tea_salon"), entered_by=actor, at=at)
    db.session.flush()  # the case's id and column defaults, before the workflow steps
    workflow.accept(case, actor, at=at)
    workflow.assign(case, actor, unit, priority, at=at)
    workflow.record_note(case, "salon_link", actor, _link_note(suggestion), at=at,
                         data={"salon_id": suggestion.salon_id, "suggestion_id": suggestion.id})
    suggestion.case, suggestion.outcome = case, "adopted"
    return case


def mark_in_hand(suggestion: Suggestion, actor: User, tracking_no: str, explanation: str = "",
                 at: datetime | None = None) -> Case:
    """The matter is already being handled as an existing case: link the suggestion to it."""
    _triageable(suggestion, actor)
    number = lookups.normalise_tracking_no(tracking_no)
    case = lookups.case_by_tracking_no(number)
    if case is None:
        raise SalonError(_("No case has the tracking number “%(no)s”.", no=number))
    if case.state in ("declined", "merged"):
        raise SalonError(_("Case %(no)s is “%(state)s”: link the case that is being handled.", no=number,
                     state=workflow.STATE_LABELS[case.state]))
    workflow.record_note(case, "salon_link", actor, _link_note(suggestion), at=at,
                         data={"salon_id": suggestion.salon_id, "suggestion_id": suggestion.id, "in_hand": True})
    suggestion.case, suggestion.outcome = case, "in_hand"
    suggestion.explanation = explanation or None
    return case


def not_adopt(suggestion: Suggestion, actor: User, explanation: str) -> None:
    _triageable(suggestion, actor)
    if len((explanation or "").strip()) < 5:
        raise SalonError(_("Explain why the suggestion is not adopted (at least 5 characters)."))
    suggestion.outcome, suggestion.explanation = "not_adopted", explanation.strip()


def salon_links(case: Case) -> list[Suggestion]:
    """The salon suggestions a case answers (the other end of the chain)."""
    if case is None or case.id is None:
        return []
    return list(db.session.scalars(select(Suggestion).where(Suggestion.case_id == case.id)
                                   .order_by(Suggestion.id)))


# ---- the raiser's rating ----------------------------------------------------------------------------------

def by_rating_code(code: str) -> Suggestion | None:
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Suggestion).where(Suggestion.rating_code == code))


def rating_refusal(suggestion: Suggestion) -> str | None:
    """Why the raiser cannot rate now (a message), or None when they can."""
    case = suggestion.case
    if suggestion.outcome == "adopted":
        if case.state == "awaiting_evaluation":
            return None
        if case.state == "dissatisfied":
            return gettext("Thank you: the case is being handled again. You can rate the new reply once it is sent.")
        if case.state in ("closed", "archived") and suggestion.satisfaction:
            return gettext("You have rated this outcome. Thank you.")
        if case.state in ("closed", "archived"):
            return gettext("The rating period for this case has ended.")
        return gettext("The unit is still handling your suggestion. You can rate it once the reply is sent.")
    if suggestion.satisfaction:
        return gettext("You have rated this outcome. Thank you.")
    if suggestion.salon.state != "outcomes_published" or suggestion.outcome == "pending":
        return gettext("The outcome is not published yet. Please come back later.")
    return None


def rate(suggestion: Suggestion, satisfaction: str, comment: str | None = None, at: datetime | None = None) -> None:
    refusal = rating_refusal(suggestion)
    if refusal:
        raise SalonError(refusal)
    if satisfaction not in RESOLUTION_FOR:
        raise SalonError(_("Choose an answer."))
    comment = (comment or "").strip() or None
    if satisfaction == "dissatisfied" and len(comment or "") < 5:
        raise SalonError(_("Tell us why you are dissatisfied."))
    at = at or utcnow()
    if suggestion.outcome == "adopted":  # the raiser is the case's citizen: the normal evaluation
        workflow.evaluate(suggestion.case, RESOLUTION_FOR[satisfaction], satisfaction, comment, at=at)
    suggestion.satisfaction, suggestion.rating_comment, suggestion.rated_at = satisfaction, comment, at
