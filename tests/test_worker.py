"""`flask worker`: the background jobs (outbox, sweep, statistics, the nightly hotspot scan) are safe to run in two
workers at once — every message is sent once, every overdue case escalated once, every night scanned once."""
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.commands import hotspots as hotspot_commands
from portal.commands import worker
from portal.domain import notify, outbox
from portal.extensions import db
from portal.models import CaseEvent, HotspotScanRun, HotspotWarning, OutboxMessage
from tests.helpers import assigned_case, now, set_email
from tests.hotspot_data import build


class RecordingSender(outbox.Sender):
    """Records every delivery; slow enough that two workers overlap."""

    def __init__(self, sent: list, guard: threading.Lock):
        self.sent, self.guard = sent, guard

    def send(self, message):
        time.sleep(0.01)
        with self.guard:
            self.sent.append(message.id)

    def close(self):
        pass


def at_once(app, work, workers: int = 2) -> list:
    """`work()` in `workers` threads released together, each in its own app context: what each returned."""
    start, results, errors = threading.Barrier(workers), [], []

    def run():
        try:
            with app.app_context():
                start.wait()
                results.append(work())
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_two_workers_at_once_send_each_message_once_and_escalate_each_case_once(app, city, make_case,
                                                                              monkeypatch):
    set_email(app, city, "handler", "chengang@cgj.example.gov.cn")
    overdue = [assigned_case(app, city, make_case, now() - timedelta(days=40))[0] for _ in range(4)]
    with app.app_context():
        for i in range(12):
            notify.queue("sms", f"1391234{i:04d}", f"第{i}条短信")
        db.session.commit()
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None)))
    sent, guard = [], threading.Lock()
    monkeypatch.setattr(outbox, "senders", lambda: {"sms": RecordingSender(sent, guard),
                                                    "email": RecordingSender(sent, guard)})
    at_once(app, lambda: [worker.run_once() for _ in range(3)])
    with app.app_context():
        escalations = dict(db.session.execute(select(CaseEvent.case_id, func.count()).where(
            CaseEvent.action == "escalate").group_by(CaseEvent.case_id)).all())
        all_messages = db.session.scalars(select(OutboxMessage.id)).all()
        unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None)))
    assert escalations == {case_id: 1 for case_id in overdue}
    assert len(all_messages) > queued  # the sweep queued reminders to the unit, and they went out too
    assert sorted(sent) == sorted(all_messages)  # every message once, none twice
    assert unsent == 0


def test_a_job_whose_lock_is_held_is_skipped(app, city):
    with app.app_context():
        name = "sweep" if db.engine.dialect.name == "postgresql" else "jobs"
        with worker.job_lock(name) as got:
            assert got
            other = {}

            def second_worker():
                with app.app_context():
                    other.update(worker.run_once(("sweep",)))
                    db.session.remove()

            thread = threading.Thread(target=second_worker)
            thread.start()
            thread.join(30)
        assert other["sweep"].startswith("skipped")
        assert worker.run_once(("sweep",))["sweep"].startswith("escalated 0")


def test_worker_once_from_the_command_line(app, city):
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--only", "outbox", "--only", "sweep"])
    assert result.exit_code == 0, result.output
    assert "outbox: sent 0" in result.output and "sweep: escalated 0" in result.output


# ------------------------------------------------------------------------------- the nightly hotspot scan
NIGHT = date(2026, 11, 20)


def _at(hour: int, minute: int = 0) -> datetime:
    """A moment of NIGHT in Beijing time."""
    return datetime.combine(NIGHT, dt_time(hour, minute), tzinfo=ZoneInfo("Asia/Shanghai"))


def _planted_cluster(app) -> None:
    with app.app_context():
        build(NIGHT, cluster_sizes=(12,), busy_groups=0, noise_per_day=20)
        db.session.commit()


def _warnings_and_runs(app) -> tuple[int, list]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(HotspotWarning)),
                db.session.scalars(select(HotspotScanRun.day)).all())


def test_the_worker_scans_for_hotspots_once_a_night_after_two(app, city, monkeypatch):
    _planted_cluster(app)
    clock = {"now": _at(1, 50)}
    monkeypatch.setattr(hotspot_commands, "utcnow", lambda: clock["now"])
    with app.app_context():
        assert worker.run_once(("hotspots",))["hotspots"] == "waiting until 02:00"
    assert _warnings_and_runs(app) == (0, [])
    clock["now"] = _at(2, 5)
    with app.app_context():
        assert worker.run_once(("hotspots",))["hotspots"] == "2026-11-20: 1 new warnings, 0 refreshed"
    assert _warnings_and_runs(app) == (1, [NIGHT])
    clock["now"] = _at(2, 15)
    with app.app_context():
        assert worker.run_once(("hotspots",))["hotspots"] == "2026-11-20 already scanned"
    assert _warnings_and_runs(app) == (1, [NIGHT])


def test_two_workers_at_night_scan_once_and_warn_once(app, city, monkeypatch):
    _planted_cluster(app)
    monkeypatch.setattr(hotspot_commands, "utcnow", lambda: _at(3))
    turns = at_once(app, lambda: [worker.run_once(("hotspots",))["hotspots"] for _ in range(2)])
    results = turns[0] + turns[1]
    assert sorted(results).count("2026-11-20: 1 new warnings, 0 refreshed") == 1, results
    assert _warnings_and_runs(app) == (1, [NIGHT])


def test_a_night_claimed_by_another_worker_is_not_scanned_again(app, city, monkeypatch):
    """Without the job lock (a worker whose lock was lost), the day's row alone keeps the scan to one a night."""
    _planted_cluster(app)
    results = at_once(app, lambda: hotspot_commands.nightly_turn(_at(4)))
    assert sorted(results) == ["2026-11-20 already scanned", "2026-11-20: 1 new warnings, 0 refreshed"]
    assert _warnings_and_runs(app) == (1, [NIGHT])
