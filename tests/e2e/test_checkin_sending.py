"""Check-ins pushed through the real Bot (with StrictRateLimiter) to the fake Bot API server."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from telegram.ext import ExtBot

from bot.checkin_sender import CheckinSender
from bot.rate_limit import StrictRateLimiter
from dialogues.clock import FixedClock
from dialogues.schedule import next_checkin
from storage.database import Database
from storage.migrate import upgrade_to_head
from storage.models import User
from storage.repositories import UserRepo
from tests.fakes.telegram_server import FakeTelegramServer

pytestmark = pytest.mark.e2e
NOW = datetime(2026, 6, 10, 18, 0, 30, tzinfo=UTC)


async def seed(db: Database, ids: list[int]) -> None:
    async with db.session() as session:
        for external_id in ids:
            user = await UserRepo(session).get_or_create(external_id, None, NOW)
            user.consent, user.onboarded, user.timezone, user.checkin_time = True, True, "Europe/London", "19:00"
            user.next_checkin_at = NOW - timedelta(seconds=30)


@pytest.fixture
async def setup(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'push.db'}"
    await upgrade_to_head(url)
    db = Database.from_url(url)
    server = FakeTelegramServer()
    await server.start()
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=StrictRateLimiter())
    await bot.initialize()
    yield db, server, bot
    await bot.shutdown()
    await server.stop()
    await db.dispose()


async def test_each_due_checkin_once_and_never_above_30_per_second(setup) -> None:
    db, server, bot = setup
    ids = list(range(700_000, 700_090))
    await seed(db, ids)
    sender = CheckinSender(db, FixedClock(NOW))
    delivered = await sender.tick(bot)
    assert delivered == len(ids)
    per_chat = Counter(s.chat_id for s in server.sent if s.method == "sendMessage")
    assert set(per_chat) == set(ids) and set(per_chat.values()) == {1}
    assert server.max_sends_per_second() <= 30
    assert max(server.max_sends_per_second(chat) for chat in ids) == 1
    assert "How are you doing today" in server.sent[0].text
    # a second tick the same minute sends nothing more
    assert await sender.tick(bot) == 0


async def test_blocked_parent_is_marked_inactive_and_not_rescheduled(setup) -> None:
    db, server, bot = setup
    await seed(db, [710_001])
    server.block_user(710_001)
    await CheckinSender(db, FixedClock(NOW)).tick(bot)
    async with db.session() as session:
        user = await UserRepo(session).get(710_001)
        assert user is not None and user.active is False and user.next_checkin_at is None


async def test_retry_after_is_honoured(setup) -> None:
    db, server, bot = setup
    await seed(db, [720_001])
    server.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=720_001)
    assert await CheckinSender(db, FixedClock(NOW)).tick(bot) == 1
    assert len(server.messages_to(720_001)) == 1


async def test_dst_and_next_occurrence_after_sending(setup) -> None:
    db, server, bot = setup
    await seed(db, [730_001])
    await CheckinSender(db, FixedClock(NOW)).tick(bot)
    async with db.session() as session:
        user = await UserRepo(session).get(730_001)
        assert user is not None
        assert user.next_checkin_at == next_checkin(user, NOW, after=NOW)
        assert isinstance(user, User)


async def test_stopping_mid_tick_marks_what_went_and_hands_back_the_rest(setup) -> None:
    """A SIGTERM during a deep outbox: nothing delivered may go out again, nothing left stuck."""
    from sqlalchemy import select

    from storage.models import Outbox

    db, server, bot = setup
    ids = list(range(730_000, 730_075))
    await seed(db, ids)
    sender = CheckinSender(db, FixedClock(NOW), concurrency=30)
    delivered = await sender.tick(bot, keep_going=lambda: len(server.sent) < 30)
    assert 30 <= delivered < 60  # the sends in flight finished, no new ones started
    async with db.session() as session:
        rows = list((await session.execute(select(Outbox))).scalars())
    sent_chats = {s.chat_id for s in server.sent if s.method == "sendMessage"}
    assert sum(1 for r in rows if r.sent_at is not None) == len(sent_chats) == delivered
    assert all(r.claimed_at is None for r in rows if r.sent_at is None)  # free for the next process now
    # the next pass (a restarted process) sends only the others, each once
    assert await CheckinSender(db, FixedClock(NOW)).tick(bot) == len(ids) - delivered
    per_chat = Counter(s.chat_id for s in server.sent if s.method == "sendMessage")
    assert set(per_chat) == set(ids) and set(per_chat.values()) == {1}


async def test_the_application_stops_promptly_while_its_job_is_sending(setup) -> None:
    """The real Application's check-in job over a deep outbox: stop() must not wait for it to
    drain (300 at 30/s is 10 s), and what went out is marked sent."""
    import asyncio
    import time

    from sqlalchemy import select

    from bot.conversation import Conversation
    from bot.telegram_app import build_application
    from dialogues.engine import Engine
    from nlu.understanding import Understander
    from storage.models import Outbox
    from tests.fakes.fake_nlu import FakeNlu

    db, server, _ = setup
    ids = list(range(740_000, 740_300))
    await seed(db, ids)
    clock = FixedClock(NOW)
    app = build_application(server.token, Conversation(Engine(db, clock), Understander(FakeNlu())),
                            base_url=server.base_url, checkin_sender=CheckinSender(db, clock), checkin_interval=60)
    await app.initialize()
    await app.start()
    deadline = time.monotonic() + 20
    while len(server.sent) < 40 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    started = time.monotonic()
    await app.stop()
    stopped_in = time.monotonic() - started
    await app.shutdown()
    assert stopped_in < 3
    delivered = {s.chat_id for s in server.sent if s.method == "sendMessage"}
    assert 40 <= len(delivered) < len(ids)
    async with db.session() as session:
        rows = list((await session.execute(select(Outbox))).scalars())
    assert sum(1 for r in rows if r.sent_at is not None) == len(delivered)
    assert all(r.claimed_at is None for r in rows if r.sent_at is None)
