"""Staff accounts as the administrators run them: create, edit, deactivate, reset a password; the user's own
password change. Every change is written to the audit log.

Rules:
- handlers and unit leads belong to a unit; operators and dispatchers to a platform; a monitor has a kind and a
  term (`portal.domain.monitoring`). A retired unit or platform takes no new members.
- An account an admin created or whose password an admin reset must choose a new password before anything else
  (`must_change_password`, enforced on every page by the administration blueprint).
- The last active administrator cannot be deactivated or given another role.
"""
import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.domain import audit, monitoring
from portal.extensions import db
from portal.models import MonitorProfile, Platform, Role, Unit, User

USER_FIELDS = ("username", "display_name", "role", "unit_id", "platform_id", "email", "active",
               "must_change_password")
MIN_PASSWORD = 8


class AccountError(Exception):
    """A refused change; str() is a message for the user in their language, `field` the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class AccountData:
    display_name: str
    role: str
    unit_id: int | None = None
    platform_id: int | None = None
    email: str | None = None
    monitor_kind: str | None = None
    monitor_organisation: str = ""
    term_start: date | None = None
    term_end: date | None = None


def temporary_password() -> str:
    """Readable one-time password the admin hands over; the user must replace it at first sign-in."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _snapshot(user: User) -> dict:
    data = audit.snapshot(user, USER_FIELDS)
    profile = db.session.get(MonitorProfile, user.id) if user.id else None
    if profile is not None:
        data.update(audit.snapshot(profile, ("kind", "organisation", "term_start", "term_end")))
    return data


def active_admins() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))) or 0


def _check_last_admin(user: User, new_role: str, new_active: bool) -> None:
    if user.role == Role.ADMIN and user.active and (new_role != Role.ADMIN or not new_active) \
            and active_admins() <= 1:
        raise AccountError(_("%(user)s is the last active administrator: appoint another administrator first.",
                             user=user.username))


def _apply(user: User, data: AccountData) -> None:
    if data.role not in Role.ALL:
        raise AccountError(_("Choose a role from the list."))
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    platform = db.session.get(Platform, data.platform_id) if data.platform_id else None
    if data.role in Role.UNIT_ROLES and unit is None:
        raise AccountError(_("Handlers and unit leads belong to a unit: choose one."), "unit_id")
    if data.role in Role.PLATFORM_ROLES and platform is None:
        raise AccountError(_("Operators and dispatchers work at a platform: choose one."), "platform_id")
    if unit is not None and unit.retired_at is not None and unit.id != user.unit_id:
        raise AccountError(_("%(unit)s is retired and takes no new staff.", unit=unit.name))
    if platform is not None and platform.retired_at is not None and platform.id != user.platform_id:
        raise AccountError(_("%(platform)s is retired and takes no new staff.", platform=platform.name))
    user.display_name = data.display_name
    user.role = data.role
    user.unit_id = unit.id if unit is not None and data.role in Role.UNIT_ROLES else None
    user.platform_id = platform.id if platform is not None and data.role in Role.PLATFORM_ROLES else None
    user.email = data.email or None
    if data.role == Role.MONITOR:
        if not data.monitor_kind or data.term_start is None or data.term_end is None:
            raise AccountError(_("A monitor needs a kind and a term (first and last day)."), "monitor_kind")
        try:
            monitoring.appoint(user, data.monitor_kind, data.term_start, data.term_end,
                               data.monitor_organisation or "")
        except monitoring.ReviewError as err:
            raise AccountError(str(err), "term_end") from None


def create_user(actor: User, username: str, data: AccountData) -> tuple[User, str]:
    """A new account with a temporary password (returned, shown once to the admin). Flushes."""
    username = username.strip()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise AccountError(_("The user name %(name)s is taken: choose another.", name=username), "username")
    password = temporary_password()
    user = User(username=username, display_name=data.display_name, role=data.role, active=True,
                must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    _apply(user, data)
    db.session.flush()
    audit.record(actor, "create", user, None, _snapshot(user))
    return user, password


def update_user(actor: User, user: User, data: AccountData) -> None:
    _check_last_admin(user, data.role, user.active)
    before = _snapshot(user)
    _apply(user, data)
    if data.role != Role.MONITOR:
        profile = db.session.get(MonitorProfile, user.id)
        if profile is not None:
            db.session.delete(profile)
    db.session.flush()
    after = _snapshot(user)
    if after != before:
        audit.record(actor, "update", user, before, after)


def set_active(actor: User, user: User, active: bool) -> None:
    if user.active == active:
        return
    _check_last_admin(user, user.role, active)
    before = _snapshot(user)
    user.active = active
    audit.record(actor, "reactivate" if active else "deactivate", user, before, _snapshot(user))


def reset_password(actor: User, user: User) -> str:
    """A new temporary password (returned, shown once); the user must change it at next sign-in."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    audit.record(actor, "reset_password", user, {"must_change_password": False}, {"must_change_password": True})  # nosec B105 - the must-change flag in the audit log, not a password
    return password


def change_own_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_("Your current password is not right."), "current")
    if len(new) < MIN_PASSWORD:
        raise AccountError(_("The new password needs at least %(n)d characters.", n=MIN_PASSWORD), "new")
    if new == current:
        raise AccountError(_("Choose a new password different from the old one."), "new")
    user.set_password(new)
    was = user.must_change_password
    user.must_change_password = False
    audit.record(user, "change_password", user, {"must_change_password": was}, {"must_change_password": False})  # nosec B105 - the must-change flag in the audit log, not a password


def users(role: str | None = None, active: bool | None = None) -> list[User]:
    from sqlalchemy.orm import selectinload

    q = select(User).options(selectinload(User.unit), selectinload(User.platform)).order_by(User.role, User.username)
    if role in Role.ALL:
        q = q.where(User.role == role)
    if active is not None:
        q = q.where(User.active.is_(active))
    return list(db.session.scalars(q))
