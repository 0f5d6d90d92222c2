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
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0]
             for msg in extract_from_dir(str(root), method_map, keywords=keywords)}
    with CATALOG.open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert sorted(found - known) == []


def test_translations_keep_every_placeholder():
    """A translation that drops or renames %(name)s breaks `pybabel compile` (and so `make run`)."""
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []
