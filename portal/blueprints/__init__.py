"""Blueprints grouped by feature, forms beside their routes: `public/`, `cases/`, `oversight/`, `salons/`,
`admin/`, `open311/`, `knowledge/`, `workbench/` (search, caller history), `reply_templates/`, `unit_figures/`,
`governance/` (hotspot warnings, governance tasks, monthly topics), `style_guide/` (the living style guide), plus
`auth` and `errors`. Every one imports the web kit (`portal.web`) and none copies it."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.blueprints import (
        admin,
        auth,
        errors,
        governance,
        knowledge,
        reply_templates,
        style_guide,
        unit_figures,
        workbench,
    )
    from portal.blueprints.admin import api_keys, calendar, routing
    from portal.blueprints.cases import ledger, queues, staff, steps
    from portal.blueprints.open311 import api
    from portal.blueprints.oversight import echo, monitors, rankings, statistics, supervision
    from portal.blueprints.public import routes
    from portal.blueprints.salons import organizer
    from portal.blueprints.salons import public as salons_public

    for module in (routes, auth, staff, steps, queues, ledger, calendar, statistics, echo, rankings, supervision,
                   monitors, routing, salons_public, organizer, api_keys, api, workbench):
        app.register_blueprint(module.bp)
    for blueprint in (admin.bp, admin.account_bp, knowledge.bp, knowledge.public_bp,
                      unit_figures.bp, reply_templates.bp, governance.bp, governance.public_bp, style_guide.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
