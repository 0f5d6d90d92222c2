"""After a merge (并单) each citizen, in a real browser, reads only what is theirs: the citizen whose duplicate was
merged follows the earlier case's progress without the earlier citizen's rating comment, name or phone, and the
earlier citizen never sees the merged citizen's description."""
import pytest
from playwright.sync_api import expect

from portal.domain import workflow
from portal.extensions import db
from portal.models import Case, User
from tests.browser.flows import track
from tests.helpers import released_case

pytestmark = pytest.mark.browser

A_COMMENT = "甲的私密意见：楼下王五家的狗每晚叫"
B_DESCRIPTION = "乙的私密描述：我家住3栋502，丈夫常年在外地"


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_merged_citizens_read_only_their_own_words(app, city, make_case, new_page, js):
    a_id, a_no, a_code = released_case(app, city, make_case, citizen_name="甲先生", citizen_phone="13811112222")
    with app.app_context():
        workflow.evaluate(db.session.get(Case, a_id), "not_resolved", "dissatisfied", A_COMMENT)
        db.session.commit()
    b_id, b_no, b_code = make_case(citizen_name="乙女士", citizen_phone="13933334444", description=B_DESCRIPTION)
    with app.app_context():
        workflow.merge(db.session.get(Case, b_id), db.session.get(Case, a_id),
                       db.session.get(User, city["users"]["dispatcher"]))
        db.session.commit()

    merged = new_page(java_script_enabled=js)
    merged.goto("/track")
    track(merged, b_no, b_code)
    main = merged.locator("main")
    expect(main).to_contain_text(a_no)  # B follows A's progress...
    text = main.inner_text()
    assert A_COMMENT not in text and "王五" not in text  # ...but never A's own words
    assert "甲先生" not in text and "13811112222" not in text

    earlier = new_page(java_script_enabled=js)
    earlier.goto("/track")
    track(earlier, a_no, a_code)
    expect(earlier.locator("main")).to_contain_text(A_COMMENT)  # A reads their own comment
    text = earlier.locator("main").inner_text()
    assert B_DESCRIPTION not in text and "乙女士" not in text and "13933334444" not in text
