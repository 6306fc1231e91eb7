"""When a due check-in really goes out, and what it says: the decisions, over the queue in storage.

The queue (`storage/outbox.py`) claims due schedules and leases outbox rows exactly once across
restarts and processes. This module decides for each claimed parent: a check-in missed by more
than the grace period (downtime) is skipped, never sent late in a burst; so are check-ins in quiet
hours, while paused, within 24 h of a crisis handoff, or a second one on the same local day. Then
it moves the schedule to the next occurrence in the parent's own zone. `due` hands the bot what to
send (storage -> dialogues -> bot); `settle` records what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from dialogues import checkin
from dialogues.replies import Reply, language_of
from dialogues.schedule import next_checkin, zone_of
from storage.database import Database
from storage.outbox import CheckinQueue, Decision, Lease
from storage.repositories import UserRepo

GRACE = timedelta(hours=2)
LEASE = timedelta(minutes=5)

__all__ = [
    "GRACE",
    "LEASE",
    "ON_TIME",
    "Lease",
    "Push",
    "blocked",
    "due",
    "lease",
    "mark_sent",
    "queue_due",
    "release",
    "settle",
    "skip_reason",
]


def _hhmm(value: str) -> time:
    hour, minute = (int(x) for x in value.split(":"))
    return time(hour, minute)


def in_quiet_hours(user: Any, now: datetime) -> bool:
    """Quiet hours are local wall-clock times; a window may wrap midnight (21:00–08:00)."""
    if not user.quiet_start or not user.quiet_end:
        return False
    local = now.astimezone(zone_of(user.timezone)).time()
    start, end = _hhmm(user.quiet_start), _hhmm(user.quiet_end)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


#: Quiet hours keep Tend from surprising anyone at night, but a check-in at the very time the
#: parent chose (often late evening, once the children are asleep) is what they asked for and is
#: sent. Only a late one (the bot was down or busy) that would land in quiet hours is skipped.
ON_TIME = timedelta(minutes=10)


def skip_reason(user: Any, due: datetime, now: datetime) -> str | None:
    """Why this due check-in should not be sent, or None to send it."""
    if now - due > GRACE:
        return "missed"
    if not user.consent:
        return "no_consent"
    if user.paused_until is not None and user.paused_until > now:
        return "paused"
    if user.nudges_quiet_until is not None and user.nudges_quiet_until > now:
        return "after_crisis"
    if now - due > ON_TIME and in_quiet_hours(user, now):
        return "quiet_hours"
    if user.last_checkin_at is not None:
        zone = zone_of(user.timezone)
        if user.last_checkin_at.astimezone(zone).date() == now.astimezone(zone).date():
            return "already_today"
    return None


def decide(parent: Any, now: datetime) -> Decision:
    """For one claimed parent: send or skip, and the next occurrence in their zone."""
    due = parent.next_checkin_at
    return Decision(skip_reason(parent, due, now) is None, next_checkin(parent, now, after=max(due, now)))


def _followup_in_time(due: datetime, now: datetime) -> bool:
    return now - due <= GRACE


async def queue_due(db: Database, now: datetime, *, batch: int = 1000) -> int:
    """Advance every due schedule and queue what should be sent; returns how many were queued."""
    return await CheckinQueue(db).queue_due(now, decide, lambda due: _followup_in_time(due, now), batch=batch)


async def lease(db: Database, now: datetime, *, limit: int = 500) -> list[Lease]:
    """Lease unsent outbox rows for sending; rows gone stale past the grace are dropped."""
    return await CheckinQueue(db).lease(now, hold=LEASE, grace=GRACE, limit=limit)


async def mark_sent(db: Database, leases: list[Lease], now: datetime) -> None:
    await CheckinQueue(db).mark_sent(leases, now)


async def release(db: Database, leases: list[Lease]) -> None:
    """Give leases back (sending failed for a reason worth retrying)."""
    await CheckinQueue(db).release(leases)


@dataclass(frozen=True, slots=True)
class Push:
    """One message the bot owes a parent now: where it goes and what it says."""

    lease: Lease
    reply: Reply


async def due(db: Database, now: datetime, *, limit: int = 500) -> list[Push]:
    """The next pushes to deliver (already leased to this process), each with its words."""
    return [Push(item, checkin.push_for(item.kind, language_of(item.language, item.telegram_language_code))) for item in await lease(db, now, limit=limit)]


async def blocked(db: Database, external_id: int) -> None:
    """The one rule for a parent who blocked Tend, whether a reply or a push found out."""
    async with db.session() as session:
        await UserRepo(session).mark_inactive(external_id)


async def settle(db: Database, delivered: list[Lease], retry: list[Lease], now: datetime) -> None:
    """Close what went out (or can never go: a parent who blocked Tend) and hand back the rest."""
    await mark_sent(db, delivered, now)
    await release(db, retry)
