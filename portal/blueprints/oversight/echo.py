"""回音壁 (echo wall): public list with filters, story pages, Atom feed, "most raised this month";
supervisors publish stories from consented, replied cases (/staff/echo/new?case=<id or tracking number>)."""
from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.oversight.forms import EchoStoryForm
from portal.domain import echo, lookups, paging, periods, workflow
from portal.extensions import db
from portal.web import page_arg, redirect_after_post, render_page, roles_required
from portal.web.guard import public_url
from portal.web.templating import page_lang

bp = Blueprint("echo", __name__)


# ---------------------------------------------------------------------------------------------- public
def _hot():
    hot = echo.hot_topics()
    return hot, periods.month_label(hot["period"].month)


@bp.get("/echo")
def index():
    categories, counties = lookups.categories_under(None, active_only=False), lookups.regions_under(None, active_only=False)
    f = echo.parse_filters(request.args, categories, counties)
    page = echo.page_of(f, page_arg()) if not f.errors else paging.empty()
    hot, hot_month = _hot()
    months = [(m, periods.month_label(m)) for m in periods.recent_months()]
    return render_page("echo/index.html", "results", status=422 if f.errors else 200, f=f, page=page,
                       categories=categories, counties=counties, months=months, hot=hot, hot_month=hot_month)


@bp.get("/echo/<int:story_id>")
def story(story_id):
    item = echo.visible_story(story_id)
    if item is None:
        abort(404)
    return render_page("echo/story.html", story=item, top=echo.top_category_of(item.case))


@bp.get("/echo/feed.atom")
def feed():
    categories, counties = lookups.categories_under(None, active_only=False), lookups.regions_under(None, active_only=False)
    f = echo.parse_filters(request.args, categories, counties)
    if f.errors:
        abort(404)
    body = echo.atom_feed(
        echo.latest(f), feed_id=public_url("echo.index", **f.args),
        title=_("Fuyang 12345 echo wall"),
        subtitle=_("How the issues citizens raised were handled and answered."),
        self_url=public_url("echo.feed", **f.args),
        alternate_url=public_url("echo.index", **f.args),
        story_url=lambda s: public_url("echo.story", story_id=s.id),
        author=_("Fuyang 12345 Government Service Hotline"), lang=page_lang())
    return Response(body, content_type="application/atom+xml; charset=utf-8")


# ---------------------------------------------------------------------------------------------- staff
@bp.route("/staff/echo/new", methods=["GET", "POST"])
@roles_required(*echo.PUBLISHER_ROLES)
def new():
    ref = (request.args.get("case") or "").strip()
    if not ref:
        return render_page("echo/choose.html", candidates=echo.candidates(), ref="")
    case = echo.find_case(ref)
    if case is None:
        return render_page("echo/choose.html", status=404, candidates=echo.candidates(), ref=ref,
                           not_found=_("No case has the number “%(ref)s”.", ref=ref))
    reason = echo.refusal(case)
    if reason:
        response = render_page("echo/new.html", "content", status=409, case=case, refused=reason,
                               existing=echo.story_of(case), form=None)
        if request.htmx:  # a refused htmx post: the message replaces the page's main area, not the form
            response.headers["HX-Retarget"] = "#main"
            response.headers["HX-Reswap"] = "innerHTML"
        return response
    form = EchoStoryForm(data=echo.prefill(case) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            item = echo.publish(case, current_user, title=form.title.data, raised=form.raised.data,
                                handling=form.handling.data, reply=form.reply.data)
        except echo.EchoRefused as err:
            form.form_errors.append(str(err))
        except workflow.NotAllowed:
            abort(403)
        else:
            db.session.commit()
            flash(_("The story is published on the echo wall."), "success")
            return redirect_after_post(url_for("echo.story", story_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_page("echo/new.html", "form_body", status=status, case=case, form=form, refused=None)
