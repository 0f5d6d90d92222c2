"""Public pages of the monthly topic: the list, one topic (reports, what was done, the effect), the Atom feed.
Only published topics; only counts, never a case's text or a citizen's name."""
from flask import Response, abort
from flask_babel import gettext as _

from portal.blueprints.governance import public_bp
from portal.domain import charts, topics
from portal.web import render_page
from portal.web.guard import public_url
from portal.web.templating import page_lang


@public_bp.get("/topics")
def index():
    return render_page("governance/public_topics.html", items=topics.published_topics())


@public_bp.get("/topics/<int:topic_id>")
def topic(topic_id):
    item = topics.published_topic(topic_id)
    if item is None:
        abort(404)
    rows = topics.monthly_counts(item)
    chart = charts.before_after_chart(
        rows, _("Cases a month before and since the topic"),
        _("Bar chart: cases received each month in this category and place, before the topic and since it "
          "started. The same figures are in the table below the chart."))
    return render_page("governance/public_topic.html", topic=item, rows=rows, chart=chart,
                       effect=topics.effect_summary(rows), tasks=topics.tasks_of(item),
                       co_units=topics.co_units(item))


@public_bp.get("/topics/feed.atom")
def feed():
    body = topics.atom_feed(
        topics.published_topics(), title=_("Fuyang 12345 monthly topics"),
        self_url=public_url("topics.feed"), alternate_url=public_url("topics.index"),
        topic_url=lambda t: public_url("topics.topic", topic_id=t.id),
        author=_("Fuyang 12345 Government Service Hotline"), lang=page_lang())
    return Response(body, content_type="application/atom+xml; charset=utf-8")
