"""The raiser's rating, by personal link without login."""
from datetime import datetime

from flask_babel import gettext
from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain import workflow
from portal.domain.salons import RESOLUTION_FOR, SalonError
from portal.extensions import db
from portal.models import Case, Suggestion
from portal.models.base import utcnow

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
        if case.state in Case.CLOSED_STATES and suggestion.satisfaction:
            return gettext("You have rated this outcome. Thank you.")
        if case.state in Case.CLOSED_STATES:
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
