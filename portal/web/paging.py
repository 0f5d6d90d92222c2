"""The page number a list view was asked for (`?page=`); the rule for pages is `portal.domain.paging`."""
from flask import request


def page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)
