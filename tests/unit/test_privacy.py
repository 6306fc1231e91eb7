"""No message text in the database or the logs, after a whole conversation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.conversation import Conversation
from dialogues.clock import FixedClock
from dialogues.engine import Engine
from dialogues.events import UserRef
from nlu.understanding import Understander
from storage.database import Database
from storage.migrate import upgrade_to_head
from tests.fakes.fake_nlu import FakeNlu

# Distinctive words a parent might write; none of them may appear anywhere afterwards.
SECRET_WORDS = ["quillaberry", "zanzibarite", "marmalotte", "fernwhistle"]


async def test_full_scenario_leaves_no_text_in_database_or_logs(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "privacy.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_to_head(url)
    db = Database.from_url(url)
    conversation = Conversation(Engine(db, FixedClock(datetime(2026, 11, 24, 12, tzinfo=UTC))),
                                Understander(FakeNlu()))
    who = UserRef(5151, "en-US")
    await conversation.command(who, "start")
    await conversation.button(who, "ob:consent:yes")
    await conversation.button(who, "ob:country:US")
    await conversation.text(who, "America/Chicago")
    await conversation.text(who, "skip")
    await conversation.text(who, f"I yelled at {SECRET_WORDS[0]} again, I'm a terrible mum")
    await conversation.button(who, "of:yes:self_compassion_break")
    await conversation.text(who, "7")
    await conversation.text(who, f"I would tell a friend {SECRET_WORDS[1]} is doing her best")
    await conversation.text(who, "stop")
    await conversation.text(who, f"everything is too much, {SECRET_WORDS[2]} again")
    await conversation.text(who, f"i want to die, {SECRET_WORDS[3]}")
    await db.dispose()

    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("privacy.db"))
    logs = caplog.text
    for word in SECRET_WORDS:
        assert word.encode() not in stored, word
        assert word not in logs, word
    assert b"terrible" not in stored


async def test_retention_purges_old_events(tmp_path) -> None:

    from sqlalchemy import func, select

    from bot.runtime import AppRuntime
    from bot.settings import Settings
    from storage.models import Event

    url = f"sqlite+aiosqlite:///{tmp_path / 'retention.db'}"
    clock = FixedClock(datetime(2026, 11, 24, 12, tzinfo=UTC))
    runtime = AppRuntime(Settings(database_url=url, event_retention_days=30), clock=clock)
    await upgrade_to_head(url)
    who = UserRef(6161, "en-GB")
    runtime.conversation = Conversation(runtime.engine, Understander(FakeNlu()))
    await runtime.conversation.command(who, "start")
    await runtime.conversation.button(who, "ob:consent:yes")
    await runtime.conversation.text(who, "hello")
    clock.advance(days=31)
    await runtime.conversation.text(who, "hello again")
    assert await runtime.purge_old_data() >= 2
    async with runtime.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Event))).scalar_one() == 1
    await runtime.db.dispose()
    await runtime.client.aclose()
