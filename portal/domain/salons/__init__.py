"""New-media tea salons (新媒体茶座): the one place where a salon, its roster and its suggestions change.

A package along its sections: `lifecycle` (the salon and its log), `roster`, `triage` (suggestions), `rating`;
the words, tables and the error every part shares are here.

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, Role, Salon, User

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
# organizer step -> the salon states it may be taken in (the domain refuses it elsewhere; the pages offer it by this
# table through `salon_allows`)
SALON_STEPS = {"edit": EDITABLE, "check_in": ("registration_open", "in_progress"), "capture": ("in_progress",),
               "triage": TRIAGE_STATES}
SEATED = ("registered", "confirmed", "checked_in")
RESOLUTION_FOR = {"satisfied": "resolved", "basically_satisfied": "partly", "dissatisfied": "not_resolved"}
RELEASED = Case.RELEASED_STATES  # the unit's reply has reached the citizen
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed at the door
CODE_LENGTH = 8


class SalonError(Exception):
    """A refused step; str() is a message for the user in their language."""


def _require_organizer(actor: User) -> None:
    if actor is None or actor.role not in (Role.SALON_ORGANIZER, Role.ADMIN):
        raise SalonError(_("Only the salon organizer may do this."))


def salon_allows(salon: Salon, step: str) -> bool:
    """Whether the salon's state lets the organizer take `step` (a key of SALON_STEPS)."""
    return salon.state in SALON_STEPS[step]


def _lock(salon: Salon) -> None:
    """Serialise roster changes of one salon (capacity checks) on PostgreSQL; a no-op on SQLite."""
    db.session.execute(select(Salon.id).where(Salon.id == salon.id).with_for_update())


from portal.domain.salons.lifecycle import (  # noqa: E402
    SalonData,
    attendance,
    close,
    create_salon,
    may,
    open_registration,
    publish,
    start,
    update_salon,
)
from portal.domain.salons.rating import (  # noqa: E402
    by_rating_code,
    rate,
    rating_refusal,
)
from portal.domain.salons.roster import (  # noqa: E402
    add_participant,
    check_in,
    confirm,
    decline,
    find_or_create_person,
    new_attendance_code,
    normalise_code,
    participant_actions,
    register,
    roster_open,
    seats_taken,
)
from portal.domain.salons.triage import (  # noqa: E402
    adopt,
    mark_in_hand,
    not_adopt,
    raisers,
    record_suggestion,
    salon_links,
)

__all__ = ["SalonData", "add_participant", "adopt", "attendance", "by_rating_code", "check_in", "close", "confirm", "create_salon", "decline", "find_or_create_person", "mark_in_hand", "may", "new_attendance_code", "normalise_code", "not_adopt", "open_registration", "participant_actions", "publish", "raisers", "rate", "rating_refusal", "record_suggestion", "register", "roster_open", "salon_links", "seats_taken", "start", "update_salon"]
