"""Charts for the public statistics, drawn on the server by pygal as inline SVG.

No JavaScript and no external address in the output (government intranets have no internet): pygal's tooltip
script and its config <script> are removed, as are its comments (which carry its web address). Each chart has a
<title> and a <desc> and `role="img"`; the page puts the same figures in a data table right after it.
Labels follow the user's language (names in Chinese or English, words through Flask-Babel).
"""
from xml.etree import ElementTree  # nosec B405 - edits pygal's own SVG tree, never parses input

import pygal
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pygal.style import Style

from portal.domain.labels import CHANNEL_LABELS

FONT = 'system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
# Brand red and a dark blue (both at least 4.5:1 on white), then further distinguishable colours.
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1b1f24", foreground_strong="#1b1f24",
    foreground_subtle="#d0d7de", opacity="1", opacity_hover="1", transition="none",
    colors=("#b3261e", "#0b57d0", "#146c2e", "#8a5a00", "#6a1b9a", "#00695c"),
    font_family=FONT, label_font_family=FONT, major_label_font_family=FONT, value_font_family=FONT,
    value_label_font_family=FONT, title_font_family=FONT, legend_font_family=FONT, tooltip_font_family=FONT,
    no_data_font_family=FONT, title_font_size=18, legend_font_size=14, label_font_size=13,
    major_label_font_size=13, value_font_size=12, value_label_font_size=12, no_data_font_size=16,
    value_colors=("#1b1f24",), guide_stroke_dasharray="2,4", major_guide_stroke_dasharray="2,4",
)


# Values printed just after the end of each horizontal bar, on white, rather than across its edge.
VALUES_AFTER_BARS = "inline:{{ id }}.text-overlay text.value{text-anchor:start;transform:translateX(6px)}"


def _is_english() -> bool:
    try:
        locale = get_locale()
    except Exception:  # outside a request
        locale = None
    return locale is not None and locale.language == "en"


def row_label(kind: str, row: dict) -> str:
    """The row's name in the user's language: a channel, a county, a category or a month."""
    if kind == "channels":
        return str(CHANNEL_LABELS.get(row["key"], row["key"]))
    if kind == "trend":
        from babel.dates import format_skeleton

        return format_skeleton("yMMM", row["month"], locale=get_locale() or "zh_Hans")
    english = _is_english()
    return (row.get("name_en") if english and row.get("name_en") else row.get("name_zh")) or str(row["key"])


def _strip_and_describe(name: str, description: str):
    """An xml_filter for pygal: drop <script> and comments, name it (<title>) and describe it (<desc>), make the SVG
    an accessible image. The visible title is the page's heading, so pygal draws none."""
    def apply(root):
        for parent in list(root.iter()):
            for child in list(parent):
                tag = child.tag if isinstance(child.tag, str) else ""
                if child.tag is ElementTree.Comment or tag.rsplit("}", 1)[-1] == "script":
                    parent.remove(child)
        chart_id = root.get("id", "chart")
        title = next((el for el in root if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "title"), None)
        if title is None:
            title = ElementTree.Element("title")
            root.insert(0, title)
        title.text, title.attrib["id"] = name, f"{chart_id}-title"
        desc = ElementTree.Element("desc", id=f"{chart_id}-desc")
        desc.text = description
        root.insert(list(root).index(title) + 1, desc)
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        root.set("focusable", "false")
        return root
    return apply


def _config(**options):
    settings = dict(
        js=[], disable_xml_declaration=True, style=STYLE, legend_at_bottom=True,
        legend_at_bottom_columns=2, print_values=True, truncate_label=-1, truncate_legend=-1,
        value_formatter=lambda v: format_decimal(v) if v is not None else "", no_data_text=_("No data"),
        explicit_size=False, show_y_guides=True, show_x_guides=False, tooltip_fancy_mode=False, margin=12,
        spacing=12)
    settings.update(options)
    return pygal.Config(**settings)


def _render(chart, title: str, description: str) -> str:
    chart.add_xml_filter(_strip_and_describe(title, description))
    return chart.render(is_unicode=True)


def breakdown_chart(kind: str, rows: list[dict], title: str, description: str) -> str:
    """Received and closed side by side for each channel, county or category (horizontal bars: long names fit)."""
    labels = [row_label(kind, r) for r in rows]
    height = max(220, 90 + 46 * len(rows))
    top = max([r["received"] for r in rows] + [r["closed"] for r in rows] + [1])
    chart = pygal.HorizontalBar(_config(width=760, height=height, min_scale=1, print_values_position="top",
                                        range=(0, top * 1.15), css=[*pygal.Config().css, VALUES_AFTER_BARS]))
    # pygal draws the first label at the bottom: reverse so the chart reads top-down like the table.
    chart.x_labels = list(reversed(labels))
    chart.add(_("Cases received"), [r["received"] for r in reversed(rows)])
    chart.add(_("Cases closed"), [r["closed"] for r in reversed(rows)])
    return _render(chart, title, description)


def trend_chart(rows: list[dict], title: str, description: str) -> str:
    """Received and closed per month (vertical bars, oldest month on the left)."""
    chart = pygal.Bar(_config(width=760, height=380, x_label_rotation=-40 if len(rows) > 6
                              else 0, print_values=len(rows) <= 6))
    chart.x_labels = [row_label("trend", r) for r in rows]
    chart.add(_("Cases received"), [r["received"] for r in rows])
    chart.add(_("Cases closed"), [r["closed"] for r in rows])
    return _render(chart, title, description)


def before_after_chart(rows: list[dict], title: str, description: str) -> str:
    """A monthly topic's cases, bars a month: the months before the topic and the months since in two series (and
    two colours)."""
    chart = pygal.Bar(_config(width=760, height=380, x_label_rotation=-40 if len(rows) > 6 else 0,
                              print_values=len(rows) <= 8, min_scale=1))
    chart.x_labels = [row_label("trend", r) for r in rows]
    chart.add(_("Before the topic"), [None if r["since"] else r["count"] for r in rows])
    chart.add(_("Since the topic"), [r["count"] if r["since"] else None for r in rows])
    return _render(chart, title, description)


# chart key → (figures key, table/row kind, chart title, first column heading)
CHARTS = {
    "channels": ("channels", "channels", _l("Cases by channel"), _l("Channel")),
    "districts": ("counties", "counties", _l("Cases by county or district"), _l("County or district")),
    "categories": ("categories", "categories", _l("Cases by category"), _l("Category")),
    "trend": ("trend", "trend", _l("Monthly trend"), _l("Month")),
}
CHART_DESCRIPTIONS = {
    "channels": _l("Bar chart: cases received and cases closed through each channel. The same figures are in the "
                   "table below the chart."),
    "districts": _l("Bar chart: cases received and cases closed in each county or district. The same figures are "
                    "in the table below the chart."),
    "categories": _l("Bar chart: cases received and cases closed in each top-level category. The same figures are "
                     "in the table below the chart."),
    "trend": _l("Bar chart: cases received and cases closed month by month. The same figures are in the table "
                "below the chart."),
}


def _locale_key() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else "zh_Hans"


def cached_charts(p, figures: dict, refresh: bool = False) -> dict:
    """The four SVG charts of a statistics period in the user's language, cached like the figures."""
    from portal.domain import statistics

    def compute():
        return {name: (trend_chart(figures[key], str(title), str(CHART_DESCRIPTIONS[name]))
                       if name == "trend" else
                       breakdown_chart(kind, figures[key], str(title), str(CHART_DESCRIPTIONS[name])))
                for name, (key, kind, title, _heading) in CHARTS.items()}
    return statistics.cached(f"{statistics.CACHE_VERSION}:svg:{p.key}:{_locale_key()}", compute, refresh)
