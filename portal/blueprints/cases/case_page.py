"""The staff case page, built in one place: the case's facts, the steps the user may take (`steps.STEPS`), then
the panels other features contribute.

A feature adds a panel with `@case_panel(name, template, place)`: a function `(case, failed) -> context or None`
(None: nothing to show this user). The page includes `template` with the context as `panel`. `place` is
"after_facts" (a line under the facts, e.g. the tea salon a case came from) or "after_actions" (supervision orders,
monitors' reviews: shown in the actions pane, below the steps). A form posted from the page that did not go through
comes back as `Failed(key, form, error)`: the page is re-rendered (422/409) and the panel that owns `key` shows that
form with its errors — no hand-off through `flask.g`.

The page reads in two panes (see `staff/case.html`): the case (facts, description, reply) then the actions, then
the event log; at 1024 px and wider the actions stand beside the case and its log. The actions come in the order
of `portal.domain.step_order` (the most likely next step first, shown open). A panel context may name what it lets
this user do in `offers` (e.g. ("supervise",)): those are ordered with the steps, and when the first action
belongs to a panel, that panel leads the actions pane and opens its form (`first_action` in the template).
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_login import current_user

from portal.domain import deadlines, duplicates, routing, step_order, workflow
from portal.models import Case
from portal.web import render_page

PLACES = ("after_facts", "after_actions")


@dataclass
class Failed:
    """A form posted from the case page that did not go through. `key` is the form's prefix: a step name,
    "supervise", "answer-<order id>", "review"."""
    key: str
    form: Any = None
    error: str = ""

    def form_for(self, key: str):
        return self.form if self.key == key else None


@dataclass
class CasePanel:
    name: str
    template: str
    build: Callable[[Case, Failed | None], Any]
    place: str = "after_actions"


PANELS: dict[str, CasePanel] = {}


def case_panel(name: str, template: str, place: str = "after_actions"):
    """Register a panel of the staff case page (at import time of the feature's blueprint)."""
    if place not in PLACES:
        raise ValueError(place)

    def register(build):
        PANELS[name] = CasePanel(name, template, build, place)
        return build
    return register


def case_page(case: Case, failed: Failed | None = None, status: int = 200, error: str = ""):
    from portal.blueprints.cases.steps import STEPS, build_form

    steps = [s for s in STEPS if workflow.may(current_user, s, case)]
    failed_step = failed.key if failed is not None and failed.key in STEPS else None
    forms = {s: failed.form if s == failed_step and failed.form is not None else build_form(s, case)
             for s in steps}
    similar = []
    if "merge" in steps:
        similar = duplicates.similar_open_cases(case.category_id, case.county_id,
                                                f"{case.title} {case.description}", exclude_id=case.id,
                                                viewer=current_user)
        similar = [(c, score) for c, score in similar if c.received_at <= case.received_at]
    panels = {place: [] for place in PLACES}
    for panel in PANELS.values():
        context = panel.build(case, failed)
        if context is not None:
            panels[panel.place].append((panel.template, context))
    offered = {action: context for _, context in panels["after_actions"]
               for action in getattr(context, "offers", ())}
    actions = step_order.most_likely_first([*steps, *offered])
    first_action = step_order.shown_open(actions)
    forms = {s: forms[s] for s in actions if s in forms}  # the template offers the steps in this order
    if first_action in offered:  # the panel that offers the first action leads the pane
        panels["after_actions"].sort(key=lambda item: item[1] is not offered[first_action])
    sign_light, light = deadlines.case_lights(case)
    return render_page(
        "staff/case.html", status=status, case=case, events=workflow.timeline(case), forms=forms,
        open_step=failed_step, actions=actions, first_action=first_action, error=error, light=light, sign_light=sign_light,
        panels=panels,
        pending_return=workflow.pending_return(case), pending_extension=workflow.pending_extension(case),
        similar=similar, suggested_unit=routing.suggest_unit(case) if "assign" in steps else None)
