"""End-to-end fixtures: the real python-telegram-bot Application polling a local fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from telegram.ext import Application

from bot.conversation import Conversation
from bot.telegram_app import build_application
from dialogues.clock import FixedClock
from dialogues.engine import Engine
from nlu.understanding import Understander
from storage.database import Database
from storage.migrate import upgrade_to_head
from tests.fakes.fake_nlu import FakeNlu
from tests.fakes.telegram_server import FakeTelegramServer


@dataclass
class RunningBot:
    server: FakeTelegramServer
    db: Database
    nlu: FakeNlu
    clock: FixedClock
    application: Application | None = None
    started: list[Application] = field(default_factory=list)

    async def start(self) -> None:
        conversation = Conversation(Engine(self.db, self.clock, retry_delay=0.01), Understander(self.nlu))
        app = build_application(self.server.token, conversation, base_url=self.server.base_url,
                                base_file_url=self.server.base_file_url)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
        self.application = app

    async def stop(self) -> None:
        app, self.application = self.application, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def running_bot(telegram: FakeTelegramServer, fresh_database_url: str) -> AsyncIterator[RunningBot]:
    """The real Application, on SQLite and on PostgreSQL."""
    url = fresh_database_url
    await upgrade_to_head(url)
    db = Database.from_url(url)
    bot = RunningBot(telegram, db, FakeNlu(), FixedClock(datetime(2026, 11, 24, 18, 0, tzinfo=UTC)))
    await bot.start()
    yield bot
    await bot.stop()
    await db.dispose()


async def settle(seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)
