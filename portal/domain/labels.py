"""Words for codes: states, actions, reasons, ratings. One place, translated through Flask-Babel."""
from flask_babel import lazy_gettext as _l

# Two vocabularies: STATE_LABELS speaks about the case (staff pages, public lists, the API); CITIZEN_STATE_LABELS
# speaks to the citizen on their own case's page ("awaiting your rating"). Never show the second one to staff.
STATE_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "assigned": _l("Assigned"),
    "handling": _l("Being handled"),
    "replied": _l("Replied"),
    "awaiting_evaluation": _l("Awaiting the citizen's rating"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
    "declined": _l("Declined"),
    "dissatisfied": _l("Being re-handled"),
    "merged": _l("Merged into an earlier case"),
}

CITIZEN_STATE_LABELS = {
    **STATE_LABELS,
    "awaiting_evaluation": _l("Awaiting your rating"),
    "dissatisfied": _l("Being handled again"),
    "merged": _l("Merged into an earlier case about the same matter"),
}

ACTION_LABELS = {
    "submit": _l("Request received"),
    "accept": _l("Accepted by the platform"),
    "decline": _l("Declined"),
    "answer_directly": _l("Answered on the spot"),
    "assign": _l("Assigned to a handling unit"),
    "sign_for": _l("Signed for by the unit"),
    "return": _l("Returned by the unit to the dispatcher"),
    "keep": _l("Dispatcher ruled the unit keeps the case"),
    "request_extension": _l("Extension requested"),
    "approve_extension": _l("Extension approved: new deadline"),
    "deny_extension": _l("Extension denied"),
    "consult": _l("Consultation held: lead and co-handling units set"),
    "co_input": _l("Co-handling unit sent its input"),
    "draft_reply": _l("Reply drafted"),
    "reply": _l("Reply approved by the unit lead"),
    "send_back": _l("Reply sent back for rework"),
    "release": _l("Reply sent to the citizen"),
    "evaluate": _l("Citizen rated the handling"),
    "close": _l("Closed without a rating"),
    "rehandle": _l("Sent back for re-handling"),
    "merge": _l("Merged into an earlier case about the same matter"),
    "escalate": _l("Overdue: escalated to supervision"),
    "supervise": _l("Supervision order issued"),
    "supervision_answer": _l("Unit answered the supervision order"),
    "quality_review": _l("Monitor reviewed the handling"),
    "flag_upheld": _l("Perfunctory-handling flag upheld"),
    "flag_dismissed": _l("Perfunctory-handling flag dismissed"),
    "salon_link": _l("Linked to a new-media tea salon suggestion"),
    "echo_published": _l("Published on the echo wall"),
    "contact_anonymised": _l("Contact details anonymised (retention period over)"),
    "governance_link": _l("Handled as a whole with similar reports"),
}

DECLINE_REASONS = {
    "litigation": _l("Outside scope: litigation, arbitration or administrative review"),
    "discipline": _l("Outside scope: discipline inspection"),
    "open_information": _l("Outside scope: open-government-information request"),
    "petition": _l("Outside scope: already in the petition (信访) process"),
    "secret": _l("State or commercial secret"),
    "privacy": _l("Another person's privacy"),
    "abusive": _l("Abusive content"),
    "duplicate": _l("Duplicate of an existing case"),
}

RETURN_REASONS = {
    "wrong_locality": _l("Wrong locality"),
    "unclear_ownership": _l("Unclear ownership"),
    "overlapping_duties": _l("Overlapping duties"),
}

PRIORITY_LABELS = {
    "urgent": _l("Urgent (2 working days)"),
    "simple": _l("Simple (2 working days)"),
    "general": _l("General (5 working days)"),
    "complex": _l("Complex (after consultation)"),
}

REPLY_TYPES = {
    "resolved": _l("Resolved"),
    "explained": _l("Explained (long-term or not allowed by policy)"),
    "partly_resolved": _l("Partly resolved"),
}

RESOLUTION_LABELS = {
    "resolved": _l("Resolved"),
    "partly": _l("Partly resolved"),
    "not_resolved": _l("Not resolved"),
}

SATISFACTION_LABELS = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
}

UNIT_KIND_LABELS = {
    "city_department": _l("City department"),
    "county_government": _l("County or district government"),
    "town_street": _l("Town or street office"),
}

PLATFORM_KIND_LABELS = {
    "city": _l("City main platform"),
    "county": _l("County or district sub-platform"),
    "sector": _l("Sector sub-platform"),
}

# The names the chinesecalendar package gives its holidays (stored as they come), shown in the user's language.
HOLIDAY_LABELS = {
    "New Year's Day": _l("New Year's Day"), "Spring Festival": _l("Spring Festival"),
    "Tomb-sweeping Day": _l("Tomb-sweeping Day"), "Labour Day": _l("Labour Day"),
    "Dragon Boat Festival": _l("Dragon Boat Festival"), "National Day": _l("National Day"),
    "Mid-autumn Festival": _l("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _l("70th anniversary of the victory in the War of Resistance"),
}

LIGHT_LABELS = {
    "green": _l("On time"),
    "yellow": _l("Due within 1 working day"),
    "red": _l("Overdue"),
}

# Button words for each step (imperative), as shown on the case page.
STEP_LABELS = {
    "accept": _l("Accept"),
    "decline": _l("Decline"),
    "answer_directly": _l("Answer directly"),
    "assign": _l("Assign"),
    "consult": _l("Hold a consultation (complex case)"),
    "sign_for": _l("Sign for this case"),
    "return": _l("Return to the dispatcher"),
    "keep": _l("Rule that the unit keeps it"),
    "request_extension": _l("Request an extension"),
    "approve_extension": _l("Approve the extension"),
    "deny_extension": _l("Deny the extension"),
    "co_input": _l("Send input to the lead unit"),
    "draft_reply": _l("Draft the reply"),
    "reply": _l("Approve the reply"),
    "send_back": _l("Send the reply back"),
    "release": _l("Release the reply to the citizen"),
    "rehandle": _l("Re-handle"),
    "merge": _l("Merge into an earlier case"),
}

CHANNEL_LABELS = {
    "web": _l("Web portal"),
    "hotline": _l("12345 hotline"),
    "mayor_mailbox": _l("Mayor's mailbox"),
    "leader_board": _l("Leader message board"),
    "media_hotline": _l("Media hotline"),
    "opinion_monitoring": _l("Public-opinion monitoring"),
    "tea_salon": _l("New-media tea salon"),
}

ROLE_LABELS = {
    "operator": _l("Hotline operator"),
    "dispatcher": _l("Dispatcher"),
    "handler": _l("Case handler"),
    "unit_lead": _l("Unit lead"),
    "supervisor": _l("Supervisor"),
    "monitor": _l("Appointed monitor"),
    "salon_organizer": _l("Salon organizer"),
    "admin": _l("Administrator"),
}
