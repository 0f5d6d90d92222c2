"""Public statistics page (/stats): headline figures, charts as inline SVG with data tables, CSV downloads.

The figures and the rendered charts are cached (`statistics.cache`), so the page stays fast at millions of cases.
"""
import csv
import io

from flask import Blueprint, Response, abort, request
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.domain import charts, statistics
from portal.web import render_page

bp = Blueprint("stats", __name__, cli_group="stats")

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------------- formatting
@bp.app_template_filter("stat_int")
def stat_int(value) -> str:
    return format_decimal(value or 0, format="#,##0")


@bp.app_template_filter("stat_pct")
def stat_pct(value) -> str:
    """83.3% (one decimal); an em dash when there is nothing to divide by."""
    return "—" if value is None else format_percent(value, format="#,##0.0%")


@bp.app_template_filter("stat_decimal")
def stat_decimal(value) -> str:
    return format_decimal(value or 0, format="#,##0.0")


@bp.app_template_global("stat_label")
def stat_label(kind: str, row: dict) -> str:
    return charts.row_label(kind, row)


@bp.app_template_global("headline_figures")
def headline_figures() -> dict:
    """This year's headline figures for other pages (the home page strip), from the same cache as /stats."""
    return statistics.figures(statistics.period("year"))["totals"]


def _locale_key() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else "zh_Hans"


# ---------------------------------------------------------------------------------------------- period
def _period_from_args() -> tuple[statistics.Period, str, str | None]:
    """(period, the select's value, error message or None). A bad value falls back to this year, with a message."""
    raw = (request.args.get("period") or "year").strip()
    try:
        if raw in ("year", "12m"):
            return statistics.period(raw), raw, None
        return statistics.period("month", raw), raw, None
    except statistics.PeriodError as err:
        return statistics.period("year"), "year", str(err)


def month_label(value: str) -> str:
    """"2026-10" → 2026年10月 / October 2026."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", statistics.parse_month(value), locale=get_locale() or "zh_Hans")


def period_label(p: statistics.Period) -> str:
    if p.kind == "month":
        return month_label(p.month)
    return str(statistics.PERIOD_LABELS[p.kind])


def _charts(p: statistics.Period, figures: dict, refresh: bool = False) -> dict:
    """The four SVG charts in the user's language, cached like the figures."""
    def compute():
        return {name: (charts.trend_chart(figures[key], str(title), str(CHART_DESCRIPTIONS[name]))
                       if name == "trend" else
                       charts.breakdown_chart(kind, figures[key], str(title), str(CHART_DESCRIPTIONS[name])))
                for name, (key, kind, title, _heading) in CHARTS.items()}
    return statistics.cached(f"{statistics.CACHE_VERSION}:svg:{p.key}:{_locale_key()}", compute, refresh)


# ---------------------------------------------------------------------------------------------- pages
@bp.get("/stats")
def index():
    p, selected, error = _period_from_args()
    figures = statistics.figures(p)
    return render_page(
        "stats/index.html", "results", status=422 if error else 200,
        p=p, selected=selected, error=error, figures=figures, totals=figures["totals"], svgs=_charts(p, figures),
        chart_specs=CHARTS, period_label=period_label(p), trend_label=_trend_label(figures["trend_period"]),
        months=[(m, month_label(m)) for m in statistics.recent_months()], kinds=("year", "12m"), period_labels=statistics.PERIOD_LABELS,
        start_label=format_date(p.start, "long"), end_label=format_date(p.end, "long"))


def _trend_label(tp: statistics.Period) -> str:
    from babel.dates import format_skeleton

    locale = get_locale() or "zh_Hans"
    return _("%(start)s to %(end)s", start=format_skeleton("yMMM", tp.start, locale=locale),
             end=format_skeleton("yMMM", tp.end, locale=locale))


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _rate(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


@bp.get("/stats/<chart>.csv")
def chart_csv(chart):
    if chart not in CHARTS and chart != "summary":
        abort(404)
    p, selected, error = _period_from_args()
    if error:
        abort(404)
    figures = statistics.figures(p)
    out = io.StringIO()
    out.write("\ufeff")  # UTF-8 BOM: spreadsheet programs then read Chinese correctly
    writer = csv.writer(out, lineterminator="\r\n")
    measures = [_("Cases received"), _("Cases closed"), _("Closure rate (%)"), _("Ratings"),
                _("Satisfied or basically satisfied"), _("Satisfaction (%)")]
    if chart == "summary":
        t = figures["totals"]
        writer.writerow([_("Period"), _("Start date"), _("End date"), *measures, _("Days"), _("Daily average")])
        writer.writerow([_cell(period_label(p)), p.start.isoformat(), p.end.isoformat(), t["received"], t["closed"],
                         _rate(t["closure_rate"]), t["rated"], t["satisfied"], _rate(t["satisfaction"]), t["days"],
                         f"{t['daily_average']:.1f}"])
    else:
        key, kind, _title, heading = CHARTS[chart]
        writer.writerow([str(heading), *measures])
        for row in figures[key]:
            label = row["key"] if kind == "trend" else charts.row_label(kind, row)
            writer.writerow([_cell(label), row["received"], row["closed"], _rate(row["closure_rate"]), row["rated"],
                             row["satisfied"], _rate(row["satisfaction"])])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="fuyang12345-{chart}-{selected}.csv"'
    return response


# ---------------------------------------------------------------------------------------------- cache warming
@bp.cli.command("warm")
def warm_command():
    """Recompute the cached statistics (this year, last 12 months, this and last month, hot topics) in both
    languages, so that no visitor waits for them. Run it from cron more often than the cache timeout (e.g. every
    5 minutes); it only helps a cache the web workers share (REDIS_URL)."""
    import time

    import click
    from flask import current_app
    from flask_babel import force_locale

    started = time.perf_counter()
    on = statistics.today()
    periods = [statistics.period("year", on=on), statistics.period("12m", on=on), statistics.period("month", on=on),
               statistics.period("month", f"{statistics.add_months(on, -1):%Y-%m}", on=on)]
    with current_app.test_request_context():
        for p in periods:
            figures = statistics.figures(p, refresh=True)
            for language in current_app.config["LANGUAGES"]:
                with force_locale(language):
                    _charts(p, figures, refresh=True)
        statistics.hot_topics(on, refresh=True)
    click.echo(f"statistics cache warmed ({len(periods)} periods) in {time.perf_counter() - started:.1f} s")
