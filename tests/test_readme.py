"""The README describes what exists: every `flask` command of the app (and each subcommand of the portal's own
groups), every setting of portal/config.py and every other setting the code reads."""
import re
from pathlib import Path

import click

from portal.config import Config

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
THIRD_PARTY_GROUPS = {"db", "limiter"}  # Flask-Migrate's and Flask-Limiter's: the README names the group


def test_every_flask_command_is_in_the_readme(app):
    missing = []
    for name, command in app.cli.commands.items():
        if f"flask {name}" not in README:
            missing.append(f"flask {name}")
        if isinstance(command, click.Group) and name not in THIRD_PARTY_GROUPS:
            missing += [f"flask {name} {sub}" for sub in command.commands if f"flask {name} {sub}" not in README]
    assert "flask db upgrade" in README
    assert {"demo", "sweep", "outbox", "calendar", "rankings", "stats"} <= set(app.cli.commands)
    assert not missing, missing


def _settings_read_by_the_code() -> set[str]:
    keys = set()
    for path in (ROOT / "portal").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'config(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]+)"', text))
        keys |= set(re.findall(r'setting\("([A-Z][A-Z0-9_]+)"', text))
        keys |= set(re.findall(r'^\s+"([A-Z][A-Z0-9_]+)": ', text, re.M)) if path.name == "outbox.py" else set()
    return keys


def test_every_setting_is_in_the_readme():
    settings = {k for k in vars(Config) if k.isupper()} | _settings_read_by_the_code()
    assert {"LOGIN_RATE_LIMIT", "TRACK_RATE_LIMIT", "EVALUATION_DAYS", "SMS_GATEWAY"} <= settings
    missing = sorted(k for k in settings if f"`{k}`" not in README)
    assert not missing, missing


def test_readme_names_the_make_targets_and_the_calendar_sample():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test", "test-fast", "test-sqlite", "test-postgres", "extract"):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target
        assert f"make {target}" in README, target
    assert "docs/calendar-2027-sample.csv" in README and (ROOT / "docs" / "calendar-2027-sample.csv").exists()
    assert "/open311/v2/openapi.json" in README and "/admin/api-keys" in README


def test_layout_lists_every_module():
    """Every module of the blueprints, the domain, the web kit, the commands, the demo and the models, packages'
    modules included, and every package (as `name/`)."""
    layout = README.split("## Layout", 1)[1]
    missing = []
    for folder in ("blueprints", "domain", "web", "commands", "demo", "models"):
        for path in sorted((ROOT / "portal" / folder).rglob("*.py")):
            if path.stem != "__init__":
                if not re.search(rf"`{path.stem}(\.py)?`", layout):
                    missing.append(str(path.relative_to(ROOT)))
            elif path.parent.name != folder and f"`{path.parent.name}/`" not in layout:
                missing.append(str(path.parent.relative_to(ROOT)) + "/")
    assert not missing, missing
