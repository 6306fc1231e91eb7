"""Pushing queued check-ins and follow-ups to Telegram from an APScheduler job.

Every `interval` seconds (CHECKIN_INTERVAL, default 30) each bot process queues what is due
and sends what it leased. Sends go through the Application's bot, whose `StrictRateLimiter`
keeps the overall rate at Telegram's 30 messages per second; each chat gets at most one push
per tick, well under one per second per chat. A 429 is honoured (`retry_after`), a blocked
parent is marked inactive and no longer scheduled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.keyboards import inline_keyboard
from bot.log_ids import hashed_id
from dialogues import checkin
from dialogues.checkin_dispatcher import Lease, lease, mark_sent, queue_due, release
from dialogues.clock import Clock
from dialogues.crisis_resources import crisis_text
from dialogues.replies import Reply, load_texts
from storage.database import Database
from storage.repositories import UserRepo

log = logging.getLogger(__name__)


def render(item: Lease) -> Reply:
    texts = load_texts(item.language)
    if item.kind == "followup":
        return Reply(crisis_text("followup_message", item.language))
    return checkin.prompt(texts)




class CheckinSender:
    def __init__(self, db: Database, clock: Clock, *, concurrency: int = 30) -> None:
        self.db = db
        self.clock = clock
        self.concurrency = concurrency
        self._running = asyncio.Lock()

    async def tick(self, bot: Bot, keep_going: Callable[[], bool] = lambda: True) -> int:
        """One dispatcher pass; returns how many pushes were delivered.

        A pass over a deep outbox can last an hour at 30/s, so it asks `keep_going` (the
        Application still running) between chunks: a SIGTERM stops it within about a second,
        with what was delivered marked sent and the rest handed back at once.
        """
        if self._running.locked():
            return 0  # the previous tick is still sending: never overlap
        async with self._running:
            await queue_due(self.db, self.clock.now())
            delivered = 0
            while keep_going():
                leases = await lease(self.db, self.clock.now())
                if not leases:
                    break
                delivered += await self._send_all(bot, leases, keep_going)
            return delivered

    async def _send_all(self, bot: Bot, leases: list[Lease], keep_going: Callable[[], bool]) -> int:
        """Keep `concurrency` sends in flight and record outcomes every `concurrency` results:
        at most one such batch is ever delivered but not yet marked sent (measured before: 650
        after a SIGTERM, each of which would have gone out again when its lease expired)."""
        in_flight: set[asyncio.Task[tuple[Lease, str]]] = set()
        finished: list[tuple[Lease, str]] = []
        delivered = 0

        async def send(item: Lease) -> tuple[Lease, str]:
            return item, await self._send(bot, item)

        async def record() -> None:
            nonlocal delivered, finished
            batch, finished = finished, []
            await mark_sent(self.db, [item for item, outcome in batch if outcome in ("sent", "blocked")],
                            self.clock.now())
            await release(self.db, [item for item, outcome in batch if outcome == "retry"])
            delivered += sum(1 for _, outcome in batch if outcome == "sent")

        for index, item in enumerate(leases):
            if len(in_flight) >= self.concurrency:
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                finished.extend(task.result() for task in done)
                if len(finished) >= self.concurrency:
                    await record()
            if not keep_going():
                await release(self.db, leases[index:])
                break
            in_flight.add(asyncio.create_task(send(item)))
        if in_flight:
            finished.extend(task.result() for task in (await asyncio.wait(in_flight))[0])
        await record()
        return delivered

    async def _send(self, bot: Bot, item: Lease) -> str:
        reply = render(item)
        for _attempt in range(3):
            try:
                await bot.send_message(item.external_id, reply.text, reply_markup=inline_keyboard(reply))
                return "sent"
            except RetryAfter as exc:
                delay = exc.retry_after
                await asyncio.sleep(delay if isinstance(delay, (int, float)) else delay.total_seconds())
            except Forbidden:
                async with self.db.session() as session:
                    user = await UserRepo(session).get(item.external_id)
                    if user is not None:
                        user.active = False
                        user.next_checkin_at = None
                log.info("chat %s blocked the bot; no more check-ins", hashed_id(item.external_id))
                return "blocked"
            except BadRequest as exc:
                log.warning("check-in to %s refused: %s", hashed_id(item.external_id), exc.message)
                return "blocked"
            except (TimedOut, NetworkError):
                await asyncio.sleep(1)
        return "retry"
