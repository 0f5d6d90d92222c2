"""Counting limits that are not "requests per address": wrong query codes per tracking number, failed sign-ins
per user name. They share Flask-Limiter's storage (memory or Redis), so every worker sees the same counts.

`blocked(name, key, limits)` tells, before the attempt, whether to refuse and for how many seconds;
`count_failure(name, key, limits)` records a failed attempt. Successful attempts are never counted.
With RATELIMIT_ENABLED = False (limits enforced elsewhere, e.g. by a gateway) Flask-Limiter keeps no storage:
these counts are off too, and nothing is refused.
"""
import math
import time

from limits import parse_many

from portal.extensions import limiter


def _items(limits: str):
    return parse_many(limits)


def _strategy():
    return limiter.limiter if limiter.enabled else None


def blocked(name: str, key: str, limits: str) -> int | None:
    """Seconds until the next attempt is allowed, or None when an attempt may be made now."""
    strategy = _strategy()
    if strategy is None:
        return None
    waits = []
    for item in _items(limits):
        if not strategy.test(item, name, key):
            reset_at, _remaining = strategy.get_window_stats(item, name, key)
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def count_failure(name: str, key: str, limits: str) -> None:
    strategy = _strategy()
    if strategy is None:
        return
    for item in _items(limits):
        strategy.hit(item, name, key)


def retry_minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
