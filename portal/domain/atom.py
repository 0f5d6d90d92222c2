"""Atom 1.0 feeds (RFC 4287) for the public surfaces (echo wall, monthly topics): one builder, so every feed has the
same shape (id, title, updated, self and alternate links, author; entries with id, title, updated, published, link,
summary and optional category and content) and every text is escaped by ElementTree. Times are Shanghai time.

The feeds only build and serialise our own XML; nothing here parses input.
"""
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree  # nosec B405 - builds and serialises our own XML, never parses input

from portal.domain import calendar

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTENT_LANG = "zh-Hans"  # what citizens and staff wrote (titles, summaries, stories) is Chinese
EMPTY_FEED_UPDATED = datetime(2020, 1, 1, tzinfo=calendar.SHANGHAI)


@dataclass(frozen=True)
class Entry:
    url: str
    title: str
    published: datetime
    summary: str
    category: tuple[str, str] | None = None  # (term, label)
    content: str | None = None


def rfc3339(moment: datetime) -> str:
    return calendar.local_iso(moment)


def feed(entries: list[Entry], *, feed_id: str, title: str, self_url: str, alternate_url: str, author: str,
         subtitle: str = "", lang: str = CONTENT_LANG) -> bytes:
    """The feed in the interface language `lang` (xml:lang on the feed); the entries' own words (title, summary,
    content) say they are Chinese when the interface is not, so a reader or screen reader voices them right."""
    ElementTree.register_namespace("", ATOM_NS)

    def el(parent, tag, text=None, **attrs):
        node = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    root = ElementTree.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: lang})
    content_lang = {} if lang == CONTENT_LANG else {XML_LANG: CONTENT_LANG}
    el(root, "id", feed_id)
    el(root, "title", title)
    if subtitle:
        el(root, "subtitle", subtitle)
    el(root, "updated", rfc3339(max((e.published for e in entries), default=EMPTY_FEED_UPDATED)))
    el(root, "link", rel="self", type="application/atom+xml", href=self_url)
    el(root, "link", rel="alternate", type="text/html", href=alternate_url)
    el(el(root, "author"), "name", author)
    for item in entries:
        entry = el(root, "entry")
        el(entry, "id", item.url)
        el(entry, "title", item.title, **content_lang)
        el(entry, "updated", rfc3339(item.published))
        el(entry, "published", rfc3339(item.published))
        el(entry, "link", rel="alternate", type="text/html", href=item.url)
        if item.category is not None:
            el(entry, "category", term=item.category[0], label=item.category[1])
        el(entry, "summary", item.summary, **content_lang)
        if item.content is not None:
            el(entry, "content", item.content, type="text", **content_lang)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
