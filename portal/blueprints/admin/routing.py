"""Administration of the routing table: category × county → the unit dispatchers are offered first."""
from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from portal.domain import lookups, routing
from portal.extensions import db
from portal.models import Category, Region, Role, RoutingRule
from portal.web import redirect_after_post, render_page, roles_required
from portal.web.forms import choice_id, int_or_none, optional_choice_id
from portal.web.pickers import PickerSelect

bp = Blueprint("routing_admin", __name__, url_prefix="/admin/routing")


class RuleForm(FlaskForm):
    category_id = SelectField(_l("Category (any level)"), coerce=choice_id, widget=PickerSelect(),
                              validators=[InputRequired(_l("Choose a category."))])
    county_id = SelectField(_l("County / district"), coerce=optional_choice_id, widget=PickerSelect())
    unit_id = SelectField(_l("Suggested unit"), coerce=choice_id, widget=PickerSelect(), validators=[InputRequired(_l("Choose the unit."))])

    def load_choices(self):
        categories = db.session.scalars(select(Category).where(Category.retired_at.is_(None))
                                        .options(selectinload(Category.parent)).order_by(Category.code)).all()
        self.category_id.choices = [(c.id, c.path) for c in categories]
        self.county_id.choices = [(None, _l("Any county (city-wide rule)"))] + [
            (r.id, r.name) for r in db.session.scalars(select(Region).where(Region.parent_id.is_(None),
                                                                            Region.retired_at.is_(None))
                                                       .order_by(Region.sort))]
        self.unit_id.choices = [(u.id, u.name) for u in lookups.units_for_choice()]


class DeleteForm(FlaskForm):
    rule_id = HiddenField()


def _page(form, status=200):
    rules = db.session.scalars(select(RoutingRule).options(
        selectinload(RoutingRule.category).selectinload(Category.parent), selectinload(RoutingRule.county),
        selectinload(RoutingRule.unit)).order_by(RoutingRule.category_id, RoutingRule.county_id)).all()
    return render_page("admin/routing.html", "rule_form", status=status, form=form, rules=rules,
                       delete_form=DeleteForm())


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index():
    form = RuleForm()
    form.load_choices()
    if form.validate_on_submit():
        message = routing.set_rule(form.category_id.data, form.county_id.data, form.unit_id.data, current_user)
        db.session.commit()
        flash(message, "success")
        return redirect_after_post(url_for("routing_admin.index"))
    return _page(form, status=422 if form.is_submitted() else 200)


@bp.post("/delete")
@roles_required(Role.ADMIN)
def delete():
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            rule_id = int_or_none(form.rule_id.data) or 0
        except ValueError:
            rule_id = 0
        rule = db.session.get(RoutingRule, rule_id)
        if rule is not None:
            db.session.delete(rule)
            db.session.commit()
            flash(_("Routing rule removed."), "success")
    return redirect_after_post(url_for("routing_admin.index"))
