"""Public "common questions": search (works without JavaScript), suggestions while a citizen types the title of a
request, one article, and the counters of questions answered without a case."""
from flask import abort, current_app, flash, request, session, url_for
from flask_babel import gettext as _

from portal.blueprints.knowledge import public_bp
from portal.domain import knowledge
from portal.extensions import db, limiter
from portal.web import redirect_after_post, render_page

VIEWED_KEY = "knowledge_viewed"  # articles this browser opened from the submission form
SUGGESTED = 3


@public_bp.get("/")
def index():
    q = (request.args.get("q") or "").strip()[:100]
    return render_page("knowledge/public_index.html", "public_results", q=q,
                       results=knowledge.search(q, public_only=True, limit=20) if q else [],
                       totals=knowledge.totals(), from_submit=request.args.get("from") == "submit")


@public_bp.get("/suggest")
def suggest():
    """htmx, from the submission form: public articles matching the title typed so far (counted as shown)."""
    title = (request.args.get("title") or request.args.get("q") or "").strip()[:100]
    results = knowledge.search(title, public_only=True, limit=SUGGESTED) if len(title) >= 2 else []
    if results:
        knowledge.count([v.article_id for v in results], "shown")
        db.session.commit()
    return render_page("knowledge/_suggestions.html", "suggestions", results=results, q=title)


@public_bp.get("/<int:article_id>")
def article(article_id):
    version = knowledge.current_public(article_id)
    if version is None:
        abort(404)
    from_submit = request.args.get("from") == "submit"
    if from_submit:
        viewed = session.get(VIEWED_KEY, [])
        if article_id not in viewed:
            knowledge.count([article_id], "viewed")
            db.session.commit()
            session[VIEWED_KEY] = (viewed + [article_id])[-20:]
    return render_page("knowledge/public_article.html", version=version, from_submit=from_submit)


@public_bp.post("/<int:article_id>/answered")
@limiter.limit(lambda: current_app.config["KNOWLEDGE_ANSWERED_RATE_LIMIT"])  # a script dropping its cookie each time
def answered(article_id):
    """"This answered my question": counted once per browser and article; the citizen needs no case."""
    version = knowledge.current_public(article_id)
    if version is None:
        abort(404)
    done = session.get("knowledge_answered", [])
    if article_id not in done:
        knowledge.count([article_id], "answered")
        db.session.commit()
        session["knowledge_answered"] = (done + [article_id])[-20:]
        session[VIEWED_KEY] = [a for a in session.get(VIEWED_KEY, []) if a != article_id]
    flash(_("Thank you. We are glad the answer helped — no request is needed."), "success")
    return redirect_after_post(url_for("public_knowledge.article", article_id=article_id, answered=1))


def note_submission() -> None:
    """Called when a citizen submits a request: articles they opened from the form did not answer it."""
    viewed = session.pop(VIEWED_KEY, None)
    if viewed:
        knowledge.count(viewed, "submitted_anyway")
