"""Forms of the new-media tea salons: parsing and validation only (the rules are in portal.domain.salons)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.blueprints.cases.forms import rating_choices
from portal.domain import lookups, salons
from portal.domain.calendar import SHANGHAI
from portal.domain.labels import PRIORITY_LABELS, SATISFACTION_LABELS
from portal.extensions import db
from portal.models import Category, Region, Salon, Unit
from portal.web.forms import (
    IntegerField,
    MultiCheckboxField,
    choice_id,
    int_or_none,
    optional_phone,
    strip,
    valid_phone,
)
from portal.web.pickers import PickerCheckboxList, PickerSelect


def _at_most(n):
    return Length(max=n, message=_l("At most %(max)d characters."))


def leaf_category_choices() -> dict:
    """Leaf categories in tree order, one <optgroup> per parent ("城乡建设 › 道路设施"), never interleaved."""
    groups: dict[str, list] = {}
    for leaf_id, path in lookups.leaf_category_paths():
        parent, _, name = path.rpartition(" › ")
        groups.setdefault(parent, []).append((leaf_id, name))
    return groups


def unit_choices() -> list[tuple[int, str]]:
    """Units a salon invites and suggestions go to: city departments and county governments first."""
    order = {"city_department": 0, "county_government": 1}
    units = db.session.scalars(select(Unit).where(Unit.retired_at.is_(None))).all()
    units.sort(key=lambda u: (order.get(u.kind, 2), u.id))
    return [(u.id, u.name) for u in units]


# ---- the salon -------------------------------------------------------------------------------------------------

class AgendaRow(Form):
    title = StringField(_l("Agenda item"), filters=[strip], validators=[Optional(), _at_most(200)])
    minutes = IntegerField(_l("Minutes"), validators=[
        Optional(), NumberRange(min=1, max=600, message=_l("Between %(min)d and %(max)d minutes."))])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.title.data and not self.minutes.data and not self.minutes.errors:
            self.minutes.errors = list(self.minutes.errors) + [_l("Give the item's duration in minutes.")]
            return False
        return valid


class SalonForm(FlaskForm):
    AGENDA_ROWS = 6

    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the salon a title.")), _at_most(120)])
    theme = TextAreaField(_l("Theme"), filters=[strip], validators=[
        DataRequired(_l("Describe the theme.")), _at_most(4000)])
    starts_at = DateTimeLocalField(_l("Starts (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("Enter the start date and time."))])
    ends_at = DateTimeLocalField(_l("Ends (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(_l("Enter the end date and time."))])
    venue = StringField(_l("Venue"), filters=[strip], validators=[
        DataRequired(_l("Enter the venue.")), _at_most(200)])
    venue_kind = SelectField(_l("Where"), choices=list(salons.VENUE_KIND_LABELS.items()),
                             validators=[InputRequired(_l("Choose where the salon is held."))])
    capacity = IntegerField(_l("Capacity (seats for registered netizens and guests)"), default=30, validators=[
        InputRequired(_l("Enter the number of seats.")),
        NumberRange(min=1, max=1000, message=_l("Between %(min)d and %(max)d seats."))])
    unit_ids = MultiCheckboxField(_l("Invited units"), coerce=choice_id, validate_choice=False, widget=PickerCheckboxList())
    invited_officials = TextAreaField(_l("Invited officials and local leaders (one a line)"), filters=[strip],
                                      validators=[_at_most(2000)])
    agenda = FieldList(FormField(AgendaRow), min_entries=AGENDA_ROWS, max_entries=20)

    def load_choices(self) -> None:
        self.unit_ids.choices = unit_choices()

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The salon must end after it starts."))

    def fill_from(self, salon: Salon) -> None:
        self.title.data, self.theme.data, self.venue.data = salon.title, salon.theme, salon.venue
        self.venue_kind.data, self.capacity.data = salon.venue_kind, salon.capacity
        self.invited_officials.data = salon.invited_officials
        self.starts_at.data = salon.starts_at.astimezone(SHANGHAI).replace(tzinfo=None)
        self.ends_at.data = salon.ends_at.astimezone(SHANGHAI).replace(tzinfo=None)
        self.unit_ids.data = [link.unit_id for link in salon.invited_units]
        while len(self.agenda.entries):
            self.agenda.pop_entry()
        for item in salon.agenda:
            self.agenda.append_entry({"title": item.title, "minutes": item.minutes})
        while len(self.agenda.entries) < self.AGENDA_ROWS:
            self.agenda.append_entry()

    def data_for_domain(self) -> salons.SalonData:
        def aware(value: datetime) -> datetime:
            return value.replace(tzinfo=SHANGHAI)

        return salons.SalonData(
            title=self.title.data, theme=self.theme.data, starts_at=aware(self.starts_at.data),
            ends_at=aware(self.ends_at.data), venue=self.venue.data, venue_kind=self.venue_kind.data,
            capacity=self.capacity.data, invited_officials=self.invited_officials.data or "",
            unit_ids=tuple(self.unit_ids.data or ()),
            agenda=tuple((row.title.data, row.minutes.data) for row in self.agenda if row.title.data))


class CloseForm(FlaskForm):
    attendance_note = TextAreaField(_l("Attendance"), filters=[strip], validators=[_at_most(2000)])
    summary = TextAreaField(_l("Summary of the salon"), filters=[strip], validators=[
        DataRequired(_l("Write the summary of the salon.")), _at_most(8000)])


# ---- the roster ------------------------------------------------------------------------------------------------

class RegistrationForm(FlaskForm):
    """A netizen registers for a salon (public, no login)."""

    name = StringField(_l("Your name"), filters=[strip], validators=[
        DataRequired(_l("Enter your name.")), _at_most(50)])
    kind = SelectField(_l("You take part as"), default="netizen_rep",
                       choices=[(k, salons.PERSON_KIND_LABELS[k]) for k in salons.PUBLIC_KINDS])
    platform = StringField(_l("Platform (e.g. Weibo, Douyin, a local forum)"), filters=[strip],
                           validators=[_at_most(50)])
    handle = StringField(_l("Your handle on that platform"), filters=[strip, lambda v: (v or "").lstrip("@")],
                         validators=[_at_most(80)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[
        DataRequired(_l("Enter a phone number so the organizer can confirm your seat.")), valid_phone])


class ParticipantForm(FlaskForm):
    """The organizer adds someone to the roster (confirmed at once)."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(_l("Enter the name.")), _at_most(50)])
    kind = SelectField(_l("Kind"), choices=list(salons.PERSON_KIND_LABELS.items()), default="opinion_leader")
    platform = StringField(_l("Platform"), filters=[strip], validators=[_at_most(50)])
    handle = StringField(_l("Handle"), filters=[strip, lambda v: (v or "").lstrip("@")], validators=[_at_most(80)])
    phone = StringField(_l("Phone (optional)"), filters=[strip], validators=[optional_phone])
    email = StringField(_l("Email (optional)"), filters=[strip], validators=[
        Optional(), Email(_l("Enter a valid email address, e.g. name@example.com.")), _at_most(120)])


class CheckinForm(FlaskForm):
    code = StringField(_l("Attendance code"), filters=[strip], validators=[
        DataRequired(_l("Type the attendance code or scan the QR code.")), _at_most(32)])


# ---- suggestions -----------------------------------------------------------------------------------------------

class SuggestionForm(FlaskForm):
    participant_id = SelectField(_l("Raised by"), coerce=int_or_none, validate_choice=False,
                                 validators=[InputRequired(_l("Choose who raised it."))])
    agenda_item_id = SelectField(_l("Agenda item"), coerce=int_or_none, validate_choice=False,
                                 validators=[Optional()])
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                              validators=[Optional()])
    text = TextAreaField(_l("Suggestion"), filters=[strip], validators=[
        DataRequired(_l("Write the suggestion.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])

    def load_choices(self, salon: Salon) -> None:
        blank = [(None, _l("— choose —"))]
        self.participant_id.choices = blank + [
            (p.id, p.person.name + (f" (@{p.person.handle})" if p.person.handle else ""))
            for p in salons.raisers(salon)]
        self.agenda_item_id.choices = [(None, _l("— none —"))] + [(a.id, a.title) for a in salon.agenda]
        self.category_id.choices = {None: [(None, _l("— none —"))], **leaf_category_choices()}

    def validate_participant_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose who raised it."))


class AdoptForm(FlaskForm):
    title = StringField(_l("Case title"), filters=[strip], validators=[
        DataRequired(_l("Give the case a short title.")),
        Length(min=4, max=100, message=_l("Between %(min)d and %(max)d characters."))])
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                              validators=[InputRequired(_l("Choose the category, down to the specific issue."))])
    county_id = SelectField(_l("County / district"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                            validators=[InputRequired(_l("Choose the county or district."))])
    address = StringField(_l("Place (optional; the venue otherwise)"), filters=[strip], validators=[_at_most(200)])
    unit_id = SelectField(_l("Lead unit"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                          validators=[InputRequired(_l("Choose the lead unit."))])
    priority = SelectField(_l("Priority and time limit"), default="general",
                           choices=[(k, v) for k, v in PRIORITY_LABELS.items() if k != "complex"])

    def load_choices(self) -> None:
        blank = [(None, _l("— choose —"))]
        self.category_id.choices = {None: blank, **leaf_category_choices()}
        self.county_id.choices = blank + [(r.id, r.name) for r in db.session.scalars(
            select(Region).where(Region.parent_id.is_(None), Region.retired_at.is_(None))
            .order_by(Region.sort, Region.id))]
        self.unit_id.choices = blank + unit_choices()

    def validate_category_id(self, field):
        if field.data is None or (cat := db.session.get(Category, field.data)) is None or cat.level != 3 \
                or cat.retired_at is not None:
            raise ValidationError(_l("Choose the category, down to the specific issue."))

    def validate_county_id(self, field):
        region = db.session.get(Region, field.data) if field.data else None
        if region is None or region.parent_id is not None or region.retired_at is not None:
            raise ValidationError(_l("Choose the county or district."))

    def validate_unit_id(self, field):
        unit = db.session.get(Unit, field.data) if field.data is not None else None
        if unit is None or unit.retired_at is not None:
            raise ValidationError(_l("Choose the lead unit."))


class InHandForm(FlaskForm):
    tracking_no = StringField(_l("Tracking number of the case already handling it"),
                              filters=[lambda v: (v or "").strip().upper()],
                              validators=[DataRequired(_l("Enter the tracking number.")), _at_most(24)])
    explanation = TextAreaField(_l("Note for the raiser (optional)"), filters=[strip], validators=[_at_most(4000)])


class NotAdoptForm(FlaskForm):
    explanation = TextAreaField(_l("Explanation for the raiser"), filters=[strip], validators=[
        DataRequired(_l("Explain why the suggestion is not adopted.")),
        Length(min=5, max=4000, message=_l("Between %(min)d and %(max)d characters."))])


class RatingForm(FlaskForm):
    satisfaction = SelectField(_l("Are you satisfied with the outcome?"), choices=rating_choices(SATISFACTION_LABELS),
                               validators=[InputRequired(_l("Choose how satisfied you are."))])
    comment = TextAreaField(_l("Comment (required when dissatisfied)"), filters=[strip], validators=[_at_most(2000)])

    def validate_comment(self, field):
        if self.satisfaction.data == "dissatisfied" and len(field.data or "") < 5:
            raise ValidationError(_l("Tell us why you are dissatisfied."))
