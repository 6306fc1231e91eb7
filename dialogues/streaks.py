"""Kind streaks, recomputed from the stored practice days (never just a counter).

A practice day is a local calendar day with at least one finished practice. A streak counts
practice days; one rest day in any seven keeps it alive, and today never counts as missed
while it is still today. Nothing here ever tells a parent they lost something.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

MILESTONES = (3, 7, 14, 30)
_DAY = timedelta(days=1)


def streak_ending(days: set[date], end: date) -> int:
    """Practice days in the run that ends on `end` (a rest day at `end` is allowed)."""
    if not days:
        return 0
    earliest = min(days)
    count = 0
    last_rest: date | None = None
    day = end
    while day >= earliest:
        if day in days:
            count += 1
        else:
            if last_rest is not None and (last_rest - day).days < 7:
                break
            last_rest = day
        day -= _DAY
    return count


def current_streak(days: Iterable[date], today: date) -> int:
    practice_days = set(days)
    start = today if today in practice_days else today - _DAY
    return streak_ending(practice_days, start)


def longest_streak(days: Iterable[date]) -> int:
    practice_days = set(days)
    return max((streak_ending(practice_days, d) for d in practice_days), default=0)


def milestone_reached(before: int, after: int) -> int | None:
    """The milestone crossed by going from `before` to `after` practice days, if any."""
    for milestone in MILESTONES:
        if before < milestone <= after:
            return milestone
    return None
