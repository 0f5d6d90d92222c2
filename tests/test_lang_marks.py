"""Text in the other language carries `lang` (screen readers pick the voice from it): the citizens' Chinese words,
unit names and addresses on English pages are inside lang="zh-Hans"; English words on Chinese pages inside
lang="en"."""
import re
from html.parser import HTMLParser

import pytest

from portal.web.lang_marks import mark
from tests.helpers import PortalClient, as_user

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Unmarked(HTMLParser):
    """Text nodes with Chinese characters that no element around them declares as Chinese."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        lang = dict(attrs).get("lang")
        self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if any(t in ("script", "style", "title") for t, _ in self.stack):
            return
        if self.stack and self.stack[-1][0] == "option" and len(CJK.findall(data)) < len(data.strip()) / 2:
            return  # an English label naming a Chinese term ("petition (信访)"): an option cannot hold a span
        langs = [lang for _, lang in self.stack if lang]
        if CJK.search(data) and (not langs or not langs[-1].startswith("zh")):
            self.found.append(data.strip())


def unmarked_chinese(html: str) -> list[str]:
    parser = _Unmarked()
    parser.feed(html)
    return parser.found


@pytest.fixture(autouse=True)
def _marks_on(app):
    app.config["LANG_MARKS"] = app.config["LANG_MARKS_LATIN"] = True
    yield
    app.config["LANG_MARKS"], app.config["LANG_MARKS_LATIN"] = True, False  # the defaults


def english(client):
    client.get("/lang/en")
    return client


def test_citizen_page_in_english_marks_the_chinese_words(app, city, make_case):
    case_id, number, code = make_case(title="人民路路面破损", description="门前路面有一个大坑，请尽快修复。")
    citizen = english(PortalClient(app.test_client()))
    r = citizen.post("/track", {"tracking_no": number, "query_code": code}, csrf_from="/track")
    page = citizen.get(r.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<span lang="zh-Hans">人民路路面破损</span>' in page
    assert unmarked_chinese(page) == []


def test_staff_pages_in_english_mark_unit_names_and_case_text(app, city, make_case):
    case_id, number, _ = make_case(title="人民路路面破损")
    dispatcher = english(as_user(app, "dispatcher"))
    for path in (f"/staff/cases/{case_id}", "/staff/cases", "/staff/queue", "/staff/intake", "/", "/salons"):
        page = dispatcher.get(path).get_data(as_text=True)
        assert unmarked_chinese(page) == [], path


def test_chinese_page_marks_english_words_and_leaves_codes_alone():
    html = mark("<p>下载 CSV 文件；工单 FY20261127000001</p>", "zh-Hans")
    assert '<span lang="en">CSV</span>' in html and "FY20261127000001" in html and 'lang="en">FY' not in html


def test_marks_respect_elements_that_cannot_hold_a_span():
    html = mark('<select><option value="1">市城市管理局</option><option value="">Choose</option></select>'
                '<script>var x = "中文";</script><textarea>门前路面</textarea>', "en")
    assert '<option value="1" lang="zh-Hans">市城市管理局</option>' in html
    assert '<option value="">Choose</option>' in html
    assert 'var x = "中文";' in html and '<textarea lang="zh-Hans">门前路面</textarea>' in html


def test_atom_feeds_say_their_language_and_that_the_entries_are_chinese(app, city):
    """A feed is not HTML (no spans): the feed carries xml:lang of the interface, and on an English feed each
    entry's own words (Chinese titles, summaries, stories) carry xml:lang="zh-Hans"."""
    from datetime import datetime
    from xml.etree import ElementTree

    from portal.domain import atom

    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    entry = atom.Entry(url="http://x/echo/1", title="人民路路灯修好了", published=datetime(2026, 11, 2, 10, 0),
                       summary="三号路口路灯恢复照明。", content="反映的问题\n路灯不亮")
    english_feed = ElementTree.fromstring(atom.feed([entry], feed_id="http://x/echo", title="Echo wall",
                                                    self_url="http://x/f", alternate_url="http://x/echo",
                                                    author="Fuyang 12345", lang="en"))
    assert english_feed.get(lang) == "en"
    for part in ("title", "summary", "content"):
        assert english_feed.find(f"{{{atom.ATOM_NS}}}entry/{{{atom.ATOM_NS}}}{part}").get(lang) == "zh-Hans"
    for path in ("/echo/feed.atom", "/topics/feed.atom"):
        for client, expected in ((PortalClient(app.test_client()), "zh-Hans"),
                                 (english(PortalClient(app.test_client())), "en")):
            assert ElementTree.fromstring(client.get(path).get_data()).get(lang) == expected, path
