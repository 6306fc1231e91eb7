"""Sending within Telegram's limits, measured the way Telegram would: any one-second window.

PTB's `AIORateLimiter` uses a leaky bucket that lets a full bucket burst and refill within the
same second (measured: 60 sends in one sliding second at "30/s"), and it does not pace single
private chats. Tend wraps it with two sliding windows over message-sending calls: at most
`overall` in any second for the whole bot, and at most one per `chat_interval` per chat. Retries
on `retry_after` stay with the wrapped limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

MESSAGE_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVoice", "sendVideo", "sendAnimation",
    "sendSticker", "sendMediaGroup", "sendLocation", "sendContact", "sendPoll", "copyMessage", "forwardMessage",
    "editMessageText",
})


class SlidingWindow:
    """At most `limit` requests in any `period` seconds, as the *server* sees them.

    The server stamps a request somewhere between our sending it and our reading the answer,
    so a request occupies its slot from the moment it is admitted until `period` after it
    completed. Admitting only while (in flight + completed within `period`) < `limit` then
    guarantees no server-side window ever holds more than `limit`, whatever the network does.

    Waiters queue first come, first served, and a freed slot wakes exactly one of them. (The
    first version woke every waiter on every send; with 200 parents queued behind 30/s that
    was a fifth of the bot's CPU, BENCHMARKS.md.)
    """

    def __init__(self, limit: int, period: float = 1.0) -> None:
        self.limit = limit
        self.period = period
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def _occupied(self, now: float) -> int:
        while self._done and now - self._done[0] >= self.period:
            self._done.popleft()
        return self._in_flight + len(self._done)

    def _admit(self) -> None:
        """Hand free slots to waiters in arrival order; if some must wait on, wake up again
        when the oldest completed request leaves the window."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = time.monotonic()
        while self._waiters and self._occupied(now) < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter just leaves the queue
                self._in_flight += 1
                waiter.set_result(None)
        if self._waiters and self._done:
            delay = max(0.0, self.period - (now - self._done[0]))
            self._timer = asyncio.get_running_loop().call_later(delay, self._admit)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if not self._waiters and self._occupied(time.monotonic()) < self.limit:
            self._in_flight += 1
        else:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            self._admit()
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # admitted, then cancelled: give it back
                    self._in_flight -= 1
                    self._admit()
                raise
        try:
            yield
        finally:
            self._in_flight -= 1
            self._done.append(time.monotonic())
            self._admit()


class StrictRateLimiter(AIORateLimiter):
    def __init__(self, overall: int = 30, chat_interval: float = 1.0, max_retries: int = 2) -> None:
        super().__init__(overall_max_rate=30, overall_time_period=1, group_max_rate=20, group_time_period=60,
                         max_retries=max_retries)
        self._overall = SlidingWindow(overall, 1.0)
        self._chat_interval = chat_interval
        self._chats: dict[Any, SlidingWindow] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint not in MESSAGE_ENDPOINTS:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat_id = data.get("chat_id")
        chat_window = self._chats.setdefault(chat_id, SlidingWindow(1, self._chat_interval))
        if len(self._chats) > 10_000:  # forget idle chats; their windows have long passed
            self._chats = dict(list(self._chats.items())[-5_000:])
        async with chat_window.slot(), self._overall.slot():
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
