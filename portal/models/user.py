"""Staff accounts. Citizens do not log in: they track with tracking number + query code."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Role:
    OPERATOR = "operator"  # 话务员
    DISPATCHER = "dispatcher"  # 派单员
    HANDLER = "handler"  # 承办人
    UNIT_LEAD = "unit_lead"  # 单位负责人
    SUPERVISOR = "supervisor"  # 督办员
    MONITOR = "monitor"  # 监督员
    SALON_ORGANIZER = "salon_organizer"  # 网信办
    ADMIN = "admin"
    ALL = (OPERATOR, DISPATCHER, HANDLER, UNIT_LEAD, SUPERVISOR, MONITOR, SALON_ORGANIZER, ADMIN)
    # Roles whose scope is a platform (they see the cases received there) rather than a unit.
    PLATFORM_ROLES = (OPERATOR, DISPATCHER)
    UNIT_ROLES = (HANDLER, UNIT_LEAD)
    CITY_WIDE = (SUPERVISOR, MONITOR, ADMIN)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # set when an admin creates the account or resets its password: every page asks for a new one first
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the sign-in cookie's id: bumped at sign-out and password change, which ends every session at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    platform = relationship("Platform")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The login cookie's id: user id and session version, so old cookies stop working when it is bumped."""
        return f"{self.id}:{self.session_version or 1}"

    def end_all_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        had_password = bool(self.password_hash)
        self.password_hash = generate_password_hash(password, method=method)
        if had_password:  # a changed password ends every session signed in with the old one
            self.end_all_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles
