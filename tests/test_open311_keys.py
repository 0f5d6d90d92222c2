"""Open311 API keys: created and revoked by admins (secret shown once, stored hashed), and the per-key rate limit
on filing requests."""
import re

from sqlalchemy import select

from portal.domain import apikeys
from portal.extensions import db
from portal.models import ApiKey, Case
from tests.helpers import Api, as_user, filing, make_key, parse

SECRET = re.compile(r'value="(o311[0-9a-f]{8}\.[A-Za-z0-9_-]+)"')


def test_keys_are_stored_hashed_and_checked(app, city):
    with app.app_context():
        new = apikeys.create("市长信箱系统", "mayor_mailbox", None)
        db.session.commit()
        prefix, secret = new.key.prefix, new.secret
        row = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert secret.startswith(prefix + ".") and len(secret) > 40
        assert secret.split(".", 1)[1] not in row.key_hash and row.key_hash == apikeys.hash_key(secret)
        assert apikeys.check(secret).id == row.id
        assert apikeys.check(secret + "x") is None and apikeys.check(None) is None
        assert apikeys.check(prefix + "." + "A" * 43) is None
        assert row.last_used_at is None
        apikeys.check(secret, touch=True)
        assert row.last_used_at is not None
        apikeys.revoke(row)
        assert apikeys.check(secret) is None


def test_admin_creates_a_key_sees_it_once_and_revokes_it(app, city):
    admin = as_user(app, "admin")
    page = admin.get("/admin/api-keys")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    for channel in Case.CHANNELS:
        assert f'value="{channel}"' in html

    r = admin.post("/admin/api-keys", {"name": "12345 热线系统", "channel": "hotline"}, csrf_from="/admin/api-keys")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(r.get_data(as_text=True)).group(1)
    with app.app_context():
        row = db.session.scalar(select(ApiKey))
        assert row.channel == "hotline" and row.name == "12345 热线系统" and row.created_by.username == "admin"
        key_id, prefix = row.id, row.prefix

    again = admin.get("/admin/api-keys").get_data(as_text=True)
    assert secret not in again and prefix in again  # shown once; the prefix tells keys apart

    api = Api(app)
    created = api.post("requests.json", filing(secret))
    assert created.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Case)).channel == "hotline"

    r = admin.post(f"/admin/api-keys/{key_id}/revoke", {"confirmed": "yes"}, csrf_from="/admin/api-keys")
    assert r.status_code == 303
    html = admin.get("/admin/api-keys").get_data(as_text=True)
    assert f"/admin/api-keys/{key_id}/revoke" not in html  # no revoke button for a revoked key
    refused = api.post("requests.xml", filing(secret))
    assert refused.status_code == 403 and parse(refused)[0]["code"] == "403"


def test_key_form_errors_and_htmx(app, city):
    admin = as_user(app, "admin")
    r = admin.post("/admin/api-keys", {"name": "", "channel": "hotline"}, csrf_from="/admin/api-keys")
    assert r.status_code == 422
    r = admin.post("/admin/api-keys", {"name": "x", "channel": "fax"}, csrf_from="/admin/api-keys")
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ApiKey.id)) is None
    r = admin.post("/admin/api-keys", {"name": "留言板", "channel": "leader_board"}, csrf_from="/admin/api-keys",
                   htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and SECRET.search(body) and "<html" not in body and 'id="api-keys"' in body


def test_key_pages_need_an_admin_and_a_csrf_token(app, city):
    secret = make_key(app)
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    dispatcher = as_user(app, "dispatcher")
    assert dispatcher.get("/admin/api-keys").status_code == 403
    assert dispatcher.post(f"/admin/api-keys/{key_id}/revoke", {}, csrf_from="/staff/cases").status_code == 403
    admin = as_user(app, "admin")
    assert admin.client.post(f"/admin/api-keys/{key_id}/revoke").status_code == 400  # no CSRF token
    assert admin.post("/admin/api-keys/999999/revoke", {}, csrf_from="/admin/api-keys").status_code == 404
    with app.app_context():
        assert apikeys.check(secret) is not None
    anonymous = app.test_client()
    assert anonymous.get("/admin/api-keys").status_code in (302, 303)


def test_posting_is_rate_limited_per_key(app, city):
    first, second = make_key(app), make_key(app, channel="leader_board")
    api = Api(app)
    app.config["OPEN311_POST_RATE_LIMIT"] = "2 per minute"
    try:
        for _ in range(2):
            # distinct requests: the same body posted again would answer the first one (no new case)
            assert api.post("requests.json", filing(first, description=f"第{_ + 1}件：人民路88号门前路面有坑，雨天积水。")) \
                .status_code == 201
        limited = api.post("requests.json", filing(first))
        assert limited.status_code == 429
        error = limited.get_json()[0]
        assert error["code"] == 429 and "2 per 1 minute" in error["description"]
        limited = api.post("requests.xml", filing(first))
        assert limited.status_code == 429 and parse(limited)[0]["code"] == "429"
        assert "Retry-After" in limited.headers
        # another key has its own allowance; reading is not limited
        assert api.post("requests.json", filing(second, description="乙系统第1件：路灯不亮已经一周了，请尽快修复。")).status_code == 201
        assert api.get("requests.json").status_code == 200
        # a wrong secret with a real key's prefix is counted per address, not against that key
        wrong = apikeys.prefix_of(second) + "." + "Z" * 43
        assert api.post("requests.json", filing(wrong)).status_code == 403
        assert api.post("requests.json", filing(wrong)).status_code == 403
        assert api.post("requests.json", filing(wrong)).status_code == 429
        assert api.post("requests.json", filing(second, description="乙系统第2件：路灯不亮已经一周了，请尽快修复。")).status_code == 201
    finally:
        app.config.pop("OPEN311_POST_RATE_LIMIT")
    with app.app_context():
        assert db.session.scalar(select(Case.id).order_by(Case.id.desc())) is not None
        assert len(db.session.scalars(select(Case.id)).all()) == 4
