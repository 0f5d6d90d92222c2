"""The living style guide (/staff/style-guide): every shared component of portal.css in every state, rendered in
the visitor's language with the same macros the pages use. Any signed-in staff member may open it."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from portal.blueprints.style_guide.forms import SpecimenForm
from portal.domain import labels
from portal.web import render_page

bp = Blueprint("style_guide", __name__, url_prefix="/staff")

SECTIONS = (
    ("tokens", _l("Design tokens")), ("buttons", _l("Buttons")), ("fields", _l("Form fields")),
    ("pills", _l("Status pills and deadline lights")), ("tables", _l("Tables (cards on phones)")),
    ("timeline", _l("Timeline")), ("panels", _l("Panels and cards")), ("tabs", _l("Tabs and pagination")),
    ("empty", _l("Empty states")), ("messages", _l("Flash messages and notices")),
)
FLASH_CATEGORIES = ("success", "info", "warning", "error")


def _sample_events() -> list[SimpleNamespace]:
    """Three steps of a case's timeline, as the timeline macro reads them from the event log."""
    start = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    unit = SimpleNamespace(name=_l("City Urban Management Bureau"))
    return [
        SimpleNamespace(at=start, action="submit", unit=None, data=None, note=None),
        SimpleNamespace(at=start + timedelta(hours=2), action="assign", unit=unit,
                        data={"due_at": (start + timedelta(days=7)).isoformat()}, note=None),
        SimpleNamespace(at=start + timedelta(days=2), action="reply", unit=unit, data=None,
                        note=_l("The road surface was repaired on the same day. Thank you for telling us.")),
    ]


def _sample_form() -> SpecimenForm:
    form = SpecimenForm(formdata=None, data={"district": "1"})
    form.address.errors = [_l("Enter the address of the problem.")]
    form.phone.errors = [_l("Enter an 11-digit mobile number starting with 1.")]
    return form


@bp.get("/style-guide")
@login_required
def index():
    return render_page("style_guide/index.html", sections=SECTIONS, form=_sample_form(), events=_sample_events(),
                       states=list(labels.STATE_LABELS), lights=list(labels.LIGHT_LABELS),
                       flash_categories=FLASH_CATEGORIES)
