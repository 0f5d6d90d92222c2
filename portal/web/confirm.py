"""Actions that cannot be undone ask first, with JavaScript off too (publishing a monthly topic or a salon's
outcomes, revoking an API key; the rankings have their own page with the figures).

The action's form posts as usual; without `confirmed=yes` the view answers with a confirmation page whose form
posts the same fields again with `confirmed=yes`. With JavaScript, the button's own `hx-confirm` dialog asks
instead and its `hx-vals` adds `confirmed=yes`, so the user is asked once either way."""
from flask import request

from portal.web.pages import render_page

FIELD = "confirmed"
YES = "yes"


def confirmed() -> bool:
    return request.form.get(FIELD) == YES


def ask(title: str, message: str, action_label: str, back_url: str):
    """The confirmation page for this POST (its fields kept, CSRF token renewed)."""
    fields = [(name, value) for name, values in request.form.lists() if name not in ("csrf_token", FIELD)
              for value in values]
    return render_page("confirm.html", title=title, message=message, action_label=action_label,
                       action_url=request.path, fields=fields, back_url=back_url, field=FIELD, yes=YES)
