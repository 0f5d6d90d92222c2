"""Forms for the steps of the handling loop. Each carries the case version the user saw."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.blueprints.public.forms import CaseForm
from portal.domain import lookups
from portal.domain.labels import (
    CHANNEL_LABELS,
    DECLINE_REASONS,
    PRIORITY_LABELS,
    REPLY_TYPES,
    RESOLUTION_LABELS,
    RETURN_REASONS,
    SATISFACTION_LABELS,
)
from portal.models import Case
from portal.web.forms import IntegerField, MultiCheckboxField, choice_id, strip, valid_phone
from portal.web.pickers import PickerCheckboxList, PickerSelect


def _text(label, required=True, min_length=2, message=None):
    validators = [Length(max=4000, message=_l("At most %(max)d characters."))]
    if required:
        validators = [DataRequired(message or _l("Write a few words.")),
                      Length(min=min_length, max=4000, message=_l("Between %(min)d and %(max)d characters."))]
    return TextAreaField(label, filters=[strip], validators=validators)


def rating_choices(labels: dict) -> list:
    """The choices of a rating, led by an empty "choose" entry so that nothing is chosen for the citizen."""
    return [("", _l("— choose —"))] + list(labels.items())


class OperatorIntakeForm(CaseForm):
    """An operator types in a call or a message from another channel, with the caller's details.

    The same fields as the citizen's form, worded for the operator: they speak about the caller, not to them."""

    citizen_name = StringField(_l("Caller's name"), filters=[strip], validators=[
        DataRequired(_l("Enter the caller's name.")), Length(max=50, message=_l("At most %(max)d characters."))])
    # The first field of a call (the operator's page opens there: keyboard-first intake).
    citizen_phone = StringField(_l("Caller's phone"), filters=[strip], render_kw={"autofocus": True}, validators=[
        DataRequired(_l("Enter the caller's phone number so the unit can reach them.")), valid_phone])
    citizen_email = StringField(_l("Caller's email (optional)"), filters=[strip], validators=[
        Optional(), Email(_l("Enter a valid email address, e.g. name@example.com.")),
        Length(max=120, message=_l("At most %(max)d characters."))])
    hide_name = BooleanField(_l("The caller asks to hide their name on anything published"))
    confidential = BooleanField(_l("The caller asks to keep the request confidential (never published)"))
    publish_consent = BooleanField(_l("The caller agrees the reply may be published (name and phone masked)"))

    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in Case.OPERATOR_CHANNELS],
                          validators=[InputRequired(_l("Choose the channel."))])
    answer_now = BooleanField(_l("Simple consultation: answer it now"))
    answer_text = TextAreaField(_l("Answer given to the caller"), filters=[strip],
                                validators=[Length(max=4000, message=_l("At most %(max)d characters."))])
    knowledge_version_id = HiddenField()  # the knowledge base article version the answer came from

    def load_choices(self) -> None:
        """The operator searches one list of specific issues by their whole path (a picker: "路面" or "lmps"),
        instead of stepping through three levels while the caller waits."""
        super().load_choices()
        self.category_id.choices = [(None, _l("— choose —"))] + lookups.leaf_category_paths()

    def validate_answer_text(self, field):
        if self.answer_now.data and len(field.data or "") < 5:
            raise ValidationError(_l("Write the answer you gave (at least 5 characters)."))


class StepForm(FlaskForm):
    version = HiddenField()

    def version_number(self) -> int:
        """The case version the form was drawn at; 0 (always stale) for anything that is not a small number."""
        return lookups.parse_id(self.version.data) or 0


class DeclineForm(StepForm):
    reason = SelectField(_l("Reason"), choices=list(DECLINE_REASONS.items()),
                         validators=[InputRequired(_l("Choose a reason."))])
    text = _text(_l("Explanation for the citizen"), required=False)


class AnswerForm(StepForm):
    answer = _text(_l("Answer"), min_length=5, message=_l("Write the answer."))


class AssignForm(StepForm):
    unit_id = SelectField(_l("Lead unit"), coerce=choice_id, widget=PickerSelect(), validators=[InputRequired(_l("Choose the lead unit."))])
    co_unit_ids = MultiCheckboxField(_l("Co-handling units (optional)"), coerce=choice_id, validate_choice=False,
                                     widget=PickerCheckboxList())
    priority = SelectField(_l("Priority and time limit"),
                           choices=[(k, v) for k, v in PRIORITY_LABELS.items() if k != "complex"])


class ConsultForm(StepForm):
    unit_id = SelectField(_l("Lead unit"), coerce=choice_id, widget=PickerSelect(), validators=[InputRequired(_l("Choose the lead unit."))])
    co_unit_ids = MultiCheckboxField(_l("Co-handling units"), coerce=choice_id, validate_choice=False,
                                     widget=PickerCheckboxList())
    limit_days = IntegerField(_l("Time limit (working days)"), default=15, validators=[
        InputRequired(_l("Enter the time limit in working days.")),
        NumberRange(min=1, max=60, message=_l("Between %(min)d and %(max)d working days."))])
    note = _text(_l("Consultation record"), min_length=5)


class ReturnForm(StepForm):
    reason = SelectField(_l("Reason"), choices=list(RETURN_REASONS.items()),
                         validators=[InputRequired(_l("Choose a reason."))])
    text = _text(_l("Explain why this case is not for your unit"), min_length=5)


class NoteForm(StepForm):
    note = _text(_l("Note"))


class OptionalNoteForm(StepForm):
    note = _text(_l("Note (optional)"), required=False)


class ExtensionForm(StepForm):
    days = IntegerField(_l("Extra working days"), default=5, validators=[
        InputRequired(_l("Enter the number of working days.")),
        NumberRange(min=1, max=30, message=_l("Between %(min)d and %(max)d working days."))])
    reason = _text(_l("Reason for the extension"), min_length=5)


class CoInputForm(StepForm):
    text = _text(_l("Your unit's input for the lead unit"), min_length=5)


class DraftReplyForm(StepForm):
    reply_type = SelectField(_l("Type of reply"), choices=list(REPLY_TYPES.items()))
    text = _text(_l("Reply to the citizen"), min_length=10)


class RehandleForm(StepForm):
    unit_id = SelectField(_l("Unit to re-handle it"), coerce=choice_id, widget=PickerSelect(),
                          validators=[InputRequired(_l("Choose the unit."))])
    priority = SelectField(_l("Priority and time limit"),
                           choices=[(k, v) for k, v in PRIORITY_LABELS.items() if k != "complex"], default="general")
    note = _text(_l("Instructions for the unit"), min_length=5)


class MergeForm(StepForm):
    into = StringField(_l("Tracking number of the earlier case"), filters=[lambda v: (v or "").strip().upper()],
                       validators=[DataRequired(_l("Enter the tracking number of the earlier case."))])


class EvaluateForm(FlaskForm):
    # No answer is pre-selected: the citizen chooses (a default would put words in their mouth).
    resolution = SelectField(_l("Was your problem resolved?"), choices=rating_choices(RESOLUTION_LABELS),
                             validators=[InputRequired(_l("Choose whether your problem was resolved."))])
    satisfaction = SelectField(_l("Are you satisfied with the handling?"), choices=rating_choices(SATISFACTION_LABELS),
                               validators=[InputRequired(_l("Choose how satisfied you are."))])
    comment = TextAreaField(_l("Comment (required when dissatisfied)"), filters=[strip],
                            validators=[Length(max=2000, message=_l("At most %(max)d characters."))])

    def validate_comment(self, field):
        from wtforms.validators import ValidationError

        if self.satisfaction.data == "dissatisfied" and len(field.data or "") < 5:
            raise ValidationError(_l("Tell us why you are dissatisfied, so the case can be handled again."))
