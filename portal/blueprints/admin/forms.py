"""Forms of the administration pages: parsing and validation only."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp

from portal.domain.labels import ROLE_LABELS
from portal.web.forms import IntegerField, optional_choice_id, strip
from portal.web.pickers import PickerSelect

CODE = [DataRequired(_l("Enter a code.")), Length(max=32, message=_l("At most %(max)d characters.")),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only."))]
MONITOR_KINDS = {"deputy": _l("People's congress deputy"), "cppcc": _l("CPPCC member"),
                 "media": _l("Media representative"), "citizen_rep": _l("Citizen representative")}
UNIT_KINDS = {"city_department": _l("City department"), "county_government": _l("County or district government"),
              "town_street": _l("Town or street office")}
RANKING_GROUPS = {"": _l("Not ranked (counts for its parent)"), "city_department": _l("City departments"),
                  "county": _l("County and district governments")}
PLATFORM_KINDS = {"city": _l("City main platform"), "county": _l("County or district sub-platform"),
                  "sector": _l("Sector sub-platform")}


def _name_fields():
    return (StringField(_l("Name (Chinese)"), filters=[strip], validators=[
                DataRequired(_l("Enter the Chinese name.")), Length(max=100, message=_l("At most %(max)d characters."))]),
            StringField(_l("Name (English)"), filters=[strip], validators=[
                Optional(), Length(max=120, message=_l("At most %(max)d characters."))]))


class UserForm(FlaskForm):
    username = StringField(_l("User name"), filters=[strip], validators=[
        DataRequired(_l("Enter a user name.")), Length(min=3, max=64, message=_l("Between %(min)d and %(max)d characters.")),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only."))])
    display_name = StringField(_l("Display name"), filters=[strip], validators=[
        DataRequired(_l("Enter the name shown to colleagues.")), Length(max=100, message=_l("At most %(max)d characters."))])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    unit_id = SelectField(_l("Unit (handlers and unit leads)"), coerce=optional_choice_id, validate_choice=False,
                          widget=PickerSelect())
    platform_id = SelectField(_l("Platform (operators and dispatchers)"), coerce=optional_choice_id, validate_choice=False)
    email = StringField(_l("Email (optional)"), filters=[strip], validators=[
        Optional(), Email(_l("Enter a valid email address, e.g. name@example.com.")),
        Length(max=120, message=_l("At most %(max)d characters."))])
    monitor_kind = SelectField(_l("Kind of monitor (monitors only)"),
                               choices=[("", _l("— not a monitor —"))] + list(MONITOR_KINDS.items()))
    monitor_organisation = StringField(_l("Organisation (monitors only)"), filters=[strip], validators=[
        Optional(), Length(max=120, message=_l("At most %(max)d characters."))])
    term_start = DateField(_l("Term starts (monitors only)"), validators=[Optional()])
    term_end = DateField(_l("Term ends (monitors only)"), validators=[Optional()])


class EditUserForm(UserForm):
    username = None  # a user name never changes: it is how the person signs in and how the logs name them


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    kind = SelectField(_l("Kind"), choices=list(UNIT_KINDS.items()))
    ranking_group = SelectField(_l("Ranking group"), choices=list(RANKING_GROUPS.items()))
    parent_id = SelectField(_l("Parent unit"), coerce=optional_choice_id, validate_choice=False, widget=PickerSelect())
    platform_id = SelectField(_l("Platform"), coerce=optional_choice_id, validate_choice=False,
                              validators=[InputRequired(_l("Choose the platform the unit works with."))])
    region_id = SelectField(_l("Region"), coerce=optional_choice_id, validate_choice=False)


class PlatformForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    kind = SelectField(_l("Kind"), choices=list(PLATFORM_KINDS.items()))
    region_id = SelectField(_l("Region"), coerce=optional_choice_id, validate_choice=False)


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    parent_id = SelectField(_l("County or district (empty for a county)"), coerce=optional_choice_id,
                            validate_choice=False)
    sort = IntegerField(_l("Order in lists"), default=0, validators=[Optional()])


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    parent_id = SelectField(_l("Parent category (empty for a top-level one)"), coerce=optional_choice_id,
                            validate_choice=False)
    sort = IntegerField(_l("Order in lists"), default=0, validators=[Optional()])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")), Length(min=8, message=_l("At least %(min)d characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Enter the new password again.")), EqualTo("new", _l("The two new passwords differ."))])
