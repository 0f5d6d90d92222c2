"""GeoReport services: the leaf categories, with the attributes every service asks for."""


from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain import lookups
from portal.domain.open311 import NO, YES, Open311Error
from portal.extensions import db
from portal.models import Category

# ---- services --------------------------------------------------------------------------------------------

def _category_tree() -> tuple[list[Category], dict[int, Category]]:
    cats = list(db.session.scalars(select(Category)))
    by_id = {c.id: c for c in cats}
    return cats, by_id


def _chain(cat: Category, by_id: dict[int, Category]) -> list[Category]:
    chain = [cat]
    while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
        chain.append(by_id[chain[-1].parent_id])
    return list(reversed(chain))


def leaf_categories() -> list[Category]:
    """Every category with no children, in the tree's order (a service each)."""
    cats, by_id = _category_tree()
    parents = {c.parent_id for c in cats if c.parent_id is not None}
    leaves = [c for c in cats if c.id not in parents
              and all(n.retired_at is None for n in _chain(c, by_id))]  # retired ones take no new requests
    return sorted(leaves, key=lambda c: [(n.sort, n.id) for n in _chain(c, by_id)])


def leaf_by_code(code: str) -> Category | None:
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None:
        return None
    has_children = db.session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1))
    node = category
    while node is not None:  # a retired category (or one under a retired branch) takes no new requests
        if node.retired_at is not None:
            return None
        node = node.parent
    return None if has_children else category


def service_fields(category: Category, by_id: dict[int, Category] | None = None) -> dict:
    if by_id is None:
        by_id = {}
        node = category
        while node is not None:
            by_id[node.id] = node
            node = node.parent
    chain = _chain(category, by_id)
    keywords = []
    for node in reversed(chain):
        for word in (node.name_zh, node.name_en):
            if word and word not in keywords:
                keywords.append(word)
    return {
        "service_code": category.code, "service_name": category.name,
        "description": " › ".join(n.name for n in chain), "metadata": True, "type": "realtime",
        "keywords": ", ".join(keywords), "group": chain[0].name,
    }


def services() -> list[dict]:
    _cats, by_id = _category_tree()
    return [service_fields(c, by_id) for c in leaf_categories()]


def _yes_no() -> list[dict]:
    return [{"key": YES, "name": _("Yes")}, {"key": NO, "name": _("No")}]


def _attribute(code: str, order: int, required: bool, description: str, values: list[dict]) -> dict:
    return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": required,
            "datatype_description": None, "order": order, "description": description, "values": values}


def service_definition(service_code: str) -> dict:
    category = leaf_by_code(service_code)
    if category is None:
        raise Open311Error(404, f"service_code {service_code} not found: see services.json for the list.")
    counties = lookups.regions_under(None)
    towns = []
    for county in counties:
        towns += [{"key": t.code, "name": f"{county.name} {t.name}"} for t in lookups.regions_under(county.id)]
    return {"service_code": category.code, "attributes": [
        _attribute("county", 1, True, _("County or district where it happens"),
                   [{"key": c.code, "name": c.name} for c in counties]),
        _attribute("town", 2, False, _("Town or street (optional; it must lie in the county chosen)"), towns),
        _attribute("publish", 3, True, _("May the request and its reply be published? Name and phone are never "
                                         "shown."), _yes_no()),
        _attribute("confidential", 4, False, _("Keep the request confidential (never published). Default: no."),
                   _yes_no()),
    ]}


