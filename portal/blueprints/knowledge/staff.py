"""Staff side of the knowledge base."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.knowledge import bp
from portal.blueprints.knowledge.forms import ArticleForm, DecisionForm
from portal.domain import knowledge, organisation
from portal.extensions import db
from portal.models import KnowledgeArticle, KnowledgeVersion, Role
from portal.web import redirect_after_post, render_page, roles_required


@bp.get("/")
@roles_required(*knowledge.READERS)
def index():
    unit_id = current_user.unit_id if current_user.role in Role.UNIT_ROLES else None
    q = (request.args.get("q") or "").strip()
    return render_page(
        "knowledge/index.html", "results", q=q, results=knowledge.search(q, limit=20) if q else [],
        own=knowledge.articles(unit_id) if unit_id or current_user.role == Role.ADMIN else [],
        expired=knowledge.expired(unit_id) if unit_id or current_user.role in knowledge.APPROVERS else [],
        drafts=knowledge.drafts() if current_user.role in knowledge.APPROVERS else [],
        may_write=current_user.role in knowledge.WRITERS, for_intake=False)


@bp.get("/search")
@roles_required(*knowledge.READERS)
def search():
    """htmx fragment (and a page with JS off): results for `q` (or the intake's `title`)."""
    q = (request.args.get("q") or request.args.get("title") or "").strip()
    for_intake = request.args.get("intake") == "1"
    return render_page("knowledge/index.html", "results", q=q, results=knowledge.search(q) if q else [],
                       own=[], expired=[], drafts=[], may_write=False, for_intake=for_intake)


def _choices(form, article=None):
    form.category_id.choices = [(None, _("— none —"))] + [
        (c.id, c.path) for c in organisation.categories_in_tree_order()]
    units = organisation.active_units()
    form.unit_id.choices = [(None, _("— choose —"))] + [(u.id, u.name) for u in units]


def _data(form) -> knowledge.ArticleData:
    return knowledge.ArticleData(question=form.question.data, answer=form.answer.data,
                                 policy_source=form.policy_source.data, valid_until=form.valid_until.data,
                                 category_id=form.category_id.data, public=form.public.data,
                                 unit_id=form.unit_id.data)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*knowledge.WRITERS)
def new():
    form = ArticleForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            version = knowledge.write(current_user, None, _data(form))
        except knowledge.KnowledgeError as err:
            db.session.rollback()
            form.form_errors.append(str(err))
        else:
            db.session.commit()
            flash(_("Draft saved: the platform approves it before it is used."), "success")
            return redirect_after_post(url_for("knowledge.article", article_id=version.article_id))
    return render_page("knowledge/edit.html", status=422 if request.method == "POST" else 200, form=form,
                       article=None)


def _article_or_404(article_id: int) -> KnowledgeArticle:
    article = db.session.get(KnowledgeArticle, article_id)
    if article is None:
        abort(404)
    return article


@bp.route("/<int:article_id>", methods=["GET", "POST"])
@roles_required(*knowledge.READERS)
def article(article_id):
    article = _article_or_404(article_id)
    may_write = knowledge.may_write(current_user, article)
    if request.method == "POST" and not may_write:
        abort(403)
    base = article.versions[-1] if article.versions else None
    form = ArticleForm(obj=base) if request.method == "GET" else ArticleForm()
    _choices(form, article)
    if request.method == "GET" and base is not None:
        form.unit_id.data = article.unit_id
    if request.method == "POST" and form.validate_on_submit():
        try:
            knowledge.write(current_user, article, _data(form))
        except knowledge.KnowledgeError as err:
            db.session.rollback()
            form.form_errors.append(str(err))
        else:
            db.session.commit()
            flash(_("New version saved as a draft: the platform approves it before it is used."), "success")
            return redirect_after_post(url_for("knowledge.article", article_id=article.id))
    return render_page("knowledge/article.html", status=422 if request.method == "POST" else 200, article=article,
                       form=form if may_write else None, decision=DecisionForm(),
                       may_decide=current_user.role in knowledge.APPROVERS)


@bp.post("/versions/<int:version_id>/<any(approve, reject):decision>")
@roles_required(*knowledge.APPROVERS)
def decide(version_id, decision):
    version = db.session.get(KnowledgeVersion, version_id)
    if version is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            knowledge.decide(current_user, version, decision == "approve", form.note.data or "")
        except knowledge.KnowledgeError as err:
            db.session.rollback()
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("Version %(n)d approved: it is the article's answer now.", n=version.number)
                  if decision == "approve" else _("Version %(n)d rejected.", n=version.number), "success")
    return redirect_after_post(url_for("knowledge.article", article_id=version.article_id))



