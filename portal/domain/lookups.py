"""Catalogue lookups, once each: the category tree, the regions, the units to choose from, a case by its tracking
number. Tracking numbers are compared as typed by people: surrounding spaces dropped, letters upper-cased."""
from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import Case, Category, Region, Unit


def categories_under(parent_id: int | None) -> list[Category]:
    """The categories one level below `parent_id` (None: the top level), in display order."""
    return list(db.session.scalars(select(Category).where(Category.parent_id == parent_id)
                                   .order_by(Category.sort, Category.id)))


def regions_under(parent_id: int | None) -> list[Region]:
    """The regions below `parent_id` (None: the counties and districts), in display order."""
    return list(db.session.scalars(select(Region).where(Region.parent_id == parent_id)
                                   .order_by(Region.sort, Region.id)))


def units_for_choice() -> list[Unit]:
    """Every unit, for a select: grouped by kind."""
    return list(db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))


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
