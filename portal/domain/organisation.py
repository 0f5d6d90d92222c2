"""The organisation as the administrators run it: units, platforms, regions (counties and towns) and the category
tree — create, rename, move, retire, restore. Every change is written to the audit log.

Retiring never deletes: a retired unit, platform, region or category stays on the cases that have it and in the
rankings' history, and `active(...)` leaves it out of every choice offered for new work (forms, selects, the
Open311 service list). A category whose parent is retired is out of the choices too (the cascading selects start
from the top)."""
from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain import audit
from portal.extensions import db
from portal.models import Category, Platform, Region, Unit, User
from portal.models.base import utcnow

FIELDS = {
    Unit: ("code", "name_zh", "name_en", "kind", "ranking_group", "parent_id", "platform_id", "region_id",
           "retired_at"),
    Platform: ("code", "name_zh", "name_en", "kind", "region_id", "retired_at"),
    Region: ("code", "name_zh", "name_en", "parent_id", "sort", "retired_at"),
    Category: ("code", "name_zh", "name_en", "parent_id", "level", "sort", "retired_at"),
}
KINDS = {"unit": Unit, "platform": Platform, "region": Region, "category": Category}


class OrganisationError(Exception):
    """A refused change; str() is a message for the admin."""


def active(model):
    """SELECT of the non-retired rows of `model` (Unit, Platform, Region, Category)."""
    return select(model).where(model.retired_at.is_(None))


def active_units() -> list[Unit]:
    return list(db.session.scalars(active(Unit).order_by(Unit.kind, Unit.id)))


def _check_code(model, code: str, obj=None) -> None:
    other = db.session.scalar(select(model).where(model.code == code))
    if other is not None and other is not obj:
        raise OrganisationError(_("The code %(code)s is already used: choose another.", code=code))


def _descendants(model, obj) -> list:
    out, frontier = [], [obj.id]
    while frontier:
        children = list(db.session.scalars(select(model).where(model.parent_id.in_(frontier))))
        out += children
        frontier = [c.id for c in children]
    return out


def _check_parent(model, obj, parent_id: int | None) -> None:
    if parent_id is None or obj is None or obj.id is None:
        return
    if parent_id == obj.id or parent_id in {d.id for d in _descendants(model, obj)}:
        raise OrganisationError(_("Something cannot be moved under itself or under one of its own children."))


def save(actor: User, model, obj, values: dict):
    """Create (`obj` None) or change a unit/platform/region/category from `values` (field → value). Returns it."""
    code = (values.get("code") or "").strip()
    if not code:
        raise OrganisationError(_("Enter a code."))
    _check_code(model, code, obj)
    if "parent_id" in values:
        _check_parent(model, obj, values["parent_id"])
        parent = db.session.get(model, values["parent_id"]) if values["parent_id"] else None
        if parent is not None and parent.retired_at is not None and (obj is None or obj.parent_id != parent.id):
            raise OrganisationError(_("%(name)s is retired: choose an active one.", name=parent.name))
        if model is Region and parent is not None and parent.parent_id is not None:
            raise OrganisationError(_("Towns and streets go under a county or district, not under another town."))
        if model is Category:
            values["level"] = 1 if parent is None else parent.level + 1
    creating = obj is None
    before = None if creating else audit.snapshot(obj, FIELDS[model])
    if creating:
        obj = model()
        db.session.add(obj)
    for name, value in values.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)
    if model is Category and not creating:
        _relevel(obj)
    db.session.flush()
    audit.record(actor, "create" if creating else "update", obj, before, audit.snapshot(obj, FIELDS[model]))
    return obj


def _relevel(category: Category) -> None:
    for child in db.session.scalars(select(Category).where(Category.parent_id == category.id)):
        child.level = category.level + 1
        _relevel(child)


def set_retired(actor: User, obj, retired: bool) -> None:
    model = type(obj)
    if (obj.retired_at is not None) == retired:
        return
    if not retired and getattr(obj, "parent_id", None):
        parent = db.session.get(model, obj.parent_id)
        if parent is not None and parent.retired_at is not None:
            raise OrganisationError(_("Restore %(name)s first: it is retired.", name=parent.name))
    before = audit.snapshot(obj, FIELDS[model])
    obj.retired_at = utcnow() if retired else None
    audit.record(actor, "retire" if retired else "restore", obj, before, audit.snapshot(obj, FIELDS[model]))


def listing(model) -> list:
    order = {Unit: (Unit.kind, Unit.code), Platform: (Platform.kind, Platform.code),
             Region: (Region.parent_id.is_not(None), Region.sort, Region.id),
             Category: (Category.level, Category.sort, Category.id)}[model]
    query = select(model).order_by(*order)
    if model is Unit:
        from sqlalchemy.orm import selectinload

        query = query.options(selectinload(Unit.parent), selectinload(Unit.platform))
    return list(db.session.scalars(query))


def categories_in_tree_order(level: int | None = None) -> list:
    """The categories in use, each under its parent (tree order, by `sort` among siblings), optionally one level
    only: the order of every category list a form offers, so that a parent's children are never interleaved."""
    rows = [row for row, _depth in tree_order(listing(Category))]
    return [c for c in rows if c.retired_at is None and (level is None or c.level == level)]


def tree_order(rows: list) -> list[tuple[object, int]]:
    """(row, depth) in tree order for regions and categories (children under their parent)."""
    children: dict = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list = []

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            out.append((row, depth))
            walk(row.id, depth + 1)

    walk(None, 0)
    return out
