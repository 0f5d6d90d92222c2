"""`flask` commands, on top of the domain (never on a blueprint)."""
import os

from flask import Flask


def terminal_locale() -> str:
    """Chinese when the terminal's locale is Chinese, English otherwise (there is no session on the CLI)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh_Hans" if value.lower().startswith("zh") else "en"
    return "en"


def register_commands(app: Flask) -> None:
    from portal.commands.calendar import register_calendar_cli
    from portal.commands.ops import register_ops_cli
    from portal.commands.rankings import register_rankings_cli
    from portal.commands.stats import register_stats_cli
    from portal.commands.users import register_cli

    register_cli(app)
    register_calendar_cli(app)
    register_ops_cli(app)
    register_rankings_cli(app)
    register_stats_cli(app)
    from portal.commands.backup import register_backup_cli
    from portal.commands.hotspots import register_hotspots_cli
    from portal.commands.retention import register_retention_cli
    from portal.commands.search import register_search_cli
    from portal.commands.worker import register_worker_cli

    register_search_cli(app)
    register_backup_cli(app)
    register_retention_cli(app)
    register_worker_cli(app)
    register_hotspots_cli(app)
