"""Forms of the administration pages: parsing and validation only."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp

from portal.domain import labels, lookups, monitoring, organisation, rankings
from portal.domain.labels import CHANNEL_LABELS, ROLE_LABELS
from portal.extensions import db
from portal.models import Case, Region
from portal.web.forms import IntegerField, choice_id, int_or_none, optional_choice_id, strip
from portal.web.pickers import PickerSelect
from portal.web.submit_once import OnceForm

CODE = [DataRequired(_l("Enter a code.")), Length(max=32, message=_l("At most %(max)d characters.")),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only."))]
RANKING_GROUPS = {"": _l("Not ranked (counts for its parent)"), **rankings.GROUP_LABELS}


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
    unit_id = SelectField(_l("Unit (handlers and unit leads)"), coerce=int_or_none, validate_choice=False,
                          widget=PickerSelect())
    platform_id = SelectField(_l("Platform (operators and dispatchers)"), coerce=int_or_none, validate_choice=False)
    email = StringField(_l("Email (optional)"), filters=[strip], validators=[
        Optional(), Email(_l("Enter a valid email address, e.g. name@example.com.")),
        Length(max=120, message=_l("At most %(max)d characters."))])
    monitor_kind = SelectField(_l("Kind of monitor (monitors only)"),
                               choices=[("", _l("— not a monitor —"))] + list(monitoring.KIND_LABELS.items()))
    monitor_organisation = StringField(_l("Organisation (monitors only)"), filters=[strip], validators=[
        Optional(), Length(max=120, message=_l("At most %(max)d characters."))])
    term_start = DateField(_l("Term starts (monitors only)"), validators=[Optional()])
    term_end = DateField(_l("Term ends (monitors only)"), validators=[Optional()])


class EditUserForm(UserForm):
    username = None  # a user name never changes: it is how the person signs in and how the logs name them


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    kind = SelectField(_l("Kind"), choices=list(labels.UNIT_KIND_LABELS.items()))
    ranking_group = SelectField(_l("Ranking group"), choices=list(RANKING_GROUPS.items()))
    parent_id = SelectField(_l("Parent unit"), coerce=int_or_none, validate_choice=False, widget=PickerSelect())
    platform_id = SelectField(_l("Platform"), coerce=int_or_none, validate_choice=False,
                              validators=[InputRequired(_l("Choose the platform the unit works with."))])
    region_id = SelectField(_l("Region"), coerce=int_or_none, validate_choice=False)


class PlatformForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    kind = SelectField(_l("Kind"), choices=list(labels.PLATFORM_KIND_LABELS.items()))
    region_id = SelectField(_l("Region"), coerce=int_or_none, validate_choice=False)


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    parent_id = SelectField(_l("County or district (empty for a county)"), coerce=int_or_none,
                            validate_choice=False)
    sort = IntegerField(_l("Order in lists"), default=0, validators=[Optional()])


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=CODE)
    name_zh, name_en = _name_fields()
    parent_id = SelectField(_l("Parent category (empty for a top-level one)"), coerce=int_or_none,
                            validate_choice=False)
    sort = IntegerField(_l("Order in lists"), default=0, validators=[Optional()])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")), Length(min=8, message=_l("At least %(min)d characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Enter the new password again.")), EqualTo("new", _l("The two new passwords differ."))])


# ---- the working-day calendar, the routing table, API keys -------------------------------------------------
class CalendarUploadForm(FlaskForm):
    file = FileField(_l("Schedule file (CSV)"), render_kw={"accept": ".csv,text/csv,text/plain"}, validators=[
        FileRequired(_l("Choose the CSV file of the schedule.")),
        FileAllowed(["csv", "txt"], _l("Upload a .csv file (in a spreadsheet: Save as “CSV UTF-8”)."))])


class RoutingRuleForm(FlaskForm):
    category_id = SelectField(_l("Category (any level)"), coerce=choice_id, widget=PickerSelect(),
                              validators=[InputRequired(_l("Choose a category."))])
    county_id = SelectField(_l("County / district"), coerce=optional_choice_id, widget=PickerSelect())
    unit_id = SelectField(_l("Suggested unit"), coerce=choice_id, widget=PickerSelect(), validators=[InputRequired(_l("Choose the unit."))])

    def load_choices(self):
        self.category_id.choices = [(c.id, c.path) for c in organisation.categories_in_tree_order()]
        self.county_id.choices = [(None, _l("Any county (city-wide rule)"))] + [
            (r.id, r.name) for r in db.session.scalars(select(Region).where(Region.parent_id.is_(None),
                                                                            Region.retired_at.is_(None))
                                                       .order_by(Region.sort))]
        self.unit_id.choices = [(u.id, u.name) for u in lookups.units_for_choice()]


class RoutingRuleDeleteForm(FlaskForm):
    rule_id = HiddenField()


class ApiKeyForm(OnceForm, FlaskForm):
    name = StringField(_l("System name"), filters=[strip], validators=[
        DataRequired(_l("Name the system that will use the key.")),
        Length(max=100, message=_l("At most %(max)d characters."))])
    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in Case.CHANNELS],
                          validators=[InputRequired(_l("Choose the channel."))])
