"""Appointed monitors (监督员): their page (a fresh sample to review, their reviews, the fate of their flags) and
the review form on the case page (`review_panel`, a panel registered with `case_panel`).

Monitors only read: `guard_monitors` refuses (403) every POST they send to a staff page other than this
blueprint's, and signs out a monitor whose term is not current. Nothing here shows a citizen's name or phone.
"""
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from portal.blueprints.cases.case_page import Failed, case_page, case_panel
from portal.domain import monitoring, scope
from portal.extensions import db
from portal.models import Case, QualityReview, Role
from portal.web import redirect_after_post, render_page, roles_required, submit_once
from portal.web.forms import IntegerField, strip

bp = Blueprint("monitors", __name__, url_prefix="/staff")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _score(label):
    return IntegerField(label, validators=[
        InputRequired(_l("Give a score from 1 to 5.")),
        NumberRange(min=1, max=5, message=_l("Give a score from 1 to 5."))])


class ReviewForm(FlaskForm):
    timeliness = _score(monitoring.SCORE_LABELS["timeliness"])
    attitude = _score(monitoring.SCORE_LABELS["attitude"])
    solution = _score(monitoring.SCORE_LABELS["solution"])
    reply_quality = _score(monitoring.SCORE_LABELS["reply_quality"])
    comment = TextAreaField(_l("Comment"), filters=[strip],
                            validators=[Length(max=4000, message=_l("At most %(max)d characters."))])
    perfunctory = BooleanField(_l("Flag perfunctory handling (敷衍应付) for the supervisors"))

    def validate_comment(self, field):
        if self.perfunctory.data and len(field.data or "") < 5:
            raise ValidationError(_l("Say what was perfunctory about the handling (at least 5 characters)."))


# ---------------------------------------------------------------------------------------------- guard
@bp.before_app_request
def guard_monitors():
    """Monitors read only; a monitor outside their term is signed out."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    if current_user.role != Role.MONITOR:
        return None
    if not monitoring.may_sign_in(current_user):
        profile = monitoring.profile_of(current_user)
        logout_user()
        flash(_("Your appointment as a monitor ran from %(start)s to %(end)s; this account cannot be used "
                "outside that term.", start=profile.term_start.isoformat(), end=profile.term_end.isoformat()),
              "error")
        return redirect(url_for("auth.login"), code=303)
    if request.method not in SAFE_METHODS and request.path.startswith("/staff/") and request.blueprint != bp.name:
        abort(403)
    return None


# ---------------------------------------------------------------------------------------------- case page
@dataclass
class ReviewPanel:
    is_monitor: bool = False
    form: ReviewForm | None = None
    refusal: str = ""
    own: QualityReview | None = None
    reviews: list[QualityReview] = field(default_factory=list)  # every review, for supervisors
    kinds: dict[int, str] = field(default_factory=dict)
    error: str = ""

    @property
    def offers(self) -> tuple[str, ...]:
        """A monitor's review form, ranked with the case's steps (`portal.domain.step_order`)."""
        return ("review",) if self.form is not None else ()


@case_panel("review", "monitors/_review_panel.html")
def review_panel(case: Case, failed: Failed | None) -> ReviewPanel | None:
    """A monitor's own review (or the form, or why not); every review for supervisors; nothing for others."""
    user = current_user
    mine = failed is not None and failed.key == "review"
    panel = ReviewPanel(error=failed.error if mine else "")
    if user.role == Role.MONITOR:
        panel.is_monitor = True
        panel.own = monitoring.review_by(user, case)
        if panel.own is None:
            refusal = monitoring.review_refusal(user, case)
            if refusal:
                panel.refusal = refusal
            else:
                panel.form = (failed.form if mine and failed.form else None) or ReviewForm(prefix="review")
    elif user.role in monitoring.DECIDERS:
        panel.reviews = monitoring.case_reviews(case)
    return panel if panel.is_monitor or panel.reviews else None


@bp.post("/cases/<int:case_id>/review")
@roles_required(Role.MONITOR)
def review(case_id):
    case = scope.visible_case(current_user, case_id)
    form = ReviewForm(prefix="review")
    if form.validate():
        if submit_once.claim(f"review:{case_id}").repeated:  # the same review posted twice counts once
            return redirect_after_post(url_for("staff.case_detail", case_id=case_id) + "#review")
        scores = {name: getattr(form, name).data for name in monitoring.SCORES}
        try:
            item = monitoring.review(case, current_user, scores, form.comment.data, form.perfunctory.data)
            db.session.commit()
        except monitoring.ReviewError as err:
            db.session.rollback()
            return case_page(db.session.get(Case, case_id), Failed("review", error=str(err)), status=409)
        except IntegrityError:  # a second review sent at the same moment
            db.session.rollback()
            return case_page(db.session.get(Case, case_id),
                             Failed("review", error=_("You have already reviewed this case.")), status=409)
        flash(_("Your review was recorded; the perfunctory-handling flag went to the supervisors.")
              if item.perfunctory else _("Your review was recorded."), "success")
        return redirect_after_post(url_for("staff.case_detail", case_id=case_id) + "#review")
    return case_page(case, Failed("review", form), status=422)


# ---------------------------------------------------------------------------------------------- the monitor's page
@bp.get("/monitor")
@roles_required(Role.MONITOR)
def home():
    profile = monitoring.profile_of(current_user)
    sample = monitoring.sample(current_user) if profile is not None else []
    reviews, outcomes = monitoring.own_reviews(current_user)
    return render_page("monitors/home.html", "sample", profile=profile, sample=sample, reviews=reviews,
                       outcomes=outcomes, sample_days=monitoring.SAMPLE_DAYS)
