"""The web kit every blueprint imports and none copies.

- `render_page(template, block, status=..., **ctx)`: the whole page, or only `block` for an htmx fragment request
  (always `Vary: HX-Request`); `render_too_many(...)`: the same with 429 and Retry-After for a form a rate limit
  refused; `redirect_after_post(url)`: 303, or `HX-Redirect` for htmx (`pages.py`, also the
  header's links and `queue_links`, the staff header's queues with their live counts).
- `roles_required(*roles)`: sign in first, then 403 for other roles (`access.py`).
- `page_arg()` and every other query/form parameter parser, safe redirect targets, proxies, the secret-key check,
  security headers (`guard.py`); the paging rules are `portal.domain.paging` and, for case lists,
  `portal.domain.keyset`.
- `confirm`: actions that cannot be undone ask first, with JavaScript off too (`confirm.ask`, `confirm.confirmed`).
- `submit_once`: the one-time token of every form that creates something; `strip`, `int_or_none`, `choice_id`,
  `optional_choice_id`, `valid_phone`, `MultiCheckboxField`: form building blocks (`forms.py`).
- `templating.py` registers every Jinja filter and global; `lang_marks.py` marks text in the other language;
  `serving.py` is what production serving needs (`/healthz`, request profiling).
"""
from flask import Flask

from portal.web import confirm, submit_once
from portal.web.access import roles_required
from portal.web.guard import page_arg
from portal.web.pages import (
    is_fragment_request,
    queue_links,
    redirect_after_post,
    render_page,
    render_too_many,
)

__all__ = ["confirm", "is_fragment_request", "page_arg", "queue_links", "redirect_after_post", "register_web",
           "render_page", "render_too_many", "roles_required", "submit_once"]


def register_web(app: Flask) -> None:
    """The web layer's own hooks: security headers and cookies, serving (health check, profiling)."""
    from portal.web import guard, serving

    guard.register(app)
    serving.register(app)
