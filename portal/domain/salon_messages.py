"""Messages to tea-salon participants about their place on the roster (queued in the outbox, in Chinese like every
message to the public). Each one carries the attendance code the person shows at the door, so nobody is ever
asked for a code they were not sent."""
from flask_babel import force_locale, gettext

from portal.domain import calendar, notify
from portal.models import Participant


def roster_message(participant: Participant) -> None:
    """SMS (and email when known) to a participant whose place on the roster changed: registered, waitlisted or
    confirmed, always with the attendance code they show at the door."""
    person, salon = participant.person, participant.salon
    when = calendar.local_text(salon.starts_at)
    with force_locale("zh_Hans"):
        if participant.state == "confirmed":
            body = gettext("[Fuyang 12345] You are confirmed for the new-media tea salon “%(title)s” (%(when)s, "
                           "%(venue)s). Your check-in code: %(code)s",
                           title=salon.title, venue=salon.venue, code=participant.attendance_code, when=when)
        elif participant.state == "waitlisted":
            body = gettext("[Fuyang 12345] The new-media tea salon “%(title)s” (%(when)s) is full: you are on the "
                           "waiting list, and we will tell you if a seat frees up. Your attendance code: %(code)s",
                           title=salon.title, code=participant.attendance_code, when=when)
        else:
            body = gettext("[Fuyang 12345] We received your registration for the new-media tea salon “%(title)s” "
                           "(%(when)s, %(venue)s). The organizer will confirm your seat by SMS. Your attendance "
                           "code: %(code)s", title=salon.title, venue=salon.venue, code=participant.attendance_code,
                           when=when)
        subject = gettext("New-media tea salon “%(title)s”", title=salon.title)
    notify.queue("sms", person.phone, body)
    if person.email:
        notify.queue("email", person.email, body, subject=subject)
