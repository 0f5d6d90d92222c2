"""Who may see which cases. Every query that returns cases to a person goes through here: role *and*
unit/platform scope.

* Supervisors and administrators: every case, city-wide.
* Operators and dispatchers: the cases received on their platform; the city main platform's see every case.
* Handlers and unit leads: the cases their unit leads or co-handles while it is active on them.
* Salon organizers: the cases that came from tea salons.
* Monitors (监督员: deputies, journalists, citizen representatives) watch the handling from outside the
  government, so they get the least:
  - confidential cases: never (not in lists, not by id, not in samples);
  - public cases (the one publication rule, `publication.is_public`): in full (description, handling log,
    replies, address), with the citizen's contacts and any personal data in the text masked;
  - every other case: the same masked text, and the address withheld;
  - no bulk export (the ledger's CSV/XLSX answer 403); lists are paged on screen only.
  - search results are masked the same way, and a query that is itself personal data (a phone, an ID number, an
    e-mail address) finds nothing for them (`search.asks_for_masked_data`).
  Citizens' contact details are never shown to monitors (`contacts.may_see_contact` is for handlers only).
"""
from sqlalchemy import Boolean, Select, false, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import AsBoolean, BooleanClauseList
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, iterate, replacement_traverse

from portal.domain import publication
from portal.domain.privacy import mask_text
from portal.models import Case, CaseUnit, Role, User


def visible_cases(user: User) -> Select:
    """A SELECT of the cases `user` may see; the caller adds filters, order and paging."""
    query = select(Case)
    if user is None or not getattr(user, "is_authenticated", False):
        return query.where(false())
    if user.role == Role.MONITOR:
        return query.where(Case.confidential.is_(False))
    if user.role in Role.CITY_WIDE:
        return query
    if user.role in Role.PLATFORM_ROLES:
        if user.platform is not None and user.platform.kind == "city":
            return query  # the main platform consolidates every sub-platform
        return query.where(Case.platform_id == user.platform_id) if user.platform_id else query.where(false())
    if user.role in Role.UNIT_ROLES and user.unit_id:
        return query.where(unit_scope(user.unit_id))
    if user.role == Role.SALON_ORGANIZER:
        return query.where(Case.channel == "tea_salon")
    return query.where(false())


def co_handled(unit_id: int) -> Select:
    """The ids of the cases `unit_id` co-handles now (its active co-handling rows, read from the index alone)."""
    return select(CaseUnit.case_id).where(CaseUnit.unit_id == unit_id, CaseUnit.active.is_(True),
                                          CaseUnit.role == "co")


class unit_scope(ColumnElement):  # noqa: N801  (reads like a SQL condition)
    """The cases a unit works on: those it leads and those it co-handles, while the case is with it.

    A unit's active lead row is always its case's lead_unit_id (workflow._set_units and return_case change both
    together), so the co rows are the only ones to look up: a unit's few co-handled cases, not its whole history
    (at 10 M cases a busy unit's 780,000 active rows did not fit in work_mem, PostgreSQL fell back to a look-up of
    that list per row and the unit's ledger ran for minutes). Counting splits the condition into its two disjoint
    arms (`count_arms`): with the OR and a LIMIT, PostgreSQL walked the lead-unit index from the first unit
    (0.2-0.4 s at 10 M cases) instead of seeking this unit."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [("lead", InternalTraversal.dp_clauseelement),
                           ("co", InternalTraversal.dp_clauseelement)]

    def __init__(self, unit_id: int):
        self.lead = Case.lead_unit_id == unit_id
        # co-handled and led by another unit: disjoint from `lead`, so the arms' counts add up
        self.co = in_list(Case.id, co_handled(unit_id)) & Case.lead_unit_id.is_distinct_from(unit_id)


@compiles(unit_scope)
def _unit_scope(element, compiler, **kw):
    return compiler.process(or_(element.lead, element.co).self_group(), **kw)


def count_arms(query: Select) -> list[Select]:
    """`query` as disjoint queries whose row counts add up to its own: the two arms of a unit's scope, each an
    index range scan, or [query] itself. Split only when the query holds one unit scope and it is one of the
    conditions ANDed in its WHERE (as `visible_cases` puts it): under an OR, a NOT or beside another unit's scope
    the arms' counts would not add up."""
    scopes = [element for element in iterate(query) if isinstance(element, unit_scope)]
    if len(scopes) != 1 or not any(c is scopes[0] for c in _conjuncts(query.whereclause)):
        return [query]
    return [replacement_traverse(query, {}, lambda element, arm=arm: getattr(element, arm)
                                 if isinstance(element, unit_scope) else None) for arm in ("lead", "co")]


def _conjuncts(clause):
    """The conditions ANDed together in a WHERE clause (boolean wrappers taken off)."""
    if clause is None:
        return
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        for part in clause.clauses:
            yield from _conjuncts(part)
    elif isinstance(clause, AsBoolean) and clause.operator is operators.is_true:  # `WHERE <condition>` itself
        yield clause.element
    else:
        yield clause


def unit_arm(user: User, arm: str) -> Select:
    """One arm of a unit user's scope, as a SELECT of cases: "lead" (the cases the unit leads) or "co" (those it
    co-handles and another unit leads). A unit's queue tabs each read one arm: a single index range in the order
    of the tab (with the whole OR, PostgreSQL sorted a unit's 15,000 cases in handling for the first 100)."""
    arms = count_arms(visible_cases(user))
    return arms[("lead", "co").index(arm)] if len(arms) == 2 else arms[0]


class in_list(ColumnElement):  # noqa: N801  (reads like a SQL operator)
    """`column IN (subquery)` for a short list. On PostgreSQL written `column = ANY(ARRAY(subquery))`: the list is
    read once (an InitPlan) and looked up in the column's primary key index, and the planner estimates the
    condition from its statistics (for `IN (subquery)` inside an OR it guessed half the table)."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, subquery: Select):
        self.column = column
        self.subquery = subquery.scalar_subquery()


@compiles(in_list)
def _in_list(element, compiler, **kw):
    return "%s IN %s" % (compiler.process(element.column, **kw), compiler.process(element.subquery, **kw))


@compiles(in_list, "postgresql")
def _in_list_postgresql(element, compiler, **kw):
    return "%s = ANY(ARRAY%s)" % (compiler.process(element.column, **kw), compiler.process(element.subquery, **kw))


class CaseNotFound(LookupError):
    """No such case (the web kit answers 404)."""


class OutOfScope(PermissionError):
    """The case exists but lies outside the user's scope (the web kit answers 403)."""


def visible_case(user: User, case_id: int) -> Case:
    """The case if `user` may see it; CaseNotFound when it does not exist, OutOfScope when it is not theirs."""
    from portal.extensions import db

    case = db.session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    if not can_see(user, case):
        raise OutOfScope(case_id)
    return case


def can_see(user: User, case: Case) -> bool:
    from portal.extensions import db

    return db.session.scalar(visible_cases(user).where(Case.id == case.id).with_only_columns(Case.id)) is not None


def may_export(user: User) -> bool:
    """Bulk exports (ledger CSV/XLSX) are for staff who handle or supervise cases; monitors read on screen only."""
    return user is not None and getattr(user, "is_authenticated", False) and user.role != Role.MONITOR


def masks_personal_data(user: User, case: Case) -> bool:
    """Whether free text of `case` is shown to `user` with personal data masked (monitors)."""
    return user is not None and getattr(user, "role", None) == Role.MONITOR


def text_for(user: User, case: Case, text: str | None) -> str | None:
    """A case's free text (title, description, reply, notes) as `user` may read it."""
    if masks_personal_data(user, case):
        return mask_text(text, case)
    return text


def address_for(user: User, case: Case) -> str | None:
    if masks_personal_data(user, case) and not publication.is_public(case):
        return None
    return text_for(user, case, case.address)
