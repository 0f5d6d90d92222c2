"""The monthly topic (每月一题), staff side: proposals from the data, a new topic, publishing, task status."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.governance import bp
from portal.blueprints.governance.forms import TASK_ROWS, TaskStatusForm, TopicForm
from portal.domain import governance, lookups, periods, topics
from portal.extensions import db
from portal.models import MonthlyTopic, TopicTask
from portal.web import confirm, guard, redirect_after_post, render_page, roles_required


@bp.get("/topics")
@roles_required(*governance.SUPERVISORS)
def topic_list():
    return render_page("governance/topics.html", proposals=topics.proposals(), items=topics.all_topics())


def _topic_form(formdata=None, **data):
    form = TopicForm(formdata=formdata, data=data or None) if formdata is not None else TopicForm(data=data)
    units = [(u.id, u.name) for u in lookups.units_for_choice()]
    form.category_id.choices = [(c.id, c.path) for c in topics.topic_categories()]
    counties = lookups.regions_under(None)
    form.county_id.choices = [(0, _("The whole city"))] + [(r.id, r.name) for r in counties]
    form.lead_unit_id.choices = units
    form.co_unit_ids.choices = units
    for i in range(1, TASK_ROWS + 1):
        getattr(form, f"task_{i}_unit").choices = [(0, _("Choose the owner"))] + units
    return form


def _task_plans(form) -> list[topics.TaskPlan] | None:
    plans, ok = [], True
    for i in range(1, TASK_ROWS + 1):
        title, unit, days = (getattr(form, f"task_{i}_{k}") for k in ("title", "unit", "days"))
        if not title.data:
            continue
        if not unit.data:
            unit.errors.append(_("Choose who owns this task."))
            ok = False
        if not days.data:
            days.errors.append(_("Enter the time limit in working days."))
            ok = False
        if ok:
            plans.append(topics.TaskPlan(title.data, unit.data, days.data))
    return plans if ok else None


@bp.route("/topics/new", methods=["GET", "POST"])
@roles_required(*governance.SUPERVISORS)
def topic_new():
    if request.method == "GET":
        next_month = periods.add_months(periods.today(), 1)
        form = _topic_form(month=periods.month_text(next_month), category_id=guard.arg_int("category"),
                           county_id=guard.arg_int("county", 0))
        return render_page("governance/topic_new.html", form=form)
    form = _topic_form(request.form)
    if form.validate_on_submit():
        plans = _task_plans(form)
        if plans is not None:
            try:
                topic = topics.create(
                    current_user, month=periods.parse_month(form.month.data), title=form.title.data, summary=form.summary.data,
                    category_id=form.category_id.data, county_id=form.county_id.data or None,
                    lead_unit_id=form.lead_unit_id.data, co_unit_ids=form.co_unit_ids.data or [],
                    problems=[form.problem_1.data, form.problem_2.data, form.problem_3.data], tasks=plans)
            except topics.TopicError as err:
                form.form_errors.append(str(err))
            else:
                db.session.commit()
                flash(_("The topic is saved as a draft. Check it, then publish it."), "success")
                return redirect_after_post(url_for("governance.topic_detail", topic_id=topic.id))
    return render_page("governance/topic_new.html", status=422, form=form)


@bp.get("/topics/<int:topic_id>")
@roles_required(*governance.SUPERVISORS)
def topic_detail(topic_id):
    topic = db.session.get(MonthlyTopic, topic_id) or abort(404)
    return render_page("governance/topic_staff.html", topic=topic, tasks=topics.tasks_of(topic),
                       co_units=topics.co_units(topic), status_form=TaskStatusForm())


@bp.post("/topics/<int:topic_id>/publish")
@roles_required(*governance.SUPERVISORS)
def topic_publish(topic_id):
    topic = db.session.get(MonthlyTopic, topic_id) or abort(404)
    back = url_for("governance.topic_detail", topic_id=topic.id)
    if topic.status != "published" and not confirm.confirmed():
        return confirm.ask(_("Publish the topic “%(title)s”?", title=topic.title),
                           _("The topic, its problems and tasks become public on the monthly topics page and in "
                             "its feed. A published topic cannot be withdrawn."), _("Publish the topic"), back)
    if topics.publish(topic):
        db.session.commit()
        flash(_("The topic is published."), "success")
    return redirect_after_post(url_for("governance.topic_detail", topic_id=topic.id))


@bp.post("/topics/tasks/<int:task_id>/status")
@roles_required(*governance.SUPERVISORS)
def topic_task_status(task_id):
    task = db.session.get(TopicTask, task_id) or abort(404)
    form = TaskStatusForm()
    if form.validate_on_submit():
        topics.set_task_status(task, form.status.data)
        db.session.commit()
        flash(_("Task status saved."), "success")
    else:
        flash(_("Choose a status from the list."), "error")
    return redirect_after_post(url_for("governance.topic_detail", topic_id=task.topic_id))
