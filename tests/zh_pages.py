"""Helpers to find English words on pages rendered in Chinese (shared by the page walk and the browser check)."""
import re
from html.parser import HTMLParser

# Words of the interface (and of Python's and the calendar's) that must never reach a Chinese page.
ENGLISH_WORDS = frozenset("""
Deadline Page Submit Status None True False Previous Next Send Save Cancel Search Filter Case Cases Unit Units
Date Name Phone Email Title Description Category Reply Rating Satisfied Dissatisfied Resolved Pending Open Closed
Overdue Total Yes No Accept Decline Assign Merge Supervision Monitor Salon Salons Suggestion Suggestions Participants
Participant Admin Sign Export Download Print Back More View Edit Delete Add New Created Updated Received Handled
Awaiting Being Answered Adopted Level Kind Outcome Outcomes Register Registered Month Rank Score Volume Units
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Wed Thu Fri Sat Sun
January February March April June July August September October November December
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec AM PM
Deadline: of the and for with your you Your You by from to at in on is not min day days hours working ago
submitted accepted assigned handling replied closed archived declined dissatisfied merged pending adopted
""".split())
CODES = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a raw code (awaiting_evaluation, not_adopted) printed as a label
SKIPPED_TAGS = {"script", "style", "code", "pre", "template"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
VISIBLE_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (tag in SKIPPED_TAGS or (attrs.get("lang") or "").startswith("en")
                   or "lang-switch" in (attrs.get("class") or "").split() or tag == "head")
        if not self._skipping() and not skipped:
            self.parts.extend(attrs[a] for a in VISIBLE_ATTRIBUTES if attrs.get(a))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID_TAGS:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


URLISH = re.compile(r"(https?://\S+|\S+@\S+|\b[\w.-]+\.(?:json|xml|csv|xlsx|atom|ics)\b|/[\w./?=&%-]+)")


def english_words(html: str) -> list[str]:
    """The known English words in the page's visible text (URLs, e-mail addresses and file names aside)."""
    text = URLISH.sub(" ", visible_text(html))
    found = []
    # a word glued to digits is part of a code (an attendance code such as 7AM4KQ), not an interface word
    for word in re.findall(r"(?<![A-Za-z0-9])[A-Za-z]+:?(?![A-Za-z0-9])", text):
        if word in ENGLISH_WORDS or word.rstrip(":") in ENGLISH_WORDS:
            found.append(word)
    return found + CODES.findall(text)


DT_DD = re.compile(r"<dt\b[^>]*>(.*?)</dt>\s*<dd\b[^>]*>(.*?)</dd>", re.S)
TAGS = re.compile(r"<[^>]+>")


def empty_facts(html: str) -> list[str]:
    """Labels (<dt>) printed with no value (<dd> empty), or values with no label."""
    problems = []
    for dt, dd in DT_DD.findall(html):
        label, value = TAGS.sub("", dt).strip(), TAGS.sub("", dd).strip()
        if not label or not value:
            problems.append(f"<dt>{label}</dt><dd>{value}</dd>")
    return problems


def repeated_words(html: str) -> list[str]:
    """The same word printed twice in a row in a line of facts ("A · B · B", "B (B)")."""
    problems = []
    text = visible_text(html)
    for line in re.split(r"\n", text):
        parts = [p.strip() for p in re.split(r"[·（）()]", line) if p.strip()]
        for a, b in zip(parts, parts[1:], strict=False):
            if a == b and len(a) > 1 and not a.isdigit():
                problems.append(f"{a} · {b}")
    return problems
