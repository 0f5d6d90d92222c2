"""Administration: the official working-day calendar (load a year's schedule, see what is missing)."""

from flask import Blueprint, flash, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal.blueprints.admin.forms import CalendarUploadForm
from portal.domain import calendar, labels, periods, scope
from portal.extensions import db
from portal.models import CalendarDay, Case, Role
from portal.web import redirect_after_post, render_page, roles_required
from portal.web.guard import arg_int

bp = Blueprint("admin", __name__, url_prefix="/admin")
PROVISIONAL_LISTED = 50


def _page_context(form: CalendarUploadForm) -> dict:
    today = periods.today()
    years = calendar.loaded_years()
    loaded = {y.year for y in years}
    year = arg_int("year")
    if year is None or not 1900 <= year <= 2200:
        year = today.year if today.year in loaded else (max(loaded) if loaded else today.year)
    provisional = (scope.visible_cases(current_user)
                   .where(Case.due_is_provisional.is_(True), Case.state.in_(Case.OPEN_STATES))
                   .order_by(Case.due_at, Case.id))
    provisional_count = db.session.scalar(
        provisional.with_only_columns(func.count(Case.id)).order_by(None))
    day_counts: dict[int, list[int]] = {}
    for day, workday in db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)):
        entry = day_counts.setdefault(day.year, [0, 0])
        entry[1 if workday else 0] += 1
    return {
        "form": form, "today": today, "years": years, "loaded": loaded,
        "missing": calendar.missing_years(today), "year": year, "year_loaded": year in loaded,
        "days": calendar.exceptions_of(year), "day_counts": day_counts, "holiday_names": labels.HOLIDAY_LABELS,
        "provisional_count": provisional_count,
        "provisional_cases": db.session.scalars(provisional.limit(PROVISIONAL_LISTED)).all(),
    }


@bp.get("/calendar")
@roles_required(Role.ADMIN)
def calendar_page():
    form = CalendarUploadForm()
    block = "year_days" if request.args.get("year") else None
    return render_page("admin/calendar.html", block, **_page_context(form))


@bp.post("/calendar")
@roles_required(Role.ADMIN)
def calendar_import():
    form = CalendarUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = calendar.decode_schedule(upload.read(calendar.MAX_SCHEDULE_BYTES + 1))
            schedule = calendar.parse_schedule_csv(text)
            years = calendar.load_schedule(schedule, calendar.import_source(upload.filename))
        except calendar.CalendarImportError as err:
            db.session.rollback()
            form.file.errors.append(str(err))
        else:
            db.session.commit()
            flash(calendar.loaded_message(schedule, years), "success")
            return redirect_after_post(url_for("admin.calendar_page", year=years[0] if years else None))
    return render_page("admin/calendar.html", "upload_form", status=422, **_page_context(form))
