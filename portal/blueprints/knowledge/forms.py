"""Forms of the knowledge base pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.web.forms import optional_choice_id, strip
from portal.web.pickers import PickerSelect


class ArticleForm(FlaskForm):
    question = StringField(_l("Question"), filters=[strip], validators=[
        DataRequired(_l("Write the question as citizens ask it.")),
        Length(min=4, max=200, message=_l("Between %(min)d and %(max)d characters."))])
    answer = TextAreaField(_l("Answer"), filters=[strip], validators=[
        DataRequired(_l("Write the answer.")), Length(min=10, max=8000, message=_l("Between %(min)d and %(max)d characters."))])
    policy_source = StringField(_l("Policy source"), filters=[strip], validators=[
        DataRequired(_l("Name the policy, regulation or notice the answer rests on.")),
        Length(max=300, message=_l("At most %(max)d characters."))])
    category_id = SelectField(_l("Category"), coerce=optional_choice_id, validate_choice=False, widget=PickerSelect(),
                              validators=[Optional()])
    unit_id = SelectField(_l("Responsible unit"), coerce=optional_choice_id, validate_choice=False, widget=PickerSelect(),
                          validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired(_l("Enter the date until which the answer holds, like 2027-06-30."))])
    public = BooleanField(_l("Public: citizens may read it"))


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note to the unit (required to reject)"), filters=[strip], validators=[
        Optional(), Length(max=2000, message=_l("At most %(max)d characters."))])
