"""Form of the reply template pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.web.forms import optional_choice_id, strip
from portal.web.pickers import PickerSelect


class TemplateForm(FlaskForm):
    title = StringField(_l("Template name"), filters=[strip], validators=[
        DataRequired(_l("Name the template.")), Length(max=100, message=_l("At most %(max)d characters."))])
    category_id = SelectField(_l("Category (empty: any category)"), coerce=optional_choice_id, validate_choice=False,
                              widget=PickerSelect(),
                              validators=[Optional()])
    unit_id = SelectField(_l("Unit"), coerce=optional_choice_id, validate_choice=False, widget=PickerSelect(),
                          validators=[Optional()])
    body = TextAreaField(_l("Text"), filters=[strip], validators=[
        DataRequired(_l("Write the template's text.")), Length(min=10, max=4000, message=_l("Between %(min)d and %(max)d characters."))])
