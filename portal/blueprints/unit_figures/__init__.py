"""A unit's own figures for its handlers and unit lead: the rankings' metrics for this month, last month and the
year, the unit's rank, and the cases behind each number (inside the user's scope)."""
from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.domain import metrics, rankings, scope, unit_figures
from portal.extensions import db
from portal.models import Case, Role, Unit
from portal.web import render_page, roles_required
from portal.web.guard import arg_int

bp = Blueprint("unit_figures", __name__, url_prefix="/staff/unit-figures")
LISTED = 200


def _unit(required: bool = True) -> Unit | None:
    """The user's own unit; supervisors and admins may look at any unit with ?unit=ID."""
    if current_user.role in (Role.SUPERVISOR, Role.ADMIN) and arg_int("unit"):
        unit = db.session.get(Unit, arg_int("unit"))
    else:
        unit = current_user.unit
    if unit is None and required:
        abort(404)
    return unit


@bp.get("/units")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def units():
    """Supervisors and admins: choose the unit whose figures to read."""
    from portal.domain import organisation

    return render_page("unit_figures/choose.html", units=[u for u in organisation.listing(Unit) if u.ranking_group],
                       group_labels=rankings.GROUP_LABELS)


@bp.get("/")
@roles_required(Role.HANDLER, Role.UNIT_LEAD, Role.SUPERVISOR, Role.ADMIN)
def index():
    unit = _unit(required=current_user.role not in (Role.SUPERVISOR, Role.ADMIN))
    if unit is None:  # supervisors and admins choose a unit
        return units()
    return render_page("unit_figures/index.html", unit=unit, periods=unit_figures.figures_for(unit),
                       metric_keys=unit_figures.METRICS, labels=metrics.METRIC_LABELS,
                       definitions=metrics.METRIC_DEFINITIONS, group_labels=rankings.GROUP_LABELS,
                       rolls_up=unit_figures.rolls_up(unit), unit_arg=arg_int("unit"))


@bp.get("/cases")
@roles_required(Role.HANDLER, Role.UNIT_LEAD, Role.SUPERVISOR, Role.ADMIN)
def cases():
    unit = _unit()
    metric, period_key, part = request.args.get("metric"), request.args.get("period"), request.args.get("part", "den")
    if metric not in unit_figures.METRICS or period_key not in unit_figures.PERIODS or part not in ("num", "den"):
        abort(404)
    p = unit_figures.period(period_key)
    items = unit_figures.cohort(unit, p, metric)
    counted = sum(1 for _cid, hit in items if hit)
    hits: dict[int, bool] = {}
    for cid, hit in items:
        hits[cid] = hits.get(cid, False) or hit
    wanted = [cid for cid, hit in hits.items() if hit or part == "den"]
    visible = (scope.visible_cases(current_user).where(Case.id.in_(wanted))
               .options(selectinload(Case.category), selectinload(Case.lead_unit))
               .order_by(Case.received_at.desc(), Case.id.desc()))
    rows = list(db.session.scalars(visible.limit(LISTED))) if wanted else []
    total_visible = len(db.session.scalars(visible.with_only_columns(Case.id)).all()) if wanted else 0
    return render_page("unit_figures/cases.html", unit=unit, period=p, metric=metric, part=part, rows=rows,
                       hits=hits, total=len(wanted), total_visible=total_visible, listed=LISTED,
                       counted=counted, items=len(items), labels=metrics.METRIC_LABELS,
                       definitions=metrics.METRIC_DEFINITIONS, unit_arg=arg_int("unit"))
