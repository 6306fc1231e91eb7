"""The check-in dispatcher with a controllable clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dialogues.checkin_dispatcher import GRACE, ON_TIME, lease, mark_sent, queue_due
from dialogues.schedule import next_checkin
from storage.database import Database
from storage.models import Outbox, User
from storage.repositories import UserRepo

NOW = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)


@pytest.fixture
def db(fresh_db: Database) -> Database:
    """Dispatchers act on every due parent in the database, so each test gets its own."""
    return fresh_db


@pytest.fixture
def database_url(fresh_database_url: str) -> str:
    return fresh_database_url


async def make_parent(db: Database, external_id: int, *, zone: str = "Europe/London", at: str = "19:00",
                      now: datetime = NOW, **fields: object) -> int:
    async with db.session() as s:
        user = await UserRepo(s).get_or_create(external_id, None, now)
        user.consent, user.onboarded, user.timezone, user.checkin_time = True, True, zone, at
        for key, value in fields.items():
            setattr(user, key, value)
        user.next_checkin_at = fields.get("next_checkin_at") or next_checkin(user, now)  # type: ignore[assignment]
        return user.id


async def outbox_count(db: Database, user_id: int | None = None) -> int:
    async with db.session() as s:
        query = select(func.count()).select_from(Outbox)
        if user_id is not None:
            query = query.where(Outbox.user_id == user_id)
        return int((await s.execute(query)).scalar_one())


async def test_due_and_not_due_across_zones(db: Database, external_ids) -> None:
    # 18:00 UTC is 19:00 in London (due) and 14:00 in New York (not due yet).
    london = await make_parent(db, external_ids(), zone="Europe/London", at="19:00",
                               next_checkin_at=NOW - timedelta(minutes=1))
    new_york = await make_parent(db, external_ids(), zone="America/New_York", at="19:00")
    await queue_due(db, NOW)
    assert await outbox_count(db, london) == 1
    assert await outbox_count(db, new_york) == 0
    async with db.session() as s:
        user = await s.get(User, london)
        assert user is not None and user.next_checkin_at is not None
        assert user.next_checkin_at - NOW > timedelta(hours=20)  # moved on to tomorrow


async def test_missed_by_more_than_grace_is_skipped_not_sent(db: Database, external_ids) -> None:
    late = await make_parent(db, external_ids(), next_checkin_at=NOW - GRACE - timedelta(minutes=1))
    recent = await make_parent(db, external_ids(), next_checkin_at=NOW - GRACE + timedelta(minutes=5))
    await queue_due(db, NOW)
    assert await outbox_count(db, late) == 0
    assert await outbox_count(db, recent) == 1


async def test_a_check_in_at_the_chosen_time_is_sent_even_inside_quiet_hours(db: Database, external_ids) -> None:
    chosen = await make_parent(db, external_ids(), quiet_start="17:00", quiet_end="08:00",
                               next_checkin_at=NOW - timedelta(minutes=1))
    late = await make_parent(db, external_ids(), quiet_start="17:00", quiet_end="08:00",
                             next_checkin_at=NOW - ON_TIME - timedelta(minutes=1))
    await queue_due(db, NOW)
    assert await outbox_count(db, chosen) == 1
    assert await outbox_count(db, late) == 0  # late and at night: skipped, not a surprise


async def test_quiet_hours_pause_and_crisis_quiet_skip(db: Database, external_ids) -> None:
    due = NOW - timedelta(minutes=1)
    quiet = await make_parent(db, external_ids(), quiet_start="17:00", quiet_end="08:00",
                              next_checkin_at=NOW - ON_TIME - timedelta(minutes=5))
    paused = await make_parent(db, external_ids(), paused_until=NOW + timedelta(days=2), next_checkin_at=due)
    after_crisis = await make_parent(db, external_ids(), nudges_quiet_until=NOW + timedelta(hours=3),
                                     next_checkin_at=due)
    await queue_due(db, NOW)
    for user_id in (quiet, paused, after_crisis):
        assert await outbox_count(db, user_id) == 0


async def test_no_second_nudge_the_same_day(db: Database, external_ids) -> None:
    user_id = await make_parent(db, external_ids(), next_checkin_at=NOW - timedelta(minutes=1),
                                last_checkin_at=NOW - timedelta(hours=3))
    await queue_due(db, NOW)
    assert await outbox_count(db, user_id) == 0


async def test_restart_between_claim_and_send_loses_nothing_sends_once(db: Database, external_ids) -> None:
    user_id = await make_parent(db, external_ids(), next_checkin_at=NOW - timedelta(minutes=1))
    await queue_due(db, NOW)
    # "Restart": nothing in memory survives; a new pass queues nothing more and leases the row.
    await queue_due(db, NOW + timedelta(seconds=30))
    assert await outbox_count(db, user_id) == 1
    leases = [x for x in await lease(db, NOW + timedelta(seconds=30)) if x.user_id == user_id]
    assert len(leases) == 1
    assert [x for x in await lease(db, NOW + timedelta(seconds=31)) if x.user_id == user_id] == []
    await mark_sent(db, leases, NOW + timedelta(seconds=32))
    assert [x for x in await lease(db, NOW + timedelta(hours=1)) if x.user_id == user_id] == []


async def test_blocked_parent_is_not_leased(db: Database, external_ids) -> None:
    user_id = await make_parent(db, external_ids(), next_checkin_at=NOW - timedelta(minutes=1))
    await queue_due(db, NOW)
    async with db.session() as s:
        user = await s.get(User, user_id)
        assert user is not None
        user.active = False
    assert [x for x in await lease(db, NOW) if x.user_id == user_id] == []


@pytest.mark.parametrize("count", [1000])
async def test_two_dispatchers_claim_each_checkin_once(database_url: str, count: int, external_ids) -> None:
    """Two processes' worth of dispatchers (separate engines) on one database."""
    from storage.migrate import upgrade_to_head

    await upgrade_to_head(database_url)
    first, second = Database.from_url(database_url), Database.from_url(database_url)
    try:
        ids = [await make_parent(first, external_ids(), next_checkin_at=NOW - timedelta(minutes=1))
               for _ in range(count)]
        import asyncio

        await asyncio.gather(queue_due(first, NOW, batch=100), queue_due(second, NOW, batch=100))
        leased = await asyncio.gather(lease(first, NOW, limit=10_000), lease(second, NOW, limit=10_000))
        mine = set(ids)
        got = [x.user_id for batch in leased for x in batch if x.user_id in mine]
        assert sorted(got) == sorted(ids)  # every parent once, none twice
    finally:
        await first.dispose()
        await second.dispose()
