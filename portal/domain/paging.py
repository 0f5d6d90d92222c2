"""Paging of short lists by page number (supervision orders, echo stories, the contact-view log, the outbox and audit
log; `clamp` for the search's ranked matches, paged in memory): a page number from
the user is clamped to the pages that exist, and a page costs one COUNT plus one SELECT (or, without a total, one
SELECT of size + 1 rows to know whether a next page exists). Case lists, which reach millions of rows, page by
keyset instead (`portal.domain.keyset`: no OFFSET, capped count); nothing else pages."""
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from portal.extensions import db


@dataclass
class Page:
    items: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    has_next: bool = False


def empty() -> Page:
    return Page()


def clamp(page: int | None, total: int, size: int) -> tuple[int, int]:
    """(page, pages): the pages `total` rows fill (at least one) and the asked page kept among them."""
    pages = max(-(-total // size), 1)
    return min(max(page or 1, 1), pages), pages


def paginate(query: Select, page: int | None, size: int, *, count: bool = True) -> Page:
    """`query` is ordered and carries its eager loads; `page` counts from 1 (anything else means the first page).
    With `count=False` no total is computed (the page knows only whether a next page exists)."""
    page = max(page or 1, 1)
    if not count:
        rows = list(db.session.scalars(query.limit(size + 1).offset((page - 1) * size)).unique())
        return Page(items=rows[:size], total=0, page=page, pages=page + (len(rows) > size),
                    has_next=len(rows) > size)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page, pages = clamp(page, total, size)
    items = list(db.session.scalars(query.limit(size).offset((page - 1) * size)).unique())
    return Page(items=items, total=total, page=page, pages=pages, has_next=page < pages)
