"""Administration (one feature package): the working-day calendar (`calendar`), the routing table (`routing`), API
keys (`api_keys`), and the administration pages: users, the organisation (units, platforms, regions, categories), the outbox and the
audit log; and every user's own password change, which an account with a temporary password must do first."""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from portal.web import redirect_after_post

bp = Blueprint("administration", __name__, url_prefix="/admin")
account_bp = Blueprint("account", __name__, url_prefix="/account")

# Pages a user with a temporary password may still open: the change itself, signing out, assets.
OPEN_WHILE_CHANGING = {"account.change_password", "auth.logout", "auth.login", "static"}


@account_bp.before_app_request
def require_new_password():
    """An account created by an admin or whose password was reset changes it before doing anything else."""
    if not current_user.is_authenticated:
        return None
    if not current_user.active:  # deactivated while signed in: the session ends at the next request
        from flask_login import logout_user

        logout_user()
        return redirect(url_for("auth.login"))
    if not current_user.must_change_password:
        return None
    if request.endpoint in OPEN_WHILE_CHANGING or request.endpoint is None:
        return None
    return redirect_after_post(url_for("account.change_password"), code=303 if request.method == "POST" else 302)


from portal.blueprints.admin import account, organisation, records, users  # noqa: E402,F401
