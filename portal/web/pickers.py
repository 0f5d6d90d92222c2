"""Searchable pickers: the plain controls every form renders, marked for `static/js/picker.js` to enhance.

Without JavaScript a picker is the control it always was (a `<select>`, or a list of checkboxes) and submits the
same field names; with it, the control becomes a keyboard-driven combobox that filters as you type: by a piece of
the name (城管), by pinyin initials (csgl) or by pinyin (chengshi). The pinyin of every label is computed here,
once per label (the dictionary ships with pypinyin, offline), into a `data-pinyin` attribute: the browser only
compares strings, which stays fast with hundreds of units.
"""
from functools import lru_cache

from flask_babel import gettext as _
from markupsafe import Markup
from pypinyin import lazy_pinyin
from wtforms.widgets import ListWidget, Select


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@lru_cache(maxsize=8192)
def pinyin_key(label: str) -> str:
    """The syllables of a Chinese label, space-separated and lower case ("市城市管理局" → "shi cheng shi guan li ju");
    empty for a label without Chinese characters (an English label is matched by its words)."""
    label = str(label or "")
    if not _has_han(label):
        return ""
    syllables = []
    for part in lazy_pinyin(label, errors="default"):
        syllables += [s for s in "".join(ch if ch.isalnum() else " " for ch in part.lower()).split() if s]
    return " ".join(syllables)


def picker_words() -> dict:
    """What the enhanced picker says (read by picker.js from the control's attributes: no strings in the script)."""
    return {
        "data-picker-placeholder": _("Type a name or its pinyin initials"),
        "data-picker-none": _("Nothing matches: try fewer characters."),
        "data-picker-more": _("%(shown)s of %(total)s matches shown: type more to narrow them."),
        "data-picker-count": _("%(total)s matches."),
        "data-picker-remove": _("Remove %(name)s"),
        "data-picker-added": _("%(name)s chosen."),
        "data-picker-removed": _("%(name)s removed."),
    }


def _mark(kwargs: dict, kind: str) -> dict:
    kwargs.setdefault("data-picker", kind)
    for key, words in picker_words().items():
        kwargs.setdefault(key, words)
    return kwargs


class PickerSelect(Select):
    """A `<select data-picker>` whose options carry their pinyin; `multiple=True` for a several-choice list."""

    def __call__(self, field, **kwargs):
        return super().__call__(field, **_mark(kwargs, "multi" if self.multiple else "single"))

    @classmethod
    def render_option(cls, choice, label=None, selected=None, **kwargs):
        # WTForms 3.3 passes a SelectChoice; earlier versions (value, label, selected).
        text = (choice.label or choice.value) if label is None and hasattr(choice, "selected") else label
        key = pinyin_key(str(text if text is not None else ""))
        if key:
            kwargs["data-pinyin"] = key
        if label is None and hasattr(choice, "selected"):
            return super().render_option(choice, **kwargs)
        return super().render_option(choice, label, selected, **kwargs)


class PickerCheckboxList(ListWidget):
    """Checkboxes in a list marked `data-picker="multi"`, each item with its label's pinyin. Kept as checkboxes
    for the page without JavaScript: ticking boxes in a scrolling list needs no Ctrl-click to choose several."""

    def __init__(self):
        super().__init__(html_tag="ul", prefix_label=False)

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        _mark(kwargs, "multi")
        kwargs["class"] = ("picker-options " + kwargs.get("class", "")).strip()
        items = [Markup("<li{}>{} {}</li>").format(pinyin_attr(subfield.label.text), subfield(), subfield.label())
                 for subfield in field]
        return Markup("<ul {}>{}</ul>").format(_attributes(kwargs), Markup("").join(items))


def _attributes(params: dict) -> Markup:
    """`name="value"` pairs, every name and value escaped."""
    return Markup(" ").join(Markup('{}="{}"').format(name, value) for name, value in params.items())


def pinyin_attr(label) -> Markup:
    """For templates that write their own options: ` data-pinyin="…"` (or nothing for a label without Chinese)."""
    key = pinyin_key(str(label))
    return Markup(' data-pinyin="{}"').format(key) if key else Markup("")


def picker_attrs(kind: str = "single") -> Markup:
    """For a template's own `<select>`: the attributes that make it a picker (`<select … {{ picker_attrs() }}>`)."""
    return _attributes(_mark({}, kind))
