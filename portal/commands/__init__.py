"""`flask` commands, on top of the domain (never on a blueprint)."""
import os


def terminal_locale() -> str:
    """Chinese when the terminal's locale is Chinese, English otherwise (there is no session on the CLI)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh_Hans" if value.lower().startswith("zh") else "en"
    return "en"
