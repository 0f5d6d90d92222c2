"""Administration of the routing table: category × county → the unit dispatchers are offered first."""
from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.blueprints.admin.forms import RoutingRuleDeleteForm, RoutingRuleForm
from portal.domain import routing
from portal.extensions import db
from portal.models import Category, Role, RoutingRule
from portal.web import redirect_after_post, render_page, roles_required
from portal.web.forms import optional_choice_id

bp = Blueprint("routing_admin", __name__, url_prefix="/admin/routing")


def _page(form, status=200):
    rules = db.session.scalars(select(RoutingRule).options(
        selectinload(RoutingRule.category).selectinload(Category.parent), selectinload(RoutingRule.county),
        selectinload(RoutingRule.unit)).order_by(RoutingRule.category_id, RoutingRule.county_id)).all()
    return render_page("admin/routing.html", "rule_form", status=status, form=form, rules=rules,
                       delete_form=RoutingRuleDeleteForm())


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index():
    form = RoutingRuleForm()
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
    form = RoutingRuleDeleteForm()
    if form.validate_on_submit():
        try:
            rule_id = optional_choice_id(form.rule_id.data) or 0
        except ValueError:
            rule_id = 0
        rule = db.session.get(RoutingRule, rule_id)
        if rule is not None:
            db.session.delete(rule)
            db.session.commit()
            flash(_("Routing rule removed."), "success")
    return redirect_after_post(url_for("routing_admin.index"))
