"""Staff sign-in. Citizens never need an account.

Only failed sign-ins count against the limits (per address and per user name); an unknown user name costs the same
password hashing as a known one; signing out ends every session of the user (User.session_version)."""
from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from portal import rate_limits
from portal.extensions import db, limiter
from portal.models import User
from portal.web import redirect_after_post, render_page, render_too_many
from portal.web.forms import strip
from portal.web.guard import safe_redirect_target

bp = Blueprint("auth", __name__)
_DUMMY_HASHES: dict[str, str] = {}


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), filters=[strip], validators=[DataRequired(_l("Enter your user name."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


def _safe_next(target: str | None) -> str:
    return safe_redirect_target(target, url_for("staff.home"))


def _dummy_check(password: str) -> None:
    """Hash the password against a throw-away hash of the configured method: same time as a real check."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-password", method=method)
    check_password_hash(_DUMMY_HASHES[method], password or "")


def _login_failed(response) -> bool:
    return response.status_code == 422


def _user_key() -> str:
    return (request.form.get("username") or "").strip().lower()[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_login_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        limits = current_app.config["LOGIN_USER_RATE_LIMIT"]
        wait = rate_limits.blocked("login-user", _user_key(), limits)
        if wait is not None:
            form.password.errors = [_("Too many failed sign-ins for this user name. Try again in %(minutes)d "
                                      "minutes.", minutes=rate_limits.retry_minutes(wait))]
            return render_too_many("auth/login.html", "login_form", wait, form=form)
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is None:
            _dummy_check(form.password.data)
        if user is not None and user.active and user.check_password(form.password.data):
            from portal.domain import monitoring

            if not monitoring.may_sign_in(user):
                profile = monitoring.profile_of(user)
                form.username.errors = [_("Your appointment as a monitor runs from %(start)s to %(end)s, so this "
                                          "account cannot sign in now. Contact the supervision office.",
                                          start=profile.term_start.isoformat(), end=profile.term_end.isoformat())]
            else:
                login_user(user)
                return redirect_after_post(_safe_next(request.args.get("next")))
        else:
            rate_limits.count_failure("login-user", _user_key(), limits)
            form.password.errors = [_("Wrong user name or password.")]
    status = 422 if request.method == "POST" else 200
    return render_page("auth/login.html", "login_form", status=status, form=form)


@bp.post("/logout")
@login_required
def logout():
    current_user.end_all_sessions()  # every browser and device signed in as this user is signed out
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect_after_post(url_for("public.home"))
