"""Who may see which cases. Every staff view goes through here: role *and* unit/platform scope."""
from sqlalchemy import Select, false, select

from portal.models import Case, CaseUnit, Role, User


def visible_cases(user: User) -> Select:
    """A SELECT of the cases `user` may see; the caller adds filters, order and paging."""
    query = select(Case)
    if user.role in Role.CITY_WIDE:
        return query
    if user.role in Role.PLATFORM_ROLES:
        if user.platform is not None and user.platform.kind == "city":
            return query  # the main platform consolidates every sub-platform
        return query.where(Case.platform_id == user.platform_id) if user.platform_id else query.where(false())
    if user.role in Role.UNIT_ROLES and user.unit_id:
        # the lead unit and the co-handling units of the case, while the case is with them
        shared = select(CaseUnit.case_id).where(CaseUnit.unit_id == user.unit_id, CaseUnit.active.is_(True))
        return query.where((Case.lead_unit_id == user.unit_id) | Case.id.in_(shared))
    if user.role == Role.SALON_ORGANIZER:
        return query.where(Case.channel == "tea_salon")
    return query.where(false())


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
