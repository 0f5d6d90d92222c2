"""Forms: parsing and validation only. Messages go through Flask-Babel so they reach the user in their language."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from portal.domain import intake, lookups
from portal.web.forms import int_or_none, strip, valid_phone
from portal.web.pickers import PickerSelect
from portal.web.submit_once import OnceForm


class CaseForm(OnceForm, FlaskForm):
    """What a citizen tells us. Category and place are cascading selects filled by `load_choices`."""

    category_l1 = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False, widget=PickerSelect())
    category_l2 = SelectField(_l("Sub-category"), coerce=int_or_none, validate_choice=False, widget=PickerSelect())
    category_id = SelectField(_l("Specific issue"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                              validators=[InputRequired(_l("Choose the category, down to the specific issue."))])
    county_id = SelectField(_l("County / district"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                            validators=[InputRequired(_l("Choose the county or district."))])
    town_id = SelectField(_l("Town / street"), coerce=int_or_none, validate_choice=False, widget=PickerSelect(),
                          validators=[Optional()])
    address = StringField(_l("Address"), filters=[strip], validators=[
        DataRequired(_l("Enter the address where it happens.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give your request a short title.")),
        Length(min=4, max=100, message=_l("Between %(min)d and %(max)d characters."))])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[
        DataRequired(_l("Describe what happened.")),
        Length(min=10, max=4000, message=_l("Between %(min)d and %(max)d characters."))])
    photos = MultipleFileField(_l("Photos (up to 5; JPEG, PNG or WebP; at most 10 MB each)"))
    citizen_name = StringField(_l("Your name"), filters=[strip], validators=[
        DataRequired(_l("Enter your name.")), Length(max=50, message=_l("At most %(max)d characters."))])
    citizen_phone = StringField(_l("Phone"), filters=[strip], validators=[
        DataRequired(_l("Enter a phone number so the unit can reach you.")), valid_phone])
    citizen_email = StringField(_l("Email (optional)"), filters=[strip], validators=[
        Optional(), Email(_l("Enter a valid email address, e.g. name@example.com.")),
        Length(max=120, message=_l("At most %(max)d characters."))])
    hide_name = BooleanField(_l("Hide my name on anything published"))
    confidential = BooleanField(_l("Keep my request confidential (never published)"))
    publish_consent = BooleanField(_l("The reply may be published (with my name and phone masked)"))

    def load_choices(self) -> None:
        """Fill each select from the level above it, so the chain is consistent whatever was posted."""
        blank = [(None, _l("— choose —"))]
        self.category_l1.choices = blank + [(c.id, c.name) for c in lookups.categories_under(None)]
        l1_ids = {c[0] for c in self.category_l1.choices}
        l1 = self.category_l1.data if self.category_l1.data in l1_ids else None
        self.category_l2.choices = blank + ([(c.id, c.name) for c in lookups.categories_under(l1)] if l1 else [])
        l2_ids = {c[0] for c in self.category_l2.choices}
        l2 = self.category_l2.data if self.category_l2.data in l2_ids else None
        self.category_id.choices = blank + ([(c.id, c.name) for c in lookups.categories_under(l2)] if l2 else [])
        self.county_id.choices = blank + [(r.id, r.name) for r in lookups.regions_under(None)]
        county_ids = {c[0] for c in self.county_id.choices}
        county = self.county_id.data if self.county_id.data in county_ids else None
        self.town_id.choices = blank + ([(r.id, r.name) for r in lookups.regions_under(county)] if county else [])

    def validate_category_id(self, field):
        if field.data not in {c[0] for c in field.choices if c[0] is not None}:
            raise ValidationError(_l("Choose the category, down to the specific issue."))

    def validate_county_id(self, field):
        if field.data not in {c[0] for c in field.choices if c[0] is not None}:
            raise ValidationError(_l("Choose the county or district."))

    def validate_town_id(self, field):
        if field.data is not None and field.data not in {c[0] for c in field.choices if c[0] is not None}:
            raise ValidationError(_l("Choose a town or street in the chosen county."))

    def validate_photos(self, field):
        from flask import current_app

        files = [f for f in (field.data or []) if getattr(f, "filename", "")]
        if len(files) > current_app.config["MAX_PHOTOS"]:
            raise ValidationError(_l("At most %(n)d photos.", n=current_app.config["MAX_PHOTOS"]))

    def is_refresh(self) -> bool:
        """The no-JavaScript "update choices" button was pressed: re-render, do not submit."""
        from flask import request

        return request.method == "POST" and bool(request.form.get("refresh"))

    def valid_submission(self, channel: str = "web") -> intake.Submission | None:
        """Validate the fields and re-encode the photos; None (with errors on the fields) when anything is wrong."""
        from portal.domain import photos as photo_store

        if not self.validate_on_submit():
            return None
        cleaned = []
        for upload in self.photos.data or []:
            if not getattr(upload, "filename", ""):
                continue
            try:
                cleaned.append(photo_store.clean_photo(upload.read(), upload.filename))
            except photo_store.PhotoError as err:
                self.photos.errors = list(self.photos.errors) + [str(err)]
                return None
        return self.submission(cleaned, channel)

    def submission(self, photos=(), channel: str = "web") -> intake.Submission:
        return intake.Submission(
            category_id=self.category_id.data, county_id=self.county_id.data, town_id=self.town_id.data,
            address=self.address.data, title=self.title.data, description=self.description.data,
            citizen_name=self.citizen_name.data, citizen_phone=self.citizen_phone.data,
            citizen_email=self.citizen_email.data or None, hide_name=self.hide_name.data,
            confidential=self.confidential.data, publish_consent=self.publish_consent.data,
            channel=channel, photos=list(photos))


class TrackForm(FlaskForm):
    tracking_no = StringField(_l("Tracking number"), filters=[lambda v: v.strip().upper() if v else v],
                              validators=[DataRequired(_l("Enter the tracking number from your receipt.")),
                                          Length(max=24, message=_l("At most %(max)d characters."))])
    query_code = StringField(_l("Query code"), filters=[strip],
                             validators=[DataRequired(_l("Enter the 6-digit query code.")),
                                         Length(min=6, max=6, message=_l("The query code has 6 digits."))])
