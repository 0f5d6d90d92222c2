"""Public statistics page (/stats): headline figures, charts as inline SVG with data tables, CSV downloads.

The figures and the rendered charts are cached (`portal.extensions.cache`), so the page stays fast at millions of cases;
the rendered results of a period too (the same for every visitor in a language, `STATS_PAGE_CACHE_SECONDS`), so a
warm page costs what the page around them costs.
"""

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.domain import charts, exports, periods, statistics
from portal.domain.rates import percent_number
from portal.web import render_page

bp = Blueprint("stats", __name__)

# ---------------------------------------------------------------------------------------------- period
def _period_from_args() -> tuple[statistics.Period, str, str | None]:
    """(period, the select's value, error message or None). A bad value falls back to this year, with a message."""
    raw = (request.args.get("period") or "year").strip()
    try:
        if raw in ("year", "12m"):
            return statistics.period(raw), raw, None
        p = statistics.period("month", raw)
        return p, f"{p.start:%Y-%m}", None  # one spelling of a month (the select's value, the cache key)
    except statistics.PeriodError as err:
        return statistics.period("year"), "year", str(err)


def period_label(p: statistics.Period) -> str:
    if p.kind == "month":
        return periods.month_label(p.month)
    return str(statistics.PERIOD_LABELS[p.kind])


# ---------------------------------------------------------------------------------------------- pages
@bp.get("/stats")
def index():
    p, selected, error = _period_from_args()

    def results() -> str:
        figures = statistics.figures(p)
        return render_template(
            "stats/_results.html", p=p, selected=selected, figures=figures, totals=figures["totals"],
            svgs=charts.cached_charts(p, figures), chart_specs=charts.CHARTS, period_label=period_label(p),
            trend_label=_trend_label(figures["trend_period"]), start_label=format_date(p.start, "long"),
            end_label=format_date(p.end, "long"))

    html = statistics.cached(f"{statistics.CACHE_VERSION}:page:{selected}:{get_locale()}", results,
                             timeout=current_app.config["STATS_PAGE_CACHE_SECONDS"])
    return render_page(
        "stats/index.html", "results", status=422 if error else 200, selected=selected, error=error,
        results=Markup(html),  # nosec B704 - our own rendered template
        months=[(m, periods.month_label(m)) for m in periods.recent_months()], kinds=("year", "12m"),
        period_labels=statistics.PERIOD_LABELS)


def _trend_label(tp: statistics.Period) -> str:
    from babel.dates import format_skeleton

    locale = get_locale() or "zh_Hans"
    return _("%(start)s to %(end)s", start=format_skeleton("yMMM", tp.start, locale=locale),
             end=format_skeleton("yMMM", tp.end, locale=locale))


@bp.get("/stats/<chart>.csv")
def chart_csv(chart):
    if chart not in charts.CHARTS and chart != "summary":
        abort(404)
    p, selected, error = _period_from_args()
    if error:
        abort(404)
    figures = statistics.figures(p)
    measures = [_("Cases received"), _("Cases closed"), _("Share closed (%)"), _("Ratings"),
                _("Satisfied or basically satisfied"), _("Satisfaction (%)")]
    if chart == "summary":
        t = figures["totals"]
        header = [_("Period"), _("Start date"), _("End date"), *measures, _("Days"), _("Daily average")]
        rows = [[period_label(p), p.start.isoformat(), p.end.isoformat(), t["received"], t["closed"],
                 percent_number(t["share_closed"]), t["rated"], t["satisfied"], percent_number(t["satisfaction"]),
                 t["days"], f"{t['daily_average']:.1f}"]]
    else:
        key, kind, _title, heading = charts.CHARTS[chart]
        header = [str(heading), *measures]
        rows = [[row["key"] if kind == "trend" else charts.row_label(kind, row), row["received"], row["closed"],
                 percent_number(row["share_closed"]), row["rated"], row["satisfied"], percent_number(row["satisfaction"])]
                for row in figures[key]]
    response = Response(exports.csv_text(rows, header), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="fuyang12345-{chart}-{selected}.csv"'
    return response
