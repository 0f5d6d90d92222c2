"""Publishing a ranking cannot be undone: the supervisors' page asks for confirmation (a real form, no JavaScript
needed) and publishes only the last closed month."""
import re

from portal.domain import rankings
from portal.extensions import db
from tests.helpers import as_user

PUBLISH = "/staff/rankings/publish"


def _published(app, month):
    with app.app_context():
        return rankings.snapshot_for(month) is not None


def test_first_post_asks_for_confirmation_and_publishes_nothing(app, city):
    with app.app_context():
        month = rankings.last_month()
    supervisor = as_user(app, "supervisor")
    r = supervisor.post(PUBLISH, {"month": month}, csrf_from="/staff/rankings")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and not _published(app, month)
    form = re.search(r'<form method="post" action="/staff/rankings/publish" id="confirm-publish">(.*?)</form>', page,
                     re.S)
    assert form, "no confirmation form"
    assert f'name="month" type="hidden" value="{month}"' in form.group(1)
    assert 'name="stage" type="hidden" value="confirm"' in form.group(1)
    assert re.search(r'<input[^>]*name="confirmed"[^>]*type="checkbox"', form.group(1))
    assert "ranking-table" in page  # what is about to be published
    # the confirmation form posted without ticking the box: refused, still nothing published
    r = supervisor.post(PUBLISH, {"month": month, "stage": "confirm"}, csrf_from="/staff/rankings")
    assert r.status_code == 422 and 'role="alert"' in r.get_data(as_text=True) and not _published(app, month)
    r = supervisor.post(PUBLISH, {"month": month, "stage": "confirm", "confirmed": "y"}, csrf_from="/staff/rankings")
    assert r.status_code == 303 and _published(app, month)


def test_only_the_last_closed_month_can_be_published_from_the_page(app, city):
    with app.app_context():
        last = rankings.last_month()
        older = rankings.shift_month(last, -2)
        current = rankings.shift_month(last, 1)
    supervisor = as_user(app, "supervisor")
    for month in (older, current, "2026-13", "<b>"):
        r = supervisor.post(PUBLISH, {"month": month, "stage": "confirm", "confirmed": "y"},
                            csrf_from="/staff/rankings")
        page = r.get_data(as_text=True)
        assert r.status_code == 422, month
        assert re.search(r'<div class="form-errors" role="alert"><p>[^<]*' + last, page), month
        assert "<b>" not in page.split('role="alert"')[1].split("</div>")[0]
    with app.app_context():
        assert rankings.published_months() == []
        db.session.rollback()
