"""Text in the other language carries `lang`, so that a screen reader reads it with the right voice.

Pages mix languages: on an English page the citizens' words, unit names, addresses and titles are Chinese; on a
Chinese page a few English words remain (API, CSV, Open311...). Templates cannot know which text is which, so
the finished HTML is marked: runs of Chinese on an English page become `<span lang="zh-Hans">…</span>`, runs of
Latin words on a Chinese page `<span lang="en">…</span>`. Elements whose content cannot hold a span (option,
title, textarea) get the attribute themselves when their whole text is in the other language.

Settings: LANG_MARKS (default on) marks Chinese on English pages; LANG_MARKS_LATIN (default off) also marks the
few Latin words left on Chinese pages."""
import re

from flask import Flask, Response

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
CHINESE_RUN = re.compile(rf"[{CJK}](?:[{CJK}0-9\s.,:;!?'\"()\-·/#%+&@*~—–]*[{CJK}0-9)])?")
# Latin words (two letters or more, not a code like FY20261127000001 or snake_case) on a Chinese page
LATIN_RUN = re.compile(r"(?<![\w@/.#-])[A-Za-z][A-Za-z'’-]*[A-Za-z](?:[ ,.'’-]+[A-Za-z][A-Za-z'’-]*[A-Za-z])*(?![\w@/.-])")
TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
RAW = {"script", "style", "textarea", "title", "option", "svg", "code", "pre", "template"}
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9-]+)")
LANG_ATTR_VALUE = re.compile(r"""\slang\s*=\s*["']?([A-Za-z-]+)""", re.I)


def _other(page_lang: str) -> tuple[re.Pattern, str]:
    return (CHINESE_RUN, "zh-Hans") if page_lang.startswith("en") else (LATIN_RUN, "en")


def mark(html: str, page_lang: str) -> str:
    """`html` with every run of text in the other language wrapped in a span carrying its `lang`."""
    pattern, lang = _other(page_lang)
    parts = TOKEN.split(html)
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, marked: an ancestor already says its language)
    raw: str | None = None
    for i, part in enumerate(parts):
        if i % 2 == 1:  # a tag or a comment
            match = TAG_NAME.match(part)
            if match and not part.startswith("<!"):
                closing, name = match.group(1) == "/", match.group(2).lower()
                if raw:
                    if closing and name == raw:
                        raw = None
                    elif not closing and name == "option":
                        pass
                    out.append(part)
                    continue
                if closing:
                    for j in range(len(stack) - 1, -1, -1):
                        if stack[j][0] == name:
                            del stack[j:]
                            break
                elif not part.endswith("/>"):
                    declared = LANG_ATTR_VALUE.search(part)  # an element already in the other language
                    marked = bool(declared) and declared.group(1).lower().startswith(lang[:2])
                    if name in RAW:
                        raw = name
                        if name in ("option", "title", "textarea") and not marked and not _marked(stack):
                            out.append(_PendingTag(part))
                            continue
                    stack.append((name, marked))
            out.append(part)
            continue
        if raw:  # content of an element that cannot hold a span: give the element the lang instead
            if out and isinstance(out[-1], _PendingTag) and part.strip() and _all_other(part, pattern):
                out[-1] = _with_lang(out[-1].tag, lang)
            out.append(part)
            continue
        if _marked(stack) or not part.strip():
            out.append(part)
            continue
        out.append(pattern.sub(lambda m: f'<span lang="{lang}">{m.group(0)}</span>', part))
    return "".join(str(p) for p in out)


class _PendingTag(str):
    def __new__(cls, tag):
        obj = super().__new__(cls, tag)
        obj.tag = tag
        return obj


def _marked(stack) -> bool:
    return any(marked for _, marked in stack)


def _all_other(text: str, pattern: re.Pattern) -> bool:
    stripped = text.strip()
    match = pattern.search(stripped)
    return bool(match) and len(match.group(0)) >= len(stripped) * 0.6


def _with_lang(tag: str, lang: str) -> str:
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end]} lang="{lang}"{tag[end:]}'


def register(app: Flask) -> None:
    @app.after_request
    def mark_other_language(response: Response) -> Response:
        if not app.config.get("LANG_MARKS", True):
            return response
        if response.mimetype != "text/html" or response.direct_passthrough or response.status_code in (204, 304):
            return response
        from flask_babel import get_locale

        locale = get_locale()
        page_lang = "en" if locale is not None and locale.language == "en" else "zh-Hans"
        body = response.get_data(as_text=True)
        if "<html" in body:  # a whole page says its own language on <html>
            match = re.search(r'<html[^>]*\slang="([^"]+)"', body)
            page_lang = match.group(1) if match else page_lang
        if not page_lang.startswith("en") and not app.config.get("LANG_MARKS_LATIN", False):
            return response  # Latin words on Chinese pages (API, CSV, MB) are marked only when asked for
        response.set_data(mark(body, page_lang))
        return response
