"""Claiming due check-ins and follow-ups, exactly once, across restarts and processes.

Two steps, each its own transaction:

1. `queue_due`: lock the parents whose `next_checkin_at` (or `followup_at`) has come
   (PostgreSQL: FOR UPDATE SKIP LOCKED, so processes take disjoint rows; SQLite: one writer),
   move their schedule to the next occurrence in their own zone, and queue a row in the outbox
   when the nudge should really go out. Queue and schedule change commit together: a crash
   after this loses nothing.
2. `lease`: take unsent outbox rows whose lease is free, stamp the lease, commit; the caller
   sends and then calls `mark_sent`. A fresh lease keeps other processes away from the row.

A check-in missed by more than the grace period (downtime) is skipped, never sent late in a
burst; so are check-ins in quiet hours, while paused, within 24 h of a crisis handoff, or a
second one on the same local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import insert, or_, select, update

from dialogues.schedule import next_checkin, zone_of
from storage.database import Database, take_write_lock
from storage.models import Outbox, User
from storage.repositories import EventRepo, UserRepo

GRACE = timedelta(hours=2)

#: What deciding on one due check-in needs; selecting columns, not whole rows, keeps claims cheap.
_CLAIM_COLUMNS = (User.id, User.next_checkin_at, User.checkin_time, User.checkin_days, User.timezone,
                  User.paused_until, User.consent, User.nudges_quiet_until, User.quiet_start, User.quiet_end,
                  User.last_checkin_at)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Lease:
    outbox_id: int
    user_id: int
    external_id: int
    kind: str  # checkin | followup
    language: str



def _hhmm(value: str) -> time:
    hour, minute = (int(x) for x in value.split(":"))
    return time(hour, minute)


def in_quiet_hours(user: User, now: datetime) -> bool:
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


def skip_reason(user: User, due: datetime, now: datetime) -> str | None:
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


async def queue_due(db: Database, now: datetime, *, batch: int = 1000) -> int:
    """Advance every due schedule and queue what should be sent; returns how many were queued."""
    queued = 0
    while True:
        async with db.session() as session:
            await take_write_lock(session)
            users = (await session.execute(
                select(*_CLAIM_COLUMNS)
                .where(User.active.is_(True), User.next_checkin_at.is_not(None), User.next_checkin_at <= now)
                .order_by(User.next_checkin_at, User.id)
                .limit(batch)
                .with_for_update(skip_locked=True, of=User)
            )).all()
            # Computed in Python, written in two bulk statements: row-by-row ORM flushes made
            # 100,000 due check-ins take 47 s on SQLite (BENCHMARKS.md).
            updates: list[dict[str, object]] = []
            outbox: list[dict[str, object]] = []
            for user in users:
                due = user.next_checkin_at
                send = skip_reason(user, due, now) is None
                updates.append({"id": user.id, "next_checkin_at": next_checkin(user, now, after=max(due, now)),
                                "last_checkin_at": now if send else user.last_checkin_at})
                if send:
                    outbox.append({"user_id": user.id, "kind": "checkin", "due_at": due, "created_at": now,
                                   "attempts": 0})
            if updates:
                await session.execute(update(User), updates)
            if outbox:
                await session.execute(insert(Outbox), outbox)
                queued += len(outbox)
            followups = await UserRepo(session).due_followups(now, limit=batch)
            for user in followups:
                due = user.followup_at
                assert due is not None
                user.followup_at = None
                if now - due <= GRACE:
                    session.add(Outbox(user_id=user.id, kind="followup", due_at=due, created_at=now, attempts=0))
                    queued += 1
        if len(users) < batch and len(followups) < batch:
            return queued


async def lease(db: Database, now: datetime, *, limit: int = 500) -> list[Lease]:
    """Lease unsent outbox rows for sending; rows gone stale past the grace are dropped."""
    async with db.session() as session:
        await take_write_lock(session)
        query = (
            select(Outbox, User)
            .join(User, User.id == Outbox.user_id)
            .where(Outbox.sent_at.is_(None), or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < now - LEASE))
            .order_by(Outbox.due_at, Outbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Outbox)
        )
        leases: list[Lease] = []
        for row, user in (await session.execute(query)).all():
            if now - row.due_at > GRACE or not user.active:
                row.sent_at = now  # closed without sending: too late, or the parent blocked us
                continue
            row.claimed_at = now
            row.attempts = (row.attempts or 0) + 1
            leases.append(Lease(row.id, user.id, user.external_id, row.kind, user.language or "en"))
        return leases


async def mark_sent(db: Database, leases: list[Lease], now: datetime) -> None:
    if not leases:
        return
    async with db.session() as session:
        await session.execute(
            update(Outbox).where(Outbox.id.in_([x.outbox_id for x in leases])).values(sent_at=now)
        )
        for item in leases:
            if item.kind == "checkin":
                await EventRepo(session).record(item.user_id, "checkin_sent", None, None, now)


async def release(db: Database, leases: list[Lease]) -> None:
    """Give leases back (sending failed for a reason worth retrying)."""
    if not leases:
        return
    async with db.session() as session:
        await session.execute(
            update(Outbox).where(Outbox.id.in_([x.outbox_id for x in leases])).values(claimed_at=None)
        )
