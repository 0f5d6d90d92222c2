"""seed the official working-day schedule from chinesecalendar

Revision ID: 7fe75927a8bf
Revises: 5dfcd29dc21f
Create Date: 2026-11-25 13:51:04.580162

"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '7fe75927a8bf'
down_revision = '5dfcd29dc21f'
branch_labels = None
depends_on = None


calendar_year = sa.table("calendar_year", sa.column("year", sa.Integer), sa.column("source", sa.String),
                         sa.column("loaded_at", sa.DateTime(timezone=True)))
calendar_day = sa.table("calendar_day", sa.column("day", sa.Date), sa.column("is_workday", sa.Boolean),
                        sa.column("name", sa.String))


def upgrade():
    """Every year chinesecalendar covers becomes an official year; its exceptions to Mon–Fri are stored."""
    from datetime import datetime, timezone

    import chinese_calendar

    days = {}
    for day, name in chinese_calendar.holidays.items():
        days[day] = (False, str(name or ""))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            days[day] = (True, str(name or ""))
    years = sorted({day.year for day in days})
    now = datetime.now(timezone.utc)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(calendar_year, [{"year": y, "source": "chinesecalendar", "loaded_at": now} for y in years])
    op.bulk_insert(calendar_day, [{"day": d, "is_workday": w, "name": n[:60]} for d, (w, n) in sorted(days.items())])


def downgrade():
    op.execute(calendar_day.delete())
    op.execute(calendar_year.delete().where(calendar_year.c.source == "chinesecalendar"))
