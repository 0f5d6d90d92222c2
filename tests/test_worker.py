"""`flask worker`: the background jobs (outbox, sweep, statistics) are safe to run in two workers at once —
every message is sent once and every overdue case escalated once."""
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from portal.commands import worker
from portal.domain import notify, outbox
from portal.extensions import db
from portal.models import CaseEvent, OutboxMessage
from tests.helpers import assigned_case, now, set_email


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
    start, errors = threading.Barrier(2), []

    def run_worker():
        try:
            with app.app_context():
                start.wait()
                for _ in range(3):
                    worker.run_once()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
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
