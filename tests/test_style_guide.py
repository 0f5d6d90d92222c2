"""The living style guide: every shared component in every state, in both languages, for any signed-in staff."""
from portal.domain import labels
from tests.helpers import as_user


def test_style_guide_renders_every_component_in_every_state(app, city):
    for name in ("operator", "monitor", "admin"):
        assert as_user(app, name).get("/staff/style-guide").status_code == 200
    page = as_user(app, "handler").get("/staff/style-guide").get_data(as_text=True)
    for state in labels.STATE_LABELS:
        assert f'class="badge pill state-{state}"' in page
    for light in labels.LIGHT_LABELS:
        assert f'class="light pill light-{light}"' in page
    for category in ("success", "info", "warning", "error"):
        assert f'class="flash flash-{category}"' in page
    for component in ('class="primary" disabled', 'class="link-button"', 'aria-invalid="true"', 'class="hint"',
                      "required", 'class="field checkbox"', 'class="form-errors"', 'ol class="timeline"',
                      'class="panel"', 'class="card"', 'class="tabs"', 'class="pager"', 'class="empty"',
                      "data-label=", 'class="notice"'):
        assert component in page, component


def test_style_guide_speaks_both_languages(app, city):
    staff = as_user(app, "operator")
    assert "样式指南" in staff.get("/staff/style-guide").get_data(as_text=True)
    staff.get("/lang/en?next=/staff/style-guide")
    english = staff.get("/staff/style-guide").get_data(as_text=True)
    assert "Style guide" in english and 'lang="en"' in english
