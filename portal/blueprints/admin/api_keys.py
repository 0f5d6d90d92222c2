"""Administration of the Open311 API keys (/admin/api-keys): one key per channel system, created and revoked by
admins. A new key's secret is shown once, in the answer to the form that created it (never stored, never put
in the session or a flash message, which live in a cookie); the page answers with Cache-Control: no-store."""
from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.admin.forms import ApiKeyForm
from portal.domain import apikeys
from portal.extensions import db
from portal.models import ApiKey, Role
from portal.web import confirm, redirect_after_post, render_page, roles_required, submit_once

bp = Blueprint("apikeys", __name__, url_prefix="/admin/api-keys")


def _page(form: ApiKeyForm, status: int = 200, new_key: apikeys.NewKey | None = None, again: ApiKey | None = None):
    response = render_page("admin/api_keys.html", "keys_section", status=status, form=form, new_key=new_key,
                           again=again, keys=apikeys.all_keys())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    return _page(ApiKeyForm())


@bp.post("")
@roles_required(Role.ADMIN)
def create():
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    once = submit_once.claim("api-key")
    if once.repeated:  # the same form posted twice: one key; its secret was in the answer to the first post
        return _page(ApiKeyForm(formdata=None), again=db.session.get(ApiKey, once.previous.get("key_id") or 0))
    new_key = apikeys.create(form.name.data, form.channel.data, current_user)
    once.done(key_id=new_key.key.id)
    db.session.commit()
    return _page(ApiKeyForm(formdata=None), new_key=new_key)


@bp.post("/<int:key_id>/revoke")
@roles_required(Role.ADMIN)
def revoke(key_id):
    key = db.session.get(ApiKey, key_id) or abort(404)
    if key.revoked_at is None and not confirm.confirmed():
        return confirm.ask(_("Revoke the key %(prefix)s (%(name)s)?", prefix=key.prefix, name=key.name),
                           _("The system using it can no longer file requests. A revoked key cannot be restored."),
                           _("Revoke"), url_for("apikeys.index"))
    if apikeys.revoke(key):
        db.session.commit()
        flash(_("Key %(prefix)s (%(name)s) revoked: requests signed with it are refused from now on.",
                prefix=key.prefix, name=key.name), "success")
    return redirect_after_post(url_for("apikeys.index"))
