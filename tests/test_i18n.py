"""Chinese is complete beside the English source strings."""
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).parent.parent / "portal/translations/zh_Hans/LC_MESSAGES/messages.po"


def test_every_message_has_a_chinese_translation():
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_catalog_covers_every_string_in_the_code():
    """A string added to code or templates without re-extracting would show in English to Chinese users."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).parent.parent
    method_map = [("portal/**.py", "python"), ("portal/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    # The templates use the `do` extension: without it a template fails to parse and (silently, by default)
    # none of its strings are extracted: macros.html's "Deadline: …" and "Page 1 of N" stayed English.
    options_map = {"portal/templates/**.html": {"extensions": "jinja2.ext.do", "silent": "false"}}
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0]
             for msg in extract_from_dir(str(root), method_map, options_map, keywords=keywords)}
    with CATALOG.open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert sorted(found - known) == []


def test_translations_keep_every_placeholder():
    """A translation that drops or renames %(name)s breaks `pybabel compile` (and so `make run`)."""
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []


def test_babel_config_parses_every_template():
    """`make extract` reads babel.cfg: it must know the template extensions, or strings go missing silently."""
    from configparser import ConfigParser

    config = ConfigParser()
    config.read(Path(__file__).parent.parent / "babel.cfg")
    section = config["jinja2: portal/templates/**.html"]
    assert "jinja2.ext.do" in section.get("extensions", "")
    assert section.get("silent") == "false"


def test_templates_translate_in_the_requests_language_and_follow_force_locale(app):
    """The templates' `_()` keeps this request's catalogue (a staff list translates hundreds of strings): it must
    still speak the request's language, and switch when code renders inside force_locale."""
    from flask import render_template_string, session
    from flask_babel import force_locale

    with app.test_request_context("/"):
        session["lang"] = "en"
        assert render_template_string('{{ _("Title") }}') == "Title"
        with force_locale("zh_Hans"):
            assert render_template_string('{{ _("Title") }}') == "标题"
        assert render_template_string('{{ _("Title") }} {{ ngettext("%(num)d case", "%(num)d cases", 2) }}') \
            .startswith("Title")
    with app.test_request_context("/"):
        assert render_template_string('{{ _("Title") }}') == "标题"


def test_numeric_times_read_as_babel_writes_them(app):
    """local_time writes number-only patterns with strftime: the same text Babel gives, in both languages."""
    from datetime import datetime, timezone

    from flask import session
    from flask_babel import format_datetime

    from portal.domain import calendar
    from portal.web import templating

    moment = datetime(2026, 1, 4, 17, 5, 9, tzinfo=timezone.utc)
    for lang in ("zh_Hans", "en"):
        with app.test_request_context("/"):
            session["lang"] = lang
            for pattern in templating._NUMERIC_PATTERNS:
                assert templating.local_time(moment, pattern) == \
                    format_datetime(moment.astimezone(calendar.SHANGHAI), pattern), (lang, pattern)
