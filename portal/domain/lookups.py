"""Catalogue lookups, once each: the category tree, the regions, the units to choose from, a case by its tracking
number. Tracking numbers are compared as typed by people: surrounding spaces dropped, letters upper-cased. An id
typed by people (`parse_id`) is ASCII digits within a database integer, else None: '١٢٣', '²', 10**30 and '-1' never
reach a query."""
import re

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Case, Category, Region, Unit

ID_MAX = 2**31 - 1  # the largest id or number a parameter may carry (PostgreSQL integer)
_ASCII_INT = re.compile(r"[0-9]{1,10}")


def parse_id(raw, low: int = 0, high: int = ID_MAX) -> int | None:
    """An integer written in ASCII digits within [low, high] (surrounding spaces allowed), else None."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not _ASCII_INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def categories_under(parent_id: int | None, active_only: bool = True) -> list[Category]:
    """The categories one level below `parent_id` (None: the top level), in display order. `active_only`: not
    retired (the choices for new work); filters over old cases pass False."""
    query = select(Category).where(Category.parent_id == parent_id)
    if active_only:
        query = query.where(Category.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Category.sort, Category.id)))


def category_subtree(category_id: int) -> Select:
    """The ids of a category and all its descendants (the tree is three levels deep), as a subquery: "cases of this
    category" means cases filed under it or anywhere below it (the ledger, the search, the echo wall)."""
    parent = aliased(Category)
    return (select(Category.id).outerjoin(parent, Category.parent_id == parent.id)
            .where(or_(Category.id == category_id, Category.parent_id == category_id,
                       parent.parent_id == category_id)))


def leaf_category_paths() -> list[tuple[int, str]]:
    """Every specific issue (a level-3 category not retired) with its whole path ("城乡建设 › 道路设施 › 路面破损"),
    in tree order: one list to search instead of three cascading levels."""
    cats = db.session.scalars(select(Category).where(Category.retired_at.is_(None))
                              .order_by(Category.sort, Category.id)).all()
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)
    leaves: list[tuple[int, str]] = []

    def walk(node: Category, trail: tuple[str, ...]) -> None:
        if node.level == 3:
            leaves.append((node.id, " › ".join(trail + (node.name,))))
        for kid in children.get(node.id, []) if node.level < 3 else []:
            walk(kid, trail + (node.name,))

    for top in children.get(None, []):
        walk(top, ())
    return leaves


def regions_under(parent_id: int | None, active_only: bool = True) -> list[Region]:
    """The regions below `parent_id` (None: the counties and districts), in display order; see categories_under."""
    query = select(Region).where(Region.parent_id == parent_id)
    if active_only:
        query = query.where(Region.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Region.sort, Region.id)))


def units_for_choice() -> list[Unit]:
    """Units new work can go to (cases, supervision orders): every unit not retired, grouped by kind."""
    return list(db.session.scalars(select(Unit).where(Unit.retired_at.is_(None)).order_by(Unit.kind, Unit.code)))


def normalise_tracking_no(number: str | None) -> str:
    return (number or "").strip().upper()


def case_by_tracking_no(number: str | None, within: Select | None = None) -> Case | None:
    """The case with this tracking number, or None. `within`: a SELECT of cases to look in (a user's scope, the
    published cases), else all cases."""
    number = normalise_tracking_no(number)
    if not number:
        return None
    query = within if within is not None else select(Case)
    return db.session.scalar(query.where(Case.tracking_no == number))
