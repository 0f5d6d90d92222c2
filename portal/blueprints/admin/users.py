"""Administration of staff accounts."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import EditUserForm, UserForm
from portal.domain import accounts, monitoring, organisation
from portal.extensions import db
from portal.models import MonitorProfile, Platform, Role, User
from portal.web import redirect_after_post, render_page, roles_required


def _choices(form, user: User | None = None) -> None:
    """Active units and platforms, plus the user's own (even retired) so an edit does not silently move them."""
    blank = [(None, _("— none —"))]
    units = organisation.active_units()
    if user is not None and user.unit is not None and user.unit not in units:
        units.append(user.unit)
    platforms = list(db.session.scalars(organisation.active(Platform).order_by(Platform.kind, Platform.id)))
    if user is not None and user.platform is not None and user.platform not in platforms:
        platforms.append(user.platform)
    form.unit_id.choices = blank + [(u.id, u.name) for u in units]
    form.platform_id.choices = blank + [(p.id, p.name) for p in platforms]


def _data(form) -> accounts.AccountData:
    return accounts.AccountData(
        display_name=form.display_name.data, role=form.role.data, unit_id=form.unit_id.data,
        platform_id=form.platform_id.data, email=form.email.data, monitor_kind=form.monitor_kind.data or None,
        monitor_organisation=form.monitor_organisation.data or "", term_start=form.term_start.data,
        term_end=form.term_end.data)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    role = request.args.get("role") or None
    state = request.args.get("state") or None
    active = {"active": True, "inactive": False}.get(state)
    return render_page("administration/users.html", "user_table", users=accounts.users(role, active),
                       role=role, state=state)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            user, password = accounts.create_user(current_user, form.username.data, _data(form))
        except accounts.AccountError as err:
            db.session.rollback()
            getattr(form, err.field or "role").errors = [str(err)]
        else:
            db.session.commit()
            flash(_("Account %(name)s created. Temporary password: %(password)s — give it to the person; "
                    "they must choose their own at first sign-in.", name=user.username, password=password),
                  "success")
            return redirect_after_post(url_for("administration.edit_user", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_page("administration/user_form.html", "user_form", status=status, form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id):
    user = _user_or_404(user_id)
    form = EditUserForm(obj=user) if request.method == "GET" else EditUserForm()
    _choices(form, user)
    profile = db.session.get(MonitorProfile, user.id)
    if request.method == "GET" and profile is not None:
        form.monitor_kind.data, form.monitor_organisation.data = profile.kind, profile.organisation
        form.term_start.data, form.term_end.data = profile.term_start, profile.term_end
    if form.validate_on_submit():
        try:
            accounts.update_user(current_user, user, _data(form))
        except accounts.AccountError as err:
            db.session.rollback()
            getattr(form, err.field or "role").errors = [str(err)]
        else:
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "success")
            return redirect_after_post(url_for("administration.edit_user", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_page("administration/user_form.html", "user_form", status=status, form=form, user=user,
                       monitor_kinds=monitoring.KIND_LABELS)


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id):
    user = _user_or_404(user_id)

    activate = request.form.get("active") == "1"
    try:
        accounts.set_active(current_user, user, activate)
    except accounts.AccountError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("Account %(name)s reactivated.", name=user.username) if activate
              else _("Account %(name)s deactivated: it can no longer sign in.", name=user.username), "success")
    return redirect_after_post(url_for("administration.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id):
    user = _user_or_404(user_id)
    password = accounts.reset_password(current_user, user)
    db.session.commit()
    flash(_("New temporary password for %(name)s: %(password)s — they must choose their own at next sign-in.",
            name=user.username, password=password), "success")
    return redirect_after_post(url_for("administration.edit_user", user_id=user.id))


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return render_page("administration/index.html")
