"""Forms of the governance pages: the hotspot rule's settings, a warning's task and closing note, the monthly topic."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.domain import hotspots, periods, topics
from portal.domain.governance import MAX_TASK_DAYS
from portal.web.forms import IntegerField, choice_id, strip
from portal.web.pickers import PickerSelect


def _int_range(name, label):
    low, high = hotspots.LIMITS[name]
    return IntegerField(label, validators=[InputRequired(_l("Enter a whole number.")), NumberRange(
        min=low, max=high, message=_l("Between %(min)s and %(max)s."))])


class RuleForm(FlaskForm):
    window_days = _int_range("window_days", _l("Recent window (days)"))
    baseline_weeks = _int_range("baseline_weeks", _l("Baseline (weeks before the window)"))
    ratio_threshold = DecimalField(_l("Ratio threshold (times the expected count)"), places=1, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(min=1, max=50, message=_l("Between %(min)s and %(max)s."))])
    min_count = _int_range("min_count", _l("Minimum number of similar cases"))


class TaskForm(FlaskForm):
    unit_id = SelectField(_l("Owning unit"), coerce=choice_id, widget=PickerSelect(),
                          validators=[InputRequired(_l("Choose the owning unit."))])
    title = StringField(_l("Task"), filters=[strip], validators=[
        DataRequired(_l("Name the task.")), Length(max=120, message=_l("At most %(max)d characters."))])
    plan = TextAreaField(_l("What the unit will do about the whole problem"), filters=[strip], validators=[
        DataRequired(_l("Write what the unit will do.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])
    days = IntegerField(_l("Time limit (working days)"), default=10, validators=[
        InputRequired(_l("Enter the time limit in working days.")),
        NumberRange(min=1, max=MAX_TASK_DAYS, message=_l("Between %(min)d and %(max)d working days."))])


class CloseForm(FlaskForm):
    note = TextAreaField(_l("Closing note"), filters=[strip], validators=[
        DataRequired(_l("Say how the problem was dealt with.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])


def valid_month(form, field):
    """The month as periods.parse_month reads it ("YYYY-MM", 2000–2200)."""
    try:
        periods.parse_month(field.data)
    except periods.PeriodError:
        raise ValidationError(_l("Write the month as 2026-11.")) from None


class TopicForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), filters=[strip], validators=[
        DataRequired(_l("Enter the month.")), valid_month])
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the topic a title.")), Length(max=120, message=_l("At most %(max)d characters."))])
    summary = TextAreaField(_l("What the problem is (public)"), filters=[strip], validators=[
        DataRequired(_l("Describe the problem.")), Length(max=2000, message=_l("At most %(max)d characters."))])
    category_id = SelectField(_l("Category"), coerce=choice_id, widget=PickerSelect(),
                              validators=[InputRequired(_l("Choose the category."))])
    county_id = SelectField(_l("County or district"), coerce=choice_id, widget=PickerSelect(), validators=[Optional()])
    lead_unit_id = SelectField(_l("Lead unit"), coerce=choice_id, widget=PickerSelect(),
                               validators=[InputRequired(_l("Choose the lead unit."))])
    co_unit_ids = SelectMultipleField(_l("Co-units"), coerce=choice_id, widget=PickerSelect(multiple=True),
                                      validators=[Optional()])
    problem_1 = StringField(_l("Concrete problem 1"), filters=[strip], validators=[
        DataRequired(_l("Name at least two concrete problems.")), Length(max=200)])
    problem_2 = StringField(_l("Concrete problem 2"), filters=[strip], validators=[
        DataRequired(_l("Name at least two concrete problems.")), Length(max=200)])
    problem_3 = StringField(_l("Concrete problem 3 (optional)"), filters=[strip], validators=[Length(max=200)])


TASK_ROWS = 3


def add_task_fields(form_class):
    """Three task rows: title, owner, working days (the first is required)."""
    for i in range(1, TASK_ROWS + 1):
        required = i == 1
        setattr(form_class, f"task_{i}_title", StringField(
            _l("Task %(n)d", n=i), filters=[strip], validators=[
                DataRequired(_l("Give the topic at least one task.")) if required else Optional(), Length(max=200)]))
        setattr(form_class, f"task_{i}_unit", SelectField(
            _l("Owner of task %(n)d", n=i), coerce=choice_id, widget=PickerSelect(), validators=[Optional()]))
        setattr(form_class, f"task_{i}_days", IntegerField(
            _l("Working days for task %(n)d", n=i), default=20, validators=[
                Optional(), NumberRange(min=1, max=topics.MAX_TASK_DAYS,
                                        message=_l("Between %(min)d and %(max)d working days."))]))
    return form_class


add_task_fields(TopicForm)


class TaskStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=list(topics.TASK_STATUS_LABELS.items()))
