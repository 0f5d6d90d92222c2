"""The hotspot rule: precision and recall on planted clusters among background noise, the baseline, idempotency."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.domain import hotspots
from portal.extensions import db
from portal.models import HotspotWarning
from tests.hotspot_data import build

TODAY = date(2026, 11, 20)


def _measure(planted: dict, warnings: list[HotspotWarning]) -> dict:
    fired = {(w.category_id, w.town_id): set(w.case_ids) for w in warnings}
    true_groups = set(planted) & set(fired)
    planted_cases = set().union(*planted.values())
    warned_cases = set().union(*fired.values()) if fired else set()
    hit = planted_cases & warned_cases
    return {
        "cluster_precision": len(true_groups) / len(fired) if fired else 0.0,
        "cluster_recall": len(true_groups) / len(planted),
        "case_precision": len(hit) / len(warned_cases) if warned_cases else 0.0,
        "case_recall": len(hit) / len(planted_cases),
    }


@pytest.mark.parametrize("noise_per_day,busy_groups", [(50, 5), (250, 20)], ids=["light-noise", "heavy-noise"])
def test_planted_clusters_are_found_with_high_precision_and_recall(app, city, noise_per_day, busy_groups):
    with app.app_context():
        data = build(TODAY, noise_per_day=noise_per_day, busy_groups=busy_groups)
        result = hotspots.scan(TODAY)
        db.session.commit()
        figures = _measure(data["planted"], result.created)
        print(f"\nhotspot rule on {data['total']} synthetic cases, {len(data['planted'])} planted clusters: "
              + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
        assert figures["cluster_precision"] >= 0.9
        assert figures["cluster_recall"] >= 0.9
        assert figures["case_precision"] >= 0.9
        assert figures["case_recall"] >= 0.9


def test_a_warning_explains_itself_and_a_second_scan_adds_none(app, city):
    with app.app_context():
        data = build(TODAY, cluster_sizes=(12,), busy_groups=0, noise_per_day=20)
        first = hotspots.scan(TODAY)
        db.session.commit()
        assert len(first.created) == 1
        warning = first.created[0]
        assert (warning.category_id, warning.town_id) in data["planted"]
        assert warning.window_start == TODAY - timedelta(days=6) and warning.window_end == TODAY
        assert warning.recent_count == 12 and warning.baseline_weeks == 8
        assert warning.unit_id is not None  # the routing table's unit
        words = [w for w, _ in warning.top_words]
        assert set(words) & {"施工", "噪音", "工地", "夜间"}
        again = hotspots.scan(TODAY)
        db.session.commit()
        assert again.created == [] and len(again.refreshed) == 1
        assert db.session.scalar(select(func.count()).select_from(HotspotWarning)) == 1


def test_a_busy_place_without_a_rise_does_not_fire(app, city):
    """The same number of similar cases is a hotspot in a quiet place and routine where it is always that busy."""
    with app.app_context():
        data = build(TODAY, cluster_sizes=(8,), busy_groups=0, noise_per_day=0)
        (category_id, town_id), ids = next(iter(data["planted"].items()))
        assert len(hotspots.scan(TODAY).created) == 1
        db.session.rollback()
        rule = hotspots.Rule(window_days=7, baseline_weeks=8, ratio_threshold=3.0, min_count=5)
        # the place's own history: 8 similar cases a week for eight weeks before the window
        assert not rule.fires(8, 8 * 8)
        assert rule.fires(8, 0) and not rule.fires(4, 0)


def test_settings_change_the_rule(app, city):
    from portal.models import User

    with app.app_context():
        build(TODAY, cluster_sizes=(6,), busy_groups=0, noise_per_day=0)
        supervisor = db.session.get(User, city["users"]["supervisor"])
        hotspots.save_rule(hotspots.Rule(7, 8, 3.0, 10), supervisor)
        db.session.commit()
        assert hotspots.current_rule().min_count == 10
        assert hotspots.scan(TODAY).created == []  # six reports no longer pass a minimum of ten


def test_confidential_cases_supply_no_words_to_a_warning(app, city):
    """A warning's top words are shown to the unit, the dispatchers and supervisors alike: words written only in
    confidential cases (a named official, an informant's story) never appear there; the cases still count."""
    from portal.domain import search
    from portal.models import Case

    with app.app_context():
        data = build(TODAY, cluster_sizes=(12,), busy_groups=0, noise_per_day=20)
        ids = sorted(next(iter(data["planted"].values())))
        for case in db.session.scalars(select(Case).where(Case.id.in_(ids[:9]))):
            case.confidential = True
            case.title, case.description = "举报王科长索贿受贿", "举报王科长索贿受贿，工地夜间施工"
        db.session.commit()
        warning = hotspots.scan(TODAY).created[0]
        db.session.commit()
        secret = set(search.words("举报王科长索贿受贿"))
        assert warning.recent_count == 12
        assert not secret & {w for w, _ in warning.top_words}, warning.top_words
        assert {w for w, _ in warning.top_words} & {"施工", "噪音", "工地", "夜间"}
