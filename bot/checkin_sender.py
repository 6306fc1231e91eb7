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

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.keyboards import inline_keyboard
from bot.privacy import hashed_id
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

    async def tick(self, bot: Bot) -> int:
        """One dispatcher pass; returns how many pushes were delivered."""
        if self._running.locked():
            return 0  # the previous tick is still sending: never overlap
        async with self._running:
            await queue_due(self.db, self.clock.now())
            delivered = 0
            while True:
                leases = await lease(self.db, self.clock.now())
                if not leases:
                    return delivered
                delivered += await self._send_all(bot, leases)

    async def _send_all(self, bot: Bot, leases: list[Lease]) -> int:
        semaphore = asyncio.Semaphore(self.concurrency)
        sent: list[Lease] = []
        retry: list[Lease] = []

        async def one(item: Lease) -> None:
            async with semaphore:
                outcome = await self._send(bot, item)
                (sent if outcome in ("sent", "blocked") else retry).append(item)

        await asyncio.gather(*(one(item) for item in leases))
        await mark_sent(self.db, sent, self.clock.now())
        await release(self.db, retry)
        return len(sent)

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
