"""When the next check-in is due, computed in the parent's own time zone.

Local wall-clock times are converted with zoneinfo. In the spring-forward gap a time that does
not exist is moved forward by the gap (02:30 -> 03:30); in the fall-back repeat the first
occurrence (fold=0) is used, so each day gives exactly one check-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Schedulable(Protocol):
    checkin_time: str | None
    checkin_days: str | None
    timezone: str | None
    paused_until: datetime | None


def zone_of(name: str | None) -> ZoneInfo:
    """The parent's zone; an unknown or missing name falls back to UTC rather than failing a reply."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_instant(day: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day`'s date in `zone`, resolving gaps and folds."""
    naive = datetime.combine(day.date(), at)
    candidate = naive.replace(tzinfo=zone, fold=0)
    roundtrip = candidate.astimezone(UTC).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != naive:
        # Non-existent local time (spring forward): shift by the size of the gap.
        after = naive.replace(tzinfo=zone, fold=1)
        gap = after.utcoffset() - candidate.utcoffset()  # type: ignore[operator]
        candidate = (naive + abs(gap)).replace(tzinfo=zone)
    return candidate.astimezone(UTC)


def next_checkin(user: Schedulable, now: datetime, *, after: datetime | None = None) -> datetime | None:
    """The first check-in strictly after `after` (default: now) on an allowed weekday, or None."""
    if not user.checkin_time:
        return None
    hour, minute = (int(x) for x in user.checkin_time.split(":"))
    at = time(hour, minute)
    zone = zone_of(user.timezone)
    start = after or now
    if user.paused_until and user.paused_until > start:
        start = user.paused_until
    days = user.checkin_days or "0123456"
    local_start = start.astimezone(zone)
    for offset in range(15):
        day = local_start + timedelta(days=offset)
        if str(day.weekday()) not in days:
            continue
        instant = local_instant(day, at, zone)
        if instant > start:
            return instant
    return None
