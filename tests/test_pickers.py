"""The searchable pickers' server side (portal/web/pickers.py): each option carries its label's pinyin, the plain
controls keep their field names (so the forms submit the same with JavaScript off), and the unit checkbox lists
stay checkboxes."""
import re

from portal.web.pickers import pinyin_key
from tests.helpers import step


def test_pinyin_of_a_label_is_its_syllables_and_english_has_none():
    assert pinyin_key("市城市管理局") == "shi cheng shi guan li ju"
    assert pinyin_key("颍州区") == "ying zhou qu"
    assert pinyin_key("12345热线") == "12345 re xian"
    assert pinyin_key("City Urban Management Bureau") == ""
    assert pinyin_key.cache_info().hits >= 0  # computed once per label


def test_unit_pickers_on_the_case_page_keep_their_names_and_carry_pinyin(city, client, make_case):
    case_id, _, _ = make_case()
    client.login("dispatcher")
    assert step(client, case_id, "accept").status_code == 303
    html = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    lead = re.search(r'<select[^>]*id="assign-unit_id"[^>]*>', html).group(0)
    assert 'data-picker="single"' in lead and 'name="assign-unit_id"' in lead
    assert 'data-picker-placeholder="输入名称或拼音首字母"' in lead
    assert re.search(r'<option [^>]*data-pinyin="shi cheng shi guan li ju"[^>]*>市城市管理局</option>', html)
    co = re.search(r'<ul[^>]*data-picker="multi"[^>]*id="assign-co_unit_ids"[^>]*>|'
                   r'<ul[^>]*id="assign-co_unit_ids"[^>]*data-picker="multi"[^>]*>', html)
    assert co, "the co-handling units are a checkbox list marked for the picker"
    assert re.search(r'<li data-pinyin="shi jiao tong yun shu ju"><input [^>]*name="assign-co_unit_ids" '
                     r'type="checkbox"', html)


def test_intake_asks_for_the_phone_first_and_shows_the_shortcuts(city, client):
    client.login("operator")
    html = client.get("/staff/intake").get_data(as_text=True)
    form = html[html.index('id="case-form"'):]
    order = [form.index(f'id="{name}"') for name in ("citizen_phone", "title", "description", "category_id",
                                                     "county_id", "address", "channel", "answer_text")]
    assert order == sorted(order)
    assert re.search(r'<input[^>]*autofocus[^>]*id="citizen_phone"', html)
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in html and 'data-shortcut="save"' in html
    assert html.count('class="caller-history"') == 1 and 'id="knowledge-suggestions"' in html
