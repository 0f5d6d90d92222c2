"""Every body cell of every table template names its column (data-label): on a phone the rows become cards
(portal.css) and each value is shown beside its column's name. The browser check is tests/browser/test_phone_lists.py."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).parent.parent / "portal" / "templates"


def test_every_table_body_cell_has_a_data_label():
    missing = []
    tables = 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        for table in re.findall(r"<table.*?</table>", path.read_text(encoding="utf-8"), re.S):
            tables += 1
            body = table.split("<tbody>", 1)[-1]
            for cell in re.findall(r"<t[dh](?=[\s>])[^>]*>", body):
                if "colspan" not in cell and "data-label" not in cell:
                    missing.append(f"{path.relative_to(TEMPLATES)}: {cell}")
    assert tables >= 15
    assert not missing, "\n".join(missing)
