"""The signed-in user's own password."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from portal.blueprints.admin import account_bp
from portal.blueprints.admin.forms import ChangePasswordForm
from portal.domain import accounts
from portal.extensions import db
from portal.web import redirect_after_post, render_page


@account_bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current.data, form.new.data)
        except accounts.AccountError as err:
            db.session.rollback()
            getattr(form, err.field or "new").errors = [str(err)]
        else:
            db.session.commit()
            # the change ended every session signed in with the old password; this one carries on
            login_user(current_user._get_current_object())
            flash(_("Your password is changed."), "success")
            return redirect_after_post(url_for("staff.home"))
    status = 422 if request.method == "POST" else 200
    return render_page("administration/password.html", "password_form", status=status, form=form,
                       forced=current_user.must_change_password)
