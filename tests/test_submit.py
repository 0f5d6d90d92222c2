"""A citizen submits a request on the web."""
import io
import re

from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, CaseEvent, CasePhoto
from tests.helpers import case_form, make_image


def count_cases(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def test_submit_page_is_chinese_by_default_with_cascading_selects(client, city):
    page = client.get("/submit").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
    assert "提交诉求" in page or "我要反映" in page
    assert 'name="category_l1"' in page and 'name="category_id"' in page
    assert "城乡建设" in page  # level-1 categories are listed
    assert "路面破损" not in page  # leaves only appear once their parents are chosen


def test_category_cascade_fragment_lists_next_level(client, city):
    l1, l2 = city["leaf_path"]
    html = client.get(f"/submit/options?picker=category&category_l1={l1}", htmx=True).get_data(as_text=True)
    assert 'id="category-picker"' in html and "道路设施" in html and "<html" not in html
    html = client.get(f"/submit/options?picker=category&category_l1={l1}&category_l2={l2}",
                      htmx=True).get_data(as_text=True)
    assert "路面破损" in html


def test_cascade_without_javascript_uses_refresh_button(client, city):
    l1 = city["leaf_path"][0]
    response = client.post("/submit", {"category_l1": l1, "refresh": "category", "title": "保留我输入的标题"},
                           csrf_from="/submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "道路设施" in html and "保留我输入的标题" in html  # next level filled, nothing typed is lost
    assert count_cases(client.client.application) == 0


def test_region_cascade_lists_towns_of_the_county(client, city):
    html = client.get(f"/submit/options?picker=region&county_id={city['county']}", htmx=True).get_data(as_text=True)
    assert "鼓楼街道" in html and "河东街道" not in html


def test_successful_submission_gives_tracking_number_and_code_once(client, city, app):
    response = client.post("/submit", case_form(city))
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r"FY\d{18}", receipt).group(0)
    code = re.search(r'data-testid="query-code">(\d{6})<', receipt).group(1)
    assert len(code) == 6
    again = client.get("/submit/receipt").get_data(as_text=True)
    assert code not in again  # shown once only
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.tracking_no == number))
        assert case.state == "submitted" and case.channel == "web"
        assert case.citizen_phone == "13812345678" and case.platform.kind == "county"
        assert code not in case.query_code_hash  # stored hashed
        assert [e.action for e in case.events] == ["submit"]


def test_htmx_submission_redirects_with_hx_redirect(client, city):
    response = client.post("/submit", case_form(city), htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/submit/receipt")


def test_every_missing_field_gets_a_localized_error_and_nothing_is_created(client, city, app):
    response = client.post("/submit", {"title": "短"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("请选择", "请填写", "联系电话"):
        assert message in html, message
    assert count_cases(app) == 0


def test_errors_in_english_when_english_chosen(client, city):
    client.get("/lang/en")
    html = client.post("/submit", {"citizen_phone": "12345"}).get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Enter a mainland mobile number" in html


def test_phone_validation_accepts_mobile_and_landline(client, city, app):
    for phone in ("138 1234 5678", "0558-1234567", "+8613812345678"):
        response = client.post("/submit", case_form(city, citizen_phone=phone))
        assert response.status_code == 303, phone
    for phone in ("1234567", "23812345678", "abc"):
        response = client.post("/submit", case_form(city, citizen_phone=phone))
        assert response.status_code == 422, phone
    assert count_cases(app) == 3


def test_category_must_be_a_leaf_under_the_chosen_parents(client, city, app):
    response = client.post("/submit", case_form(city, category_id=city["leaf_path"][1]))
    assert response.status_code == 422
    response = client.post("/submit", case_form(city, town_id=city["other_county_town"]))
    assert response.status_code == 422
    assert count_cases(app) == 0


def test_inline_validation_answers_for_one_field(client, city):
    response = client.post("/submit/validate", {"citizen_phone": "123"}, htmx=True,
                           headers={"HX-Trigger-Name": "citizen_phone"}, csrf_from="/submit")
    html = response.get_data(as_text=True)
    assert 'id="citizen_phone-error"' in html and "手机" in html
    response = client.post("/submit/validate", {"citizen_phone": "13812345678"}, htmx=True,
                           headers={"HX-Trigger-Name": "citizen_phone"}, csrf_from="/submit")
    assert "手机" not in response.get_data(as_text=True)


def test_photo_is_reencoded_without_exif(client, city, app):
    data = case_form(city)
    data["photos"] = [(io.BytesIO(make_image("JPEG", exif_gps=True)), "road.jpg"),
                      (io.BytesIO(make_image("PNG")), "road.png")]
    response = client.post("/submit", data, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        photos = db.session.scalars(select(CasePhoto)).all()
        assert len(photos) == 2
        from portal.domain.photos import path_of
        for photo in photos:
            stored = Image.open(path_of(photo.stored_name))
            assert stored.format == "JPEG"
            assert not stored.getexif()  # GPS and camera data gone


def test_fake_image_is_refused_and_nothing_created(client, city, app):
    data = case_form(city)
    data["photos"] = [(io.BytesIO(b"this is not a picture at all"), "evil.jpg")]
    response = client.post("/submit", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "evil.jpg" in response.get_data(as_text=True)
    assert count_cases(app) == 0


def test_oversized_photo_is_refused_with_a_friendly_message(client, city, app):
    data = case_form(city)
    big = make_image("PNG") + b"\0" * (11 * 1024 * 1024)
    data["photos"] = [(io.BytesIO(big), "huge.png")]
    response = client.post("/submit", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "10 MB" in response.get_data(as_text=True)
    assert count_cases(app) == 0


def test_more_than_five_photos_refused(client, city, app):
    data = case_form(city)
    data["photos"] = [(io.BytesIO(make_image()), f"p{i}.jpg") for i in range(6)]
    response = client.post("/submit", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert count_cases(app) == 0


def test_body_over_the_limit_gets_friendly_413(client, city, app):
    app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024 - 1
    try:
        data = case_form(city)
        data["photos"] = [(io.BytesIO(b"x" * (20 * 1024 * 1024)), "twenty.jpg")]
        response = client.post("/submit", data, content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 52 * 1024 * 1024
    assert response.status_code == 413
    assert "照片" in response.get_data(as_text=True)
    assert count_cases(app) == 0


def test_missing_csrf_token_keeps_what_was_typed_and_creates_nothing(client, city, app):
    data = case_form(city, csrf_token="")
    response = client.client.post("/submit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "人民路路面破损" in html  # the citizen's text is still in the form
    assert count_cases(app) == 0


def test_confidential_request_never_consents_to_publication(client, city, app):
    client.post("/submit", case_form(city, confidential="y", publish_consent="y"))
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.confidential and not case.publish_consent
        assert db.session.scalar(select(func.count(CaseEvent.id))) == 1


def test_htmx_error_answer_is_the_form_alone(client, city):
    response = client.post("/submit", {"title": "短"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_boosted_or_history_restore_requests_get_the_whole_page(client, city):
    for header in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        html = client.get("/track", htmx=True, headers=header).get_data(as_text=True)
        assert "<html" in html


def test_similar_open_cases_are_suggested_while_typing(app, client, city, make_case):
    public_id, _no, _code = make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。",
                                      publish_consent=True)
    with app.app_context():  # reviewed (accepted), so public under the one publication rule
        from portal.domain import workflow
        from portal.models import User

        workflow.accept(db.session.get(Case, public_id), db.session.get(User, city["users"]["dispatcher"]))
        db.session.commit()
    make_case(title="人民路路面塌陷了", description="人民路88号门前路面塌陷，很危险。", publish_consent=False)
    form = {"category_id": city["leaf"], "county_id": city["county"], "title": "人民路路面塌陷",
            "description": "人民路88号门口路面塌陷了一个坑"}
    html = client.post("/submit/similar", form, htmx=True, csrf_from="/submit").get_data(as_text=True)
    assert "人民路路面塌陷" in html
    assert "人民路路面塌陷了" not in html  # a citizen only sees cases whose citizen allowed publication
    assert "FY" not in html  # and no tracking numbers
    client.login("operator")
    html = client.post("/submit/similar", form, htmx=True, csrf_from="/staff/intake").get_data(as_text=True)
    assert "人民路路面塌陷了" in html and "FY" in html
    other = dict(form, description="完全不同的事情：噪音扰民", title="噪音")
    assert "人民路" not in client.post("/submit/similar", other, htmx=True, csrf_from="/submit").get_data(as_text=True)
