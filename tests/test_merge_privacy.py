"""A citizen's page shows only what that citizen may see: after a merge (并单) neither citizen reads the other's
private words (rating comment, description, name, phone), neither on the tracking page, nor in messages, nor in
the Open311 updates feed."""
from sqlalchemy import select

from portal.domain import workflow
from portal.extensions import db
from portal.models import Case, OutboxMessage, User
from tests.helpers import PortalClient, released_case

A_COMMENT = "甲的私密意见：楼下王五家的狗每晚叫"
B_DESCRIPTION = "乙的私密描述：我家住3栋502，丈夫常年在外地"


def _track(app, number, code):
    citizen = PortalClient(app.test_client())
    r = citizen.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track")
    assert r.status_code == 303
    return citizen.get(r.headers["Location"]).get_data(as_text=True)


def _merged_pair(app, city, make_case):
    """A (earlier, rated dissatisfied with a private comment) and B (a duplicate merged into A)."""
    a = released_case(app, city, make_case, citizen_name="甲先生", citizen_phone="13811112222",
                  citizen_email="jia@example.com")
    with app.app_context():
        workflow.evaluate(db.session.get(Case, a[0]), "not_resolved", "dissatisfied", A_COMMENT)
        db.session.commit()
    b = make_case(citizen_name="乙女士", citizen_phone="13933334444", citizen_email="yi@example.com",
                  description=B_DESCRIPTION)
    with app.app_context():
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        workflow.merge(db.session.get(Case, b[0]), db.session.get(Case, a[0]), dispatcher)
        db.session.commit()
    return a, b


def test_merged_citizen_does_not_see_the_other_citizens_rating_comment(app, city, make_case):
    (a_id, a_no, _), (b_id, b_no, b_code) = _merged_pair(app, city, make_case)
    page = _track(app, b_no, b_code)
    assert a_no in page  # B follows A's progress...
    assert A_COMMENT not in page and "王五" not in page  # ...but not A's own words
    assert "甲先生" not in page and "13811112222" not in page and "jia@example.com" not in page
    assert "您的评价" not in page and "Your rating" not in page  # A's rating is not presented as B's


def test_earlier_citizen_does_not_see_the_merged_citizens_text(app, city, make_case):
    (a_id, a_no, a_code), (b_id, b_no, _) = _merged_pair(app, city, make_case)
    page = _track(app, a_no, a_code)
    assert A_COMMENT in page  # A sees their own comment
    assert B_DESCRIPTION not in page and "乙女士" not in page and "13933334444" not in page
    assert "yi@example.com" not in page


def test_no_message_to_the_merged_citizen_carries_the_other_citizens_words(app, city, make_case):
    _merged_pair(app, city, make_case)
    with app.app_context():
        for message in db.session.scalars(select(OutboxMessage)):
            if message.recipient in ("13933334444", "yi@example.com"):
                assert A_COMMENT not in message.body and "甲先生" not in message.body
            if message.recipient in ("13811112222", "jia@example.com"):
                assert B_DESCRIPTION not in message.body and "乙女士" not in message.body


def test_open311_updates_feed_never_carries_a_citizens_rating_comment(app, city, make_case):
    _merged_pair(app, city, make_case)
    body = app.test_client().get("/open311/v2/servicerequestupdates.json").get_data(as_text=True)
    assert A_COMMENT not in body and "王五" not in body
    assert B_DESCRIPTION not in body
