"""Routing table: category × county → the unit the dispatcher is offered first."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, Category, RoutingRule, Unit


def category_ancestry(category_id: int) -> list[int]:
    """[leaf, parent, grandparent] ids, most specific first."""
    ids, node = [], db.session.get(Category, category_id)
    while node is not None:
        ids.append(node.id)
        node = node.parent
    return ids


def suggest_unit(case: Case) -> Unit | None:
    """Most specific rule wins: the deepest category first, a county-specific rule before a city-wide one."""
    ancestry = category_ancestry(case.category_id)
    rules = db.session.scalars(select(RoutingRule).where(RoutingRule.category_id.in_(ancestry))).all()

    def rank(rule):
        return (ancestry.index(rule.category_id), 0 if rule.county_id == case.county_id else 1)

    matching = [r for r in rules if r.county_id in (None, case.county_id) and r.unit.retired_at is None]
    return min(matching, key=rank).unit if matching else None


def set_rule(category_id: int, county_id: int | None, unit_id: int, actor) -> str:
    """Create or replace the rule for (category, county); returns a message for the admin."""
    from flask_babel import gettext as _

    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.category_id == category_id,
                                                       RoutingRule.county_id.is_(county_id) if county_id is None
                                                       else RoutingRule.county_id == county_id))
    if rule is None:
        db.session.add(RoutingRule(category_id=category_id, county_id=county_id, unit_id=unit_id))
        return _("Routing rule added.")
    rule.unit_id = unit_id
    return _("Routing rule updated.")
