"""Form building blocks shared by every blueprint's forms (parsing only; the rules are in the domain)."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField as WtformsIntegerField
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.domain import lookups
from portal.domain.phones import is_valid_phone, normalise_phone


def strip(value):
    """Surrounding whitespace off, and NUL characters out (PostgreSQL text cannot hold them: never a 500)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def int_or_none(value):
    """A choice's id: ASCII digits up to 2**31-1, else None (no huge or non-ASCII number reaches the database)."""
    if isinstance(value, int):
        return value if 0 <= value <= lookups.ID_MAX else None
    return lookups.parse_id(value)


def choice_id(value) -> int:
    """An id picked from a list (a `coerce`): ASCII digits below 2**31, else ValueError (WTForms reports "not a valid
    choice")."""
    if isinstance(value, int):
        return value
    number = int_or_none(value)
    if number is None:
        raise ValueError("not an id")
    return number


def optional_choice_id(value) -> int | None:
    """An optional id (a `coerce`): None when empty, else as `choice_id` (anything but ASCII digits below 2**31 is
    "not a valid choice", never a number the database cannot hold)."""
    return None if value in (None, "", "None") else choice_id(value)


class IntegerField(WtformsIntegerField):
    """WTForms' IntegerField for a whole number the database can hold: ASCII digits (an optional minus) up to
    2**31-1. Python's int() also takes '١٢٣', '３' and a thousand digits; here they are "not a valid integer"."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if not re.fullmatch(r"-?[0-9]{1,10}", raw) or abs(int(raw)) >= 2**31:
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
        self.data = int(raw)


def valid_phone(form, field):
    """WTForms validator for `portal.domain.phones`: normalises the field's data when it is valid."""
    number = normalise_phone(field.data)
    if not is_valid_phone(number):
        raise ValidationError(_l("Enter a mainland mobile number (11 digits, e.g. 13812345678) "
                                 "or a landline with area code (e.g. 0558-1234567)."))
    field.data = number


def optional_phone(form, field):
    if field.data:
        valid_phone(form, field)
    else:
        field.data = normalise_phone(field.data)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
