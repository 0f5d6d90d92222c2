"""Staff sign-in. Citizens never need an account."""
from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from portal.extensions import db, limiter
from portal.models import User
from portal.web import redirect_after_post, render_page
from portal.web.forms import strip

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), filters=[strip], validators=[DataRequired(_l("Enter your user name."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
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
            form.password.errors = [_("Wrong user name or password.")]
    status = 422 if request.method == "POST" else 200
    return render_page("auth/login.html", "login_form", status=status, form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect_after_post(url_for("public.home"))
