"""The citizen's contact details: only for handlers of a unit the case is assigned to, and every view logged.

Units get the minimum (DOMAIN.md, privacy): the name, full phone and email are revealed on an explicit action
by a handler or unit lead of the case's lead unit or of an active co-handling unit, and each reveal writes a
ContactView row (who, when, which case, from which address) that administrators can list. Nothing else in the
staff pages shows the full phone.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from portal.domain.paging import Page, paginate
from portal.extensions import db
from portal.models import Case, CaseUnit, ContactView, Role, User
from portal.models.base import utcnow

LOG_PAGE_SIZE = 50


class ContactDenied(Exception):
    """The user may not see this citizen's contact details."""


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str
    email: str | None
    viewed_at: datetime


def may_see_contact(user: User | None, case: Case) -> bool:
    """Handler or unit lead of the lead unit, or of a co-handling unit still active on the case."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role not in Role.UNIT_ROLES or not user.unit_id:
        return False
    if case.lead_unit_id is not None and case.lead_unit_id == user.unit_id:
        return True
    return db.session.scalar(select(CaseUnit.id).where(
        CaseUnit.case_id == case.id, CaseUnit.unit_id == user.unit_id, CaseUnit.active.is_(True)).limit(1)) is not None


def reveal_contact(user: User, case: Case, ip: str | None) -> ContactDetails:
    """The details, after logging the view (the caller commits). Raises ContactDenied for anyone else."""
    if not may_see_contact(user, case):
        raise ContactDenied()
    view = ContactView(case_id=case.id, user_id=user.id, at=utcnow(), ip=(ip or "")[:64] or None)
    db.session.add(view)
    db.session.flush()
    return ContactDetails(name=case.citizen_name, phone=case.citizen_phone, email=case.citizen_email,
                          viewed_at=view.at)


# ---------------------------------------------------------------------------------------------- the log
def log_query(user_id: int | None = None, tracking_no: str | None = None) -> Select:
    """ContactView rows newest first, with viewer and case loaded in the same query."""
    # outer join: a caller look-up from operator intake has no case
    query = (select(ContactView).join(ContactView.user).outerjoin(ContactView.case)
             .options(contains_eager(ContactView.user).joinedload(User.unit), contains_eager(ContactView.case)))
    if user_id is not None:
        query = query.where(ContactView.user_id == user_id)
    if tracking_no:
        query = query.where(Case.tracking_no.startswith(tracking_no.strip().upper(), autoescape=True))
    return query.order_by(ContactView.at.desc(), ContactView.id.desc())


def log_page(query: Select, page: int, size: int = LOG_PAGE_SIZE) -> Page:
    """One query: a page plus one row to know whether a next page exists (the log is never counted)."""
    return paginate(query, page, size, count=False)


def viewers() -> list[User]:
    """Users who have viewed contact details at least once, for the log's filter."""
    ids = select(ContactView.user_id).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))
