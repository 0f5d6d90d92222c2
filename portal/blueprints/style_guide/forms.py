"""The style guide's sample form: one field in each state (hint, required, error, choice, checkbox)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional


class SpecimenForm(FlaskForm):
    class Meta:
        csrf = False  # it is never posted: it only shows how fields look

    address = StringField(_l("Address"), validators=[DataRequired()])
    phone = StringField(_l("Mobile phone"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    district = SelectField(_l("District"), choices=[("", _l("Choose…")), ("1", _l("Yingzhou District"))],
                           validators=[Optional()])
    consent = BooleanField(_l("My request may be published without my name"))
