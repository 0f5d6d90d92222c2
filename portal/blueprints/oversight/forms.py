"""Forms of the oversight pages: supervision orders and the flag queue, the monitors' review, the rankings'
publishing and interview list, the echo wall's stories."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.domain import monitoring, supervision
from portal.web.forms import IntegerField, choice_id, strip


# ---- supervision ----------------------------------------------------------------------------------------
def _days_field():
    return IntegerField(_l("Time limit (working days)"), default=supervision.DEFAULT_DAYS, validators=[
        InputRequired(_l("Enter the time limit in working days.")),
        NumberRange(min=1, max=supervision.MAX_DAYS, message=_l("Between %(min)d and %(max)d working days."))])


def _requirement_field(label):
    return TextAreaField(label, filters=[strip], validators=[
        DataRequired(_l("Write what the unit must do.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])


class IssueForm(FlaskForm):
    """An order on a case (the case's lead unit answers it)."""

    level = SelectField(_l("Level"), choices=list(supervision.LEVEL_LABELS.items()), default="normal")
    days = _days_field()
    requirement = _requirement_field(_l("Requirement"))


class UnitIssueForm(IssueForm):
    """An order on a unit, not tied to one case."""

    unit_id = SelectField(_l("Unit"), coerce=choice_id, validators=[InputRequired(_l("Choose the unit to supervise."))])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your unit's answer"), filters=[strip], validators=[
        DataRequired(_l("Write the unit's answer.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])


class FlagDecisionForm(FlaskForm):
    note = TextAreaField(_l("Note for the monitor (required to dismiss; the requirement when issuing an order)"),
                         filters=[strip], validators=[Length(max=4000, message=_l("At most %(max)d characters."))])
    issue_order = BooleanField(_l("Also issue a supervision order to the case's lead unit"))
    level = SelectField(_l("Level"), choices=list(supervision.LEVEL_LABELS.items()), default="normal")
    days = IntegerField(_l("Time limit (working days)"), default=supervision.DEFAULT_DAYS, validators=[
        Optional(), NumberRange(min=1, max=supervision.MAX_DAYS,
                                message=_l("Between %(min)d and %(max)d working days."))])


# ---- monitors ----------------------------------------------------------------------------------------------
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


# ---- rankings ----------------------------------------------------------------------------------------------
class PublishForm(FlaskForm):
    """Publishing cannot be undone: the first post shows a confirmation form (`stage=confirm`) whose checkbox
    must be ticked; works without JavaScript."""
    month = HiddenField(validators=[DataRequired()])
    stage = HiddenField()
    confirmed = BooleanField(_l("I have checked the figures: publish this ranking for good"))


def _text(label, message, max_length=4000):
    return TextAreaField(label, filters=[strip], validators=[
        DataRequired(message), Length(max=max_length, message=_l("At most %(max)d characters."))])


class InterviewForm(FlaskForm):
    held_on = DateField(_l("Date of the interview"), validators=[InputRequired(_l("Enter the date, like 2026-11-05."))])
    attendees = _text(_l("Attendees"), _l("List who attended."), 2000)
    rectification = _text(_l("Rectification promised"), _l("Write what the unit promised to put right."))


class FollowUpForm(FlaskForm):
    followed_up_on = DateField(_l("Date of the follow-up"), validators=[
        InputRequired(_l("Enter the date, like 2026-12-05."))])
    follow_up = _text(_l("Follow-up: what was done"), _l("Write what the unit has done since the interview."))


# ---- echo wall ---------------------------------------------------------------------------------------------
class EchoStoryForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the story a title.")), Length(max=120, message=_l("At most %(max)d characters."))])
    raised = TextAreaField(_l("What was raised"), filters=[strip], validators=[
        DataRequired(_l("Say what the citizen raised.")), Length(max=4000, message=_l("At most %(max)d characters."))])
    handling = TextAreaField(_l("How it was handled"), filters=[strip], validators=[
        DataRequired(_l("Say how the case was handled.")),
        Length(max=4000, message=_l("At most %(max)d characters."))])
    reply = TextAreaField(_l("The reply"), filters=[strip], validators=[
        DataRequired(_l("Give the reply the citizen received.")),
        Length(max=4000, message=_l("At most %(max)d characters."))])
