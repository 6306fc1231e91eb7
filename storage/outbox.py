"""The queue of pushes Tend owes parents (check-ins, follow-ups after a crisis): the SQL only.

Why a repository of its own: claiming due schedules and leasing outbox rows must be exactly-once
across restarts and processes (PostgreSQL: FOR UPDATE SKIP LOCKED, so processes take disjoint
rows; SQLite: one writer), and that is storage's job. Whether a due check-in should really go out
(quiet hours, a pause, a recent crisis) and when the next one falls are the dialogues' decision:
`queue_due` asks a `decide` callback for each claimed parent and writes the answer in the same
transaction, so a crash between deciding and queueing loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update

from storage.database import Database, take_write_lock
from storage.kinds import EventKind, PushKind
from storage.models import Outbox, User
from storage.repositories import EventRepo

#: What deciding on one due check-in needs; selecting columns, not whole rows, keeps claims cheap.
CLAIM_COLUMNS = (User.id, User.next_checkin_at, User.checkin_time, User.checkin_days, User.timezone,
                 User.paused_until, User.consent, User.nudges_quiet_until, User.quiet_start, User.quiet_end,
                 User.last_checkin_at)


@dataclass(frozen=True, slots=True)
class Decision:
    """The dialogues' answer for one due check-in: push it or not, and when the next one falls."""

    send: bool
    next_at: datetime | None


@dataclass(frozen=True, slots=True)
class Lease:
    """One outbox row leased to this process for sending."""

    outbox_id: int
    user_id: int
    external_id: int
    kind: PushKind
    #: The parent's chosen language (None until they choose) and their Telegram app's language:
    #: the push is written in the first Tend speaks (dialogues.replies.language_of).
    language: str | None
    telegram_language_code: str | None = None


class CheckinQueue:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue_due(self, now: datetime, decide: Callable[[Any, datetime], Decision],
                        followup_in_time: Callable[[datetime], bool], *, batch: int = 1000) -> int:
        """Advance every due schedule as `decide` says and queue what should be sent; the same for
        follow-ups, queued when `followup_in_time(due)`. Returns how many rows were queued."""
        queued = 0
        while True:
            async with self.db.session() as session:
                await take_write_lock(session)
                due_rows = (await session.execute(
                    select(*CLAIM_COLUMNS)
                    .where(User.active.is_(True), User.next_checkin_at.is_not(None), User.next_checkin_at <= now)
                    .order_by(User.next_checkin_at, User.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True, of=User)
                )).all()
                # Computed in Python, written in two bulk statements: row-by-row ORM flushes made
                # 100,000 due check-ins take 47 s on SQLite (BENCHMARKS.md).
                updates: list[dict[str, object]] = []
                outbox: list[dict[str, object]] = []
                for row in due_rows:
                    decision = decide(row, now)
                    updates.append({"id": row.id, "next_checkin_at": decision.next_at,
                                    "last_checkin_at": now if decision.send else row.last_checkin_at})
                    if decision.send:
                        outbox.append({"user_id": row.id, "kind": PushKind.CHECKIN, "due_at": row.next_checkin_at,
                                       "created_at": now, "attempts": 0})
                if updates:
                    await session.execute(update(User), updates)
                if outbox:
                    await session.execute(insert(Outbox), outbox)
                    queued += len(outbox)
                followups = list((await session.execute(
                    select(User)
                    .where(User.active.is_(True), User.followup_at.is_not(None), User.followup_at <= now)
                    .order_by(User.followup_at, User.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )).scalars())
                for user in followups:
                    due = user.followup_at
                    assert due is not None
                    user.followup_at = None
                    if followup_in_time(due):
                        session.add(Outbox(user_id=user.id, kind=PushKind.FOLLOWUP, due_at=due, created_at=now,
                                           attempts=0))
                        queued += 1
            if len(due_rows) < batch and len(followups) < batch:
                return queued

    async def lease(self, now: datetime, *, hold: timedelta, grace: timedelta, limit: int = 500) -> list[Lease]:
        """Lease unsent rows whose lease is free (or older than `hold`); rows gone stale past
        `grace`, or owed to a parent who blocked the bot, are closed without sending."""
        async with self.db.session() as session:
            await take_write_lock(session)
            query = (
                select(Outbox, User)
                .join(User, User.id == Outbox.user_id)
                .where(Outbox.sent_at.is_(None), or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < now - hold))
                .order_by(Outbox.due_at, Outbox.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=Outbox)
            )
            leases: list[Lease] = []
            for row, user in (await session.execute(query)).all():
                if now - row.due_at > grace or not user.active:
                    row.sent_at = now  # closed without sending: too late, or the parent blocked us
                    continue
                row.claimed_at = now
                row.attempts = (row.attempts or 0) + 1
                leases.append(Lease(row.id, user.id, user.external_id, row.kind, user.language,
                                      user.telegram_language_code))
            return leases

    async def mark_sent(self, leases: list[Lease], now: datetime) -> None:
        """Close the rows; a delivered check-in is recorded as an event (the programme report)."""
        if not leases:
            return
        async with self.db.session() as session:
            await session.execute(
                update(Outbox).where(Outbox.id.in_([x.outbox_id for x in leases])).values(sent_at=now)
            )
            for item in leases:
                if item.kind == PushKind.CHECKIN:
                    await EventRepo(session).record(item.user_id, EventKind.CHECKIN_SENT, None, None, now)

    async def release(self, leases: list[Lease]) -> None:
        """Give leases back (sending failed for a reason worth retrying)."""
        if not leases:
            return
        async with self.db.session() as session:
            await session.execute(
                update(Outbox).where(Outbox.id.in_([x.outbox_id for x in leases])).values(claimed_at=None)
            )
