"""Administration of the organisation: units, platforms, regions and the category tree (create, rename, move,
retire, restore). One set of views serves the four kinds; `KINDS` says what differs."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import (
    CategoryForm,
    PlatformForm,
    RegionForm,
    UnitForm,
)
from portal.domain import labels, organisation
from portal.extensions import db
from portal.models import Category, Platform, Region, Role, Unit
from portal.web import redirect_after_post, render_page, roles_required

KINDS = {
    "units": (Unit, UnitForm, _l("Units"), _l("New unit")),
    "platforms": (Platform, PlatformForm, _l("Platforms"), _l("New platform")),
    "regions": (Region, RegionForm, _l("Regions"), _l("New region")),
    "categories": (Category, CategoryForm, _l("Categories"), _l("New category")),
}


def _kind_or_404(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _options(model, keep=None, exclude=None, where=None):
    """(id, name) of active rows (plus `keep`, the current value, even when retired) for a select."""
    rows = organisation.listing(model)
    if where is not None:
        rows = [r for r in rows if where(r)]
    out = [(None, _("— none —"))]
    for row in rows:
        if exclude is not None and row.id == exclude:
            continue
        if row.retired_at is None or row.id == keep:
            label = getattr(row, "path", None) if model is Category else row.name
            out.append((row.id, label + (" " + _("(retired)") if row.retired_at else "")))
    return out


def _fill_choices(model, form, obj) -> None:
    exclude = obj.id if obj is not None else None
    if model is Unit:
        form.parent_id.choices = _options(Unit, obj.parent_id if obj else None, exclude)
        form.platform_id.choices = _options(Platform, obj.platform_id if obj else None)
        form.region_id.choices = _options(Region, obj.region_id if obj else None)
    elif model is Platform:
        form.region_id.choices = _options(Region, obj.region_id if obj else None, where=lambda r: r.parent_id is None)
    elif model is Region:
        form.parent_id.choices = _options(Region, obj.parent_id if obj else None, exclude,
                                          where=lambda r: r.parent_id is None)
    else:
        form.parent_id.choices = _options(Category, obj.parent_id if obj else None, exclude)


def _values(model, form) -> dict:
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    if model is Unit:
        values["ranking_group"] = values["ranking_group"] or None
    if "sort" in values and values["sort"] is None:
        values["sort"] = 0
    for name in ("parent_id", "platform_id", "region_id"):
        if name in values:
            allowed = {c[0] for c in getattr(form, name).choices}
            if values[name] not in allowed:
                values[name] = None
    return values


@bp.get("/organisation/<kind>")
@roles_required(Role.ADMIN)
def organisation_list(kind):
    model, form_class, title, new_title = _kind_or_404(kind)
    rows = organisation.listing(model)
    if model in (Region, Category):
        rows = organisation.tree_order(rows)
    else:
        rows = [(r, 0) for r in rows]
    return render_page("administration/organisation.html", kind=kind, model_name=model.__tablename__, rows=rows,
                       title=title, new_title=new_title, kinds=KINDS, unit_kinds=labels.UNIT_KIND_LABELS,
                       platform_kinds=labels.PLATFORM_KIND_LABELS)


@bp.route("/organisation/<kind>/new", methods=["GET", "POST"])
@bp.route("/organisation/<kind>/<int:item_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def organisation_edit(kind, item_id=None):
    model, form_class, title, new_title = _kind_or_404(kind)
    obj = None
    if item_id is not None:
        obj = db.session.get(model, item_id)
        if obj is None:
            abort(404)
    form = form_class(obj=obj) if request.method == "GET" else form_class()
    if request.method == "GET" and obj is not None and model is Unit:
        form.ranking_group.data = obj.ranking_group or ""
    _fill_choices(model, form, obj)
    if form.validate_on_submit():
        try:
            saved = organisation.save(current_user, model, obj, _values(model, form))
        except organisation.OrganisationError as err:
            db.session.rollback()
            form.form_errors.append(str(err))
        else:
            db.session.commit()
            flash(_("Saved: %(name)s.", name=saved.name), "success")
            return redirect_after_post(url_for("administration.organisation_list", kind=kind))
    status = 422 if request.method == "POST" else 200
    return render_page("administration/organisation_form.html", "item_form", status=status, form=form, obj=obj,
                       kind=kind, title=title, heading=obj.name if obj is not None else new_title)


@bp.post("/organisation/<kind>/<int:item_id>/retire")
@roles_required(Role.ADMIN)
def organisation_retire(kind, item_id):
    model = _kind_or_404(kind)[0]
    obj = db.session.get(model, item_id)
    if obj is None:
        abort(404)
    retire = request.form.get("retire") == "1"
    try:
        organisation.set_retired(current_user, obj, retire)
    except organisation.OrganisationError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("%(name)s retired: it stays on its cases and in past rankings, and is no longer offered for new "
                "work.", name=obj.name) if retire else _("%(name)s restored.", name=obj.name), "success")
    return redirect_after_post(url_for("administration.organisation_list", kind=kind))
