"""Forms of the workbench: parsing and validation only."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from portal.domain import callers
from portal.web.forms import int_or_none


class CallerLookupForm(FlaskForm):
    """A phone number to look up. The field is named like the intake form's phone so that the intake form itself
    can be posted here (the button that works without JavaScript)."""

    citizen_phone = StringField(_l("Caller's phone number"))
    category_id = HiddenField(filters=[int_or_none])

    def validate_citizen_phone(self, field):
        if not callers.is_complete_phone(field.data):
            raise ValidationError(_l("Enter a whole phone number: a mobile's 11 digits, or a landline with its "
                                     "area code."))
