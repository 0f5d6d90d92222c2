"""The home page explains the service and lists published cases, masked."""
from portal.domain.privacy import mask_name, mask_phone
from tests.helpers import answer


def test_masks(ctx):
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0558-1234567") == "055******67"
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李**"


def test_home_links_submit_and_track(client, city):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/submit"' in page and 'href="/track"' in page


def test_home_lists_only_consented_cases_with_masked_contact(client, city, make_case, app):
    shown, _, _ = make_case(title="公开的诉求", citizen_name="王小明", citizen_phone="13800001111")
    hidden_name, _, _ = make_case(title="匿名的诉求", citizen_name="赵大海", hide_name=True)
    not_consented, _, _ = make_case(title="不同意公开", publish_consent=False)
    confidential, _, _ = make_case(title="保密的诉求", confidential=True, publish_consent=True)
    for case_id in (shown, hidden_name, not_consented, confidential):
        answer(app, city, case_id)
    page = client.get("/").get_data(as_text=True)
    assert "公开的诉求" in page and "匿名的诉求" in page
    assert "不同意公开" not in page and "保密的诉求" not in page
    assert "王小明" not in page and "王**" in page
    assert "13800001111" not in page and "138****1111" in page
    assert "赵大海" not in page and "赵**" not in page  # hidden name: not even the surname


def test_unanswered_cases_are_not_listed(client, make_case):
    make_case(title="还没有答复")
    assert "还没有答复" not in client.get("/").get_data(as_text=True)


def test_language_switch_keeps_the_page(client):
    response = client.get("/lang/en?next=/track")
    assert response.headers["Location"].endswith("/track")
    assert 'lang="en"' in client.get("/track").get_data(as_text=True)
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"


def test_reply_on_home_does_not_repeat_the_citizens_name_or_phone(client, city, make_case, app):
    case_id, _, _ = make_case(title="公开答复的诉求", citizen_name="欧阳锋锐", citizen_phone="13987654321")
    answer(app, city, case_id, "欧阳锋锐您好，已电话13987654321联系您并修复。")
    page = client.get("/").get_data(as_text=True)
    assert "公开答复的诉求" in page
    assert "欧阳锋锐" not in page and "锋锐" not in page and "13987654321" not in page


def test_home_content_is_rendered_once_per_language_from_the_shared_cache(app, client, city, make_case, shared_cache):
    """The home page's content is the same for every visitor in a language: with a cache, a second visitor's
    page runs no query for it, the English page is not served the Chinese content, and each visitor still gets
    their own session (the CSRF header of htmx differs)."""
    from tests.helpers import count_statements

    case_id, _, _ = make_case(title="缓存里的诉求")
    answer(app, city, case_id)
    first = client.get("/").get_data(as_text=True)
    other = app.test_client()
    with count_statements(app) as statements:
        second = other.get("/").get_data(as_text=True)
    assert "缓存里的诉求" in first and "缓存里的诉求" in second
    assert not [s for s in statements if '"case"' in s or "FROM case" in s], statements
    other.get("/lang/en")
    english = other.get("/").get_data(as_text=True)
    assert "Recently answered" in english and "Recently answered" not in first
    assert first.split('X-CSRFToken": "')[1][:20] != second.split('X-CSRFToken": "')[1][:20]
