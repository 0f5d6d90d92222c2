"""The web kit every blueprint imports and none copies.

- `render_page(template, block, status=..., **ctx)`: the whole page, or only `block` for an htmx fragment request
  (always `Vary: HX-Request`); `redirect_after_post(url)`: 303, or `HX-Redirect` for htmx.
- `roles_required(*roles)`: sign in first, then 403 for other roles.
- `page_arg()`: the `?page=` number; the paging rule itself is `portal.domain.paging.paginate`.
- `strip`, `int_or_none`, `MultiCheckboxField`: form building blocks (`portal/web/forms.py`).
"""
from portal.web.access import roles_required
from portal.web.pages import is_fragment_request, redirect_after_post, render_page
from portal.web.paging import page_arg

__all__ = ["is_fragment_request", "page_arg", "redirect_after_post", "render_page", "roles_required"]
