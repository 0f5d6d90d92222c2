"""Operations commands, meant for cron: `flask outbox send`, `flask outbox status`, `flask sweep`.

A typical crontab (every minute for messages, every five minutes for the clock):

    * * * * *   cd /srv/portal && FLASK_APP=wsgi.py .venv/bin/flask outbox send
    */5 * * * * cd /srv/portal && FLASK_APP=wsgi.py .venv/bin/flask sweep
"""
import click
from flask import Flask
from flask.cli import AppGroup


def register_ops_cli(app: Flask) -> None:
    outbox_cli = AppGroup("outbox", help="Deliver and inspect queued messages (SMS-style texts and emails).")

    @outbox_cli.command("send")
    @click.option("--limit", type=click.IntRange(min=1), default=None,
                  help="At most this many messages (default: OUTBOX_BATCH_SIZE, 200).")
    def send(limit):
        """Deliver waiting messages through the configured senders; failures are retried on later runs."""
        from portal.domain import outbox

        result = outbox.deliver_pending(limit)
        click.echo(f"sent {result.sent}, failed {result.failed}"
                   + (f" ({result.given_up} given up after the last attempt)" if result.given_up else ""))

    @outbox_cli.command("status")
    def status():
        """Count waiting, failing, given-up and sent messages."""
        from portal.domain import outbox

        st = outbox.status()
        channels = ", ".join(f"{channel} {count}" for channel, count in sorted(st.by_channel.items()))
        click.echo(f"pending {st.pending}" + (f" ({channels})" if channels else ""))
        click.echo(f"failing {st.failing} (failed at least once, will be retried)")
        click.echo(f"given up {st.given_up} (failed OUTBOX_MAX_ATTEMPTS times; not retried)")
        click.echo(f"sent {st.sent}")
        if st.oldest_pending_at is not None:
            click.echo(f"oldest pending queued at {st.oldest_pending_at.isoformat(timespec='seconds')}")

    app.cli.add_command(outbox_cli)

    @app.cli.command("sweep")
    def sweep():
        """Escalate overdue cases, remind units, close cases not rated in time (safe to run repeatedly)."""
        from portal.domain import sweep as sweep_module

        summary = sweep_module.sweep()
        click.echo(f"escalated {summary.escalated} (reminders queued {summary.overdue_reminders}), "
                   f"sign-for reminders {summary.sign_reminders}, "
                   f"closed unevaluated {summary.closed_unevaluated}, "
                   f"expired knowledge articles flagged {summary.knowledge_expired}")
