"""Monthly rankings of handling units (亮晒比), their immutable snapshots and the interview (约谈) list.

* `compute(month)` ranks the units of each ranking group on the live figures of `portal.domain.metrics`: city
  departments with each other, county governments with each other (their town/street offices' cases count for
  them). A unit without a score (no case assigned in the month) is listed but not ranked.
* Ranks are competition ranks: the same score gives the same rank and the next rank skips (1, 2, 2, 4); units
  with the same rank are listed by name. The top N are the units ranked 1..N (city departments 5, counties 3), the
  bottom N those with fewer than N units scoring strictly lower (`bottom_rank` ≤ N), so ties at the edge are all
  in; a unit that is both (a small group) is top. Sizes: app.config["RANKING_POSITIONS"].
* `publish(month)` stores the ranking as a RankingSnapshot with one RankingRow per unit of a ranking group, every
  figure (numerators, denominators, the unit's names) copied into the row: later data, renamed units or new
  weights do not change it, and the rows refuse updates and deletes. A month is published once, after it ends.
* A unit in the bottom 3 (`RANKING_INTERVIEW_BOTTOM`) of its group in two consecutive *published* months (December →
  January included) is put on the interview list: an Interview row for the second month. Publishing months out of
  order works too: the month after, when already published, is checked as well. The interview (date, attendees,
  rectification promised) and later its follow-up are recorded once each.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.domain import calendar, metrics, periods
from portal.extensions import db
from portal.models import Interview, RankingRow, RankingSnapshot, Unit, User
from portal.models.base import Bilingual, utcnow

GROUPS = Unit.RANKING_GROUPS  # ("city_department", "county")
GROUP_LABELS = {"city_department": _l("City departments"), "county": _l("County and district governments")}
DEFAULT_POSITIONS = {"city_department": 5, "county": 3}
DEFAULT_INTERVIEW_BOTTOM = 3


class RankingError(Exception):
    """A refused ranking action; str() is a message for the user in their language."""


class AlreadyPublished(RankingError):
    pass


# ---- months -------------------------------------------------------------------------------------------------

def parse_month(value: str | None) -> str:
    """The month as "YYYY-MM" (snapshots are keyed by it); anything else is refused with a RankingError."""
    try:
        return periods.month_text(periods.parse_month(value))
    except periods.PeriodError as err:
        raise RankingError(str(err)) from None


def shift_month(month: str, delta: int) -> str:
    return periods.month_text(periods.add_months(periods.parse_month(month), delta))


def last_month(day: date | None = None) -> str:
    return shift_month(periods.month_text(day or periods.today()), -1)


# ---- settings -----------------------------------------------------------------------------------------------

def positions() -> dict[str, int]:
    return {**DEFAULT_POSITIONS, **(current_app.config.get("RANKING_POSITIONS") or {})}


def interview_bottom() -> int:
    return int(current_app.config.get("RANKING_INTERVIEW_BOTTOM", DEFAULT_INTERVIEW_BOTTOM))


# ---- a ranking ----------------------------------------------------------------------------------------------

@dataclass
class TableRow(Bilingual):
    """One unit in a ranking table, live or published: what the pages, the export and the CLI show."""

    unit_id: int
    group: str
    name_zh: str
    name_en: str
    rank: int | None
    bottom_rank: int | None
    position: str | None  # top / bottom / None
    volume: int
    rates: dict[str, dict]  # key -> {"num", "den", "value"}
    score: float | None

    @property
    def in_interview_zone(self) -> bool:
        """In the bottom 3 (or RANKING_INTERVIEW_BOTTOM) of its group."""
        return self.position == "bottom" and self.bottom_rank is not None and self.bottom_rank <= interview_bottom()

    def figures(self) -> dict:
        """The JSON a RankingRow keeps: every figure, and the unit's names as they were."""
        return {"name_zh": self.name_zh, "name_en": self.name_en, "bottom_rank": self.bottom_rank,
                "volume": self.volume, "rates": self.rates}

    @classmethod
    def from_row(cls, row: RankingRow) -> "TableRow":
        f = row.figures or {}
        return cls(unit_id=row.unit_id, group=row.ranking_group, name_zh=f.get("name_zh", ""),
                   name_en=f.get("name_en", ""), rank=row.rank, bottom_rank=f.get("bottom_rank"),
                   position=row.position, volume=row.volume, rates=f.get("rates", {}), score=row.score)


def _sorted(rows: list[TableRow]) -> list[TableRow]:
    """Ranked units by rank then name; unranked units after them, by name."""
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.name_zh, r.unit_id))


def rank_group(rows: list[TableRow], size: int) -> list[TableRow]:
    """Fill rank, bottom_rank and position of one group's rows (scores already set)."""
    scores = [r.score for r in rows if r.score is not None]
    for r in rows:
        if r.score is None:
            r.rank = r.bottom_rank = r.position = None
            continue
        r.rank = 1 + sum(1 for s in scores if s > r.score)
        r.bottom_rank = 1 + sum(1 for s in scores if s < r.score)
        r.position = "top" if r.rank <= size else "bottom" if r.bottom_rank <= size else None
    return _sorted(rows)


def compute(month: str, weight_map: dict | None = None, figures: dict | None = None) -> dict[str, list[TableRow]]:
    """The live ranking of a month: {group: rows in display order} (from `figures` of every unit when given)."""
    first, last = periods.month_bounds(month)
    weight_map = metrics.weights() if weight_map is None else weight_map
    figures = metrics.unit_metrics(first, last) if figures is None else figures
    groups: dict[str, list[TableRow]] = {g: [] for g in GROUPS}
    for f in figures.values():
        if f.unit.ranking_group not in groups:
            continue
        groups[f.unit.ranking_group].append(TableRow(
            unit_id=f.unit.id, group=f.unit.ranking_group, name_zh=f.unit.name_zh, name_en=f.unit.name_en or "",
            rank=None, bottom_rank=None, position=None, volume=f.volume,
            rates={k: r.as_dict() for k, r in f.rates.items()}, score=metrics.composite(f, weight_map)))
    sizes = positions()
    return {g: rank_group(rows, sizes.get(g, 3)) for g, rows in groups.items()}


def preview(month: str, refresh: bool = False) -> tuple[datetime, dict[str, list[TableRow]]]:
    """(computed at, table) of a month's live ranking for the supervisors' page, from the figures in the shared
    cache (`metrics.cached_unit_metrics`: a month takes seconds at city scale; `flask worker` recomputes this and
    last month's). Publishing never uses them: `publish` computes its snapshot when it is taken."""
    first, last = periods.month_bounds(month)
    computed_at, figures = metrics.cached_unit_metrics(first, last, refresh=refresh)
    return computed_at, compute(month, figures=figures)


# ---- snapshots ----------------------------------------------------------------------------------------------

@event.listens_for(RankingSnapshot, "before_update")
@event.listens_for(RankingSnapshot, "before_delete")
@event.listens_for(RankingRow, "before_update")
@event.listens_for(RankingRow, "before_delete")
def _snapshots_are_immutable(mapper, connection, target):
    raise RuntimeError("published rankings are immutable")


def snapshot_for(month: str) -> RankingSnapshot | None:
    return db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.month == month)
                             .options(selectinload(RankingSnapshot.rows)))


def published_months() -> list[tuple[str, object]]:
    """[(month, published_at)], newest month first."""
    return list(db.session.execute(select(RankingSnapshot.month, RankingSnapshot.published_at)
                                   .order_by(RankingSnapshot.month.desc())))


def snapshot_table(snapshot: RankingSnapshot) -> dict[str, list[TableRow]]:
    groups: dict[str, list[TableRow]] = {g: [] for g in GROUPS}
    for row in snapshot.rows:
        groups.setdefault(row.ranking_group, []).append(TableRow.from_row(row))
    return {g: _sorted(rows) for g, rows in groups.items()}


@dataclass
class Published:
    snapshot: RankingSnapshot
    interviews: list[Interview]


def publish(month: str, by: User | None = None, on: date | None = None) -> Published:
    """Publish `month` (once, after it has ended) and list the units due for an interview. Flushes; the caller
    commits."""
    month = parse_month(month)
    first, last = periods.month_bounds(month)
    on = on or periods.today()
    if last >= on:
        raise RankingError(_("%(month)s is not over yet: its ranking can be published from %(day)s.",
                             month=month, day=(last + timedelta(days=1)).isoformat()))
    existing = db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.month == month))
    if existing is not None:
        raise AlreadyPublished(already_published_message(existing))
    weight_map = metrics.weights()
    table = compute(month, weight_map)
    snapshot = RankingSnapshot(month=month, published_at=utcnow(), published_by_id=by.id if by else None,
                               weights=weight_map)
    db.session.add(snapshot)
    for rows in table.values():
        for r in rows:
            snapshot.rows.append(RankingRow(unit_id=r.unit_id, ranking_group=r.group, rank=r.rank, volume=r.volume,
                                            figures=r.figures(), score=r.score, position=r.position))
    try:
        db.session.flush()
    except IntegrityError:  # someone published the same month a moment ago
        db.session.rollback()
        existing = db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.month == month))
        raise AlreadyPublished(already_published_message(existing) if existing else _("This month is already published.")) from None
    return Published(snapshot, _list_interviews(month))


def already_published_message(snapshot: RankingSnapshot) -> str:
    at = calendar.local_text(snapshot.published_at)
    return _("The ranking for %(month)s was already published on %(at)s; a published ranking cannot be changed.",
             month=snapshot.month, at=at)


def _zone(month: str) -> set[int] | None:
    snapshot = snapshot_for(month)
    if snapshot is None:
        return None
    return {r.unit_id for r in (TableRow.from_row(row) for row in snapshot.rows) if r.in_interview_zone}


def _list_interviews(month: str) -> list[Interview]:
    """Interview rows for units in the bottom zone in `month` and the month before, or `month` and the month
    after (when published out of order)."""
    created = []
    this = _zone(month) or set()
    for earlier, later in ((shift_month(month, -1), month), (month, shift_month(month, 1))):
        before, after = (this if earlier == month else _zone(earlier)), (this if later == month else _zone(later))
        if not before or not after:
            continue
        listed = set(db.session.scalars(select(Interview.unit_id).where(Interview.month == later)))
        for unit_id in sorted((before & after) - listed):
            interview = Interview(unit_id=unit_id, month=later, listed_at=utcnow())
            db.session.add(interview)
            created.append(interview)
    db.session.flush()
    return created


# ---- interviews ---------------------------------------------------------------------------------------------

def interviews() -> list[Interview]:
    """The interview list: to hold first, then awaiting follow-up, then done; newest month first in each."""
    rows = db.session.scalars(select(Interview).options(selectinload(Interview.unit))
                              .order_by(Interview.month.desc(), Interview.id)).all()
    return sorted(rows, key=lambda i: (i.held_on is not None, i.followed_up_on is not None))


def interview_status(interview: Interview) -> str:
    if interview.held_on is None:
        return "to_hold"
    return "follow_up" if interview.followed_up_on is None else "done"


INTERVIEW_STATUS = {"to_hold": _l("Interview to hold"), "follow_up": _l("Follow-up due"), "done": _l("Followed up")}


def record_interview(interview: Interview, held_on: date, attendees: str, rectification: str, by: User,
                     on: date | None = None) -> None:
    if interview.held_on is not None:
        raise RankingError(_("This interview is already recorded."))
    if held_on > (on or periods.today()):
        raise RankingError(_("The interview date cannot be in the future."))
    interview.held_on, interview.attendees, interview.rectification = held_on, attendees.strip(), rectification.strip()
    interview.recorded_by_id = by.id


def record_follow_up(interview: Interview, followed_up_on: date, text: str, on: date | None = None) -> None:
    if interview.held_on is None:
        raise RankingError(_("Record the interview before its follow-up."))
    if interview.followed_up_on is not None:
        raise RankingError(_("The follow-up of this interview is already recorded."))
    if followed_up_on < interview.held_on:
        raise RankingError(_("The follow-up cannot be dated before the interview."))
    if followed_up_on > (on or periods.today()):
        raise RankingError(_("The follow-up date cannot be in the future."))
    interview.followed_up_on, interview.follow_up = followed_up_on, text.strip()


def export_table(snapshot: RankingSnapshot) -> tuple[list[str], list[list]]:
    """(header, rows) of a published ranking for the download: one row per unit, every figure with its
    numerator and denominator."""
    keys = metrics.RATE_KEYS
    header = [_("Month"), _("Group"), _("Rank"), _("Position"), _("Unit"), str(metrics.METRIC_LABELS["volume"])]
    for k in keys:
        label = str(metrics.METRIC_LABELS[k])
        header += [label, _("%(rate)s: numerator", rate=label), _("%(rate)s: denominator", rate=label)]
    header.append(str(metrics.METRIC_LABELS["score"]))
    position_words = {"top": _("Top"), "bottom": _("Bottom")}
    rows = []
    for group, table_rows in snapshot_table(snapshot).items():
        for r in table_rows:
            line = [snapshot.month, str(GROUP_LABELS.get(group, group)), r.rank,
                    position_words.get(r.position or "", ""), r.name, r.volume]
            for k in keys:
                rate = r.rates.get(k) or {}
                line += [rate.get("value"), rate.get("num", 0), rate.get("den", 0)]
            line.append(r.score)
            rows.append(line)
    return header, rows
