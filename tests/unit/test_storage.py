"""storage/: every repository function, on SQLite and on PostgreSQL, with the same code.

The databases are shared by the whole run (see tests/conftest.py), so each test works with its
own parents from `external_ids` and never assumes a table is otherwise empty.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import String, Text, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage.database import Database, default_url, normalise_url
from storage.models import (
    Base,
    ConversationState,
    CrisisEvent,
    Event,
    Outbox,
    PracticeSession,
    ProcessedUpdate,
    User,
)
from storage.outbox import CheckinQueue, Decision
from storage.repositories import (
    CrisisRepo,
    EventRepo,
    PracticeRepo,
    StateRepo,
    UpdateDedup,
    UserRepo,
    export_user,
    load_parent,
)
from tests.helpers import count_finished, crises_since, is_sqlite, open_practice, sync_url

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
NewId = Callable[[], int]


async def new_user(db: Database, external_id: int, now: datetime = NOW) -> User:
    async with db.session() as s:
        return await UserRepo(s).get_or_create(external_id, "en-US", now)


async def populate(db: Database, external_id: int) -> User:
    """A parent with at least one row in every table that holds rows per parent."""
    user = await new_user(db, external_id)
    async with db.session() as s:
        state = await StateRepo(s).load(user.id, NOW)
        state.dialogue, state.step, state.data = "practice", "step", {"pid": "soothing_touch", "i": 1}
        state.paused = {"dialogue": "offer", "step": "ask", "data": {}}
        await StateRepo(s).save(state, NOW)
        practices = PracticeRepo(s)
        done = await practices.start(user.id, "self_compassion_break", NOW, rating_before=7)
        await practices.finish(
            done.id, NOW + timedelta(minutes=3), rating_after=4, local_date=date(2026, 11, 24)
        )
        await practices.start(user.id, "soothing_touch", NOW + timedelta(minutes=10))
        await EventRepo(s).record(user.id, "message", "self_criticism", 0.91, NOW)
        await EventRepo(s).record(user.id, "button", None, None, NOW + timedelta(seconds=5))
        await CrisisRepo(s).record(user.id, "self_harm", "net", NOW)
        s.add(Outbox(user_id=user.id, kind="checkin", due_at=NOW, created_at=NOW))
    return user


async def rows_of(db: Database, user_id: int) -> dict[str, int]:
    """How many rows each table holds for this parent (users by id, the rest by user_id)."""
    counts: dict[str, int] = {}
    async with db.session() as s:
        for table in Base.metadata.sorted_tables:
            column = table.c.id if table.name == "users" else table.c.get("user_id")
            if column is None:
                continue
            counts[table.name] = (await s.execute(select(func.count()).where(column == user_id))).scalar_one()
    return counts


# -- schema ---------------------------------------------------------------------------------------


def test_no_column_can_hold_message_text() -> None:
    """Privacy by construction: no free-text column, nothing long enough for a message."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            assert not isinstance(column.type, Text), f"{table.name}.{column.name} is free text"
            assert column.name not in {"text", "message", "body", "content", "raw"}, column
            if isinstance(column.type, String):
                assert (column.type.length or 0) <= 64, f"{table.name}.{column.name} is long enough for prose"


def test_urls_get_async_drivers_and_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert normalise_url("postgresql://u:p%40ss@h:5432/tend") == "postgresql+asyncpg://u:p%40ss@h:5432/tend"
    assert normalise_url("postgres://u@h/tend") == "postgresql+asyncpg://u@h/tend"
    assert normalise_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert normalise_url("postgresql+asyncpg://u@h/tend") == "postgresql+asyncpg://u@h/tend"
    assert sync_url("postgresql+asyncpg://u@h/tend") == "postgresql://u@h/tend"
    assert sync_url("sqlite+aiosqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert is_sqlite("sqlite:///x.db") and not is_sqlite("postgresql://h/x")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/tend")
    assert default_url() == "postgresql+asyncpg://u@h/tend"
    monkeypatch.delenv("DATABASE_URL")
    assert default_url().startswith("sqlite+aiosqlite:///") and default_url().endswith("/var/tend.db")


@pytest.mark.asyncio
async def test_sqlite_connections_enforce_foreign_keys_and_wait_for_locks(
    new_database_url: Callable[[str], str],
) -> None:
    db = Database.from_url(new_database_url("sqlite"))
    try:
        async with db.session() as s:
            assert (await s.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await s.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await s.execute(text("PRAGMA busy_timeout"))).scalar_one() == 5000
    finally:
        await db.dispose()


@pytest.mark.asyncio
async def test_session_rolls_back_when_the_unit_of_work_fails(db: Database, external_ids: NewId) -> None:
    external_id = external_ids()
    with pytest.raises(RuntimeError):
        async with db.session() as s:
            await UserRepo(s).get_or_create(external_id, None, NOW)
            raise RuntimeError("the turn failed")
    async with db.session() as s:
        assert await UserRepo(s).get(external_id) is None


# -- users ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_or_create_is_idempotent_with_kind_defaults(db: Database, external_ids: NewId) -> None:
    external_id = external_ids()
    async with db.session() as s:
        assert await UserRepo(s).get(external_id) is None
        first = await UserRepo(s).get_or_create(external_id, "es-MX", NOW)
    async with db.session() as s:
        again = await UserRepo(s).get_or_create(external_id, "en", NOW + timedelta(hours=1))
        assert again.id == first.id
        assert (await UserRepo(s).by_id(first.id)) is again
        count = (await s.execute(select(func.count()).where(User.external_id == external_id))).scalar_one()
    assert count == 1
    assert again.telegram_language_code == "es-MX"  # the first contact's value; callers update it
    # No language until the parent chooses one: meanwhile they are spoken to in their app's language.
    assert (again.language, again.consent, again.facilitator_consent, again.onboarded, again.active) == (
        None,
        False,
        False,
        False,
        True,
    )
    assert (again.checkin_days, again.quiet_start, again.quiet_end, again.checkin_time) == (
        "0123456",
        "21:00",
        "08:00",
        None,
    )
    assert again.created_at == NOW and again.created_at.tzinfo is not None


@pytest.mark.asyncio
async def test_get_or_create_from_two_processes_at_once_makes_one_parent(
    db: Database, external_ids: NewId
) -> None:
    external_id = external_ids()

    async def first_message() -> int:
        async with db.session() as s:
            return (await UserRepo(s).get_or_create(external_id, None, NOW)).id

    ids = await asyncio.gather(*(first_message() for _ in range(6)))
    assert len(set(ids)) == 1


@pytest.mark.asyncio
async def test_datetimes_come_back_aware_utc_and_naive_ones_are_refused(
    db: Database, external_ids: NewId
) -> None:
    user = await new_user(db, external_ids())
    paris_evening = datetime(2026, 11, 24, 20, 0, tzinfo=timezone(timedelta(hours=1)))
    async with db.session() as s:
        (await UserRepo(s).by_id(user.id)).next_checkin_at = paris_evening  # type: ignore[union-attr]
    async with db.session() as s:
        stored = (await s.execute(select(User.next_checkin_at).where(User.id == user.id))).scalar_one()
    assert stored == paris_evening and stored.tzinfo == UTC and stored.hour == 19
    with pytest.raises(StatementError, match="naive"):
        async with db.session() as s:
            (await UserRepo(s).by_id(user.id)).paused_until = datetime(2026, 11, 25)  # type: ignore[union-attr]
            await s.flush()


@pytest.mark.asyncio
async def test_the_queue_claims_due_schedules_once_oldest_first(db: Database, external_ids: NewId) -> None:
    # Far-future instants keep other tests' parents (with no schedule) out of the picture.
    base = datetime(2090, 1, 1, tzinfo=UTC)
    early, late, blocked, later = [await new_user(db, external_ids()) for _ in range(4)]
    async with db.session() as s:
        repo = UserRepo(s)
        for user, at in (
            (early, base),
            (late, base + timedelta(minutes=5)),
            (blocked, base),
            (later, base + timedelta(days=1)),
        ):
            row = await repo.by_id(user.id)
            assert row is not None
            row.next_checkin_at = at
            row.followup_at = at
            row.active = user is not blocked
    claimed: list[int] = []
    followed: list[datetime] = []

    def decide(row: object, now: datetime) -> Decision:
        claimed.append(row.id)  # type: ignore[attr-defined]
        return Decision(False, now + timedelta(days=7))  # skip, and move the schedule on

    def in_time(due: datetime) -> bool:
        followed.append(due)
        return False

    queue = CheckinQueue(db)
    assert await queue.queue_due(base + timedelta(minutes=5), decide, in_time) == 0
    mine = {early.id, late.id, blocked.id, later.id}
    assert [i for i in claimed if i in mine] == [early.id, late.id]  # due, active, oldest first
    assert sorted(followed)[-2:] == [base, base + timedelta(minutes=5)]
    claimed.clear()
    await queue.queue_due(base + timedelta(minutes=5), decide, in_time)
    assert not [i for i in claimed if i in mine]  # the schedules moved on: claimed once
    async with db.session() as s:
        moved = await UserRepo(s).by_id(early.id)
        assert moved is not None and moved.next_checkin_at == base + timedelta(minutes=5) + timedelta(days=7)
        assert moved.followup_at is None


# -- conversation state ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_state_load_creates_idle_and_save_round_trips_with_version(
    db: Database, external_ids: NewId
) -> None:
    user = await new_user(db, external_ids())
    async with db.session() as s:
        state = await StateRepo(s).load(user.id, NOW)
        assert (state.dialogue, state.step, state.data, state.paused, state.version) == (
            "idle",
            "",
            {},
            None,
            0,
        )
        state.dialogue, state.step = "practice", "rate_before"
        state.data = {"sid": 12, "pid": "self_compassion_break", "i": 0}
        await StateRepo(s).save(state, NOW)
        assert state.version == 1
    async with db.session() as s:
        state = await StateRepo(s).load(user.id, NOW + timedelta(minutes=1))
        assert (state.dialogue, state.step, state.version) == ("practice", "rate_before", 1)
        assert state.data == {"sid": 12, "pid": "self_compassion_break", "i": 0}
        state.data["i"] = 1  # mutated in place: save must still store it
        state.paused = {"dialogue": "practice", "step": "step", "data": {"i": 1}}
        await StateRepo(s).save(state, NOW + timedelta(minutes=1))
    async with db.session() as s:
        state = await StateRepo(s).load(user.id, NOW)
        assert state.data["i"] == 1 and state.version == 2
        assert state.paused == {"dialogue": "practice", "step": "step", "data": {"i": 1}}
        assert state.updated_at == NOW + timedelta(minutes=1)
        await StateRepo(s).save(state, NOW + timedelta(minutes=2))  # unchanged still counts
    async with db.session() as s:
        assert (await StateRepo(s).load(user.id, NOW, lock=False)).version == 3


@pytest.mark.asyncio
async def test_two_turns_of_one_parent_do_not_lose_a_save(db: Database, external_ids: NewId) -> None:
    """Concurrent turns serialise (row lock on PostgreSQL, one writer on SQLite)."""
    user = await new_user(db, external_ids())
    async with db.session() as s:
        await StateRepo(s).save(await StateRepo(s).load(user.id, NOW), NOW)

    async def turn() -> None:
        async with db.session() as s:
            state = await StateRepo(s).load(user.id, NOW)
            state.data["n"] = state.data.get("n", 0) + 1
            await StateRepo(s).save(state, NOW)

    if db.dialect == "sqlite":
        for _ in range(5):  # SQLite has no row locks: the app runs one writer per parent there
            await turn()
    else:
        await asyncio.gather(*(turn() for _ in range(5)))
    async with db.session() as s:
        state = await StateRepo(s).load(user.id, NOW)
    assert state.data["n"] == 5 and state.version == 6


@pytest.mark.asyncio
async def test_load_parent_creates_on_first_contact_and_locks_the_state_after(
    db: Database, external_ids: NewId
) -> None:
    """The engine's one-query load: first contact makes both rows, later turns find them
    together, and two turns of one parent still serialise on PostgreSQL (the state row lock)."""
    external_id = external_ids()
    async with db.session() as s:
        user, state = await load_parent(s, external_id, "en-GB", NOW)
        assert user.external_id == external_id and state.user_id == user.id and state.dialogue == "idle"
        user_id = user.id
    async with db.session() as s:
        again, state = await load_parent(s, external_id, "en-GB", NOW)
        assert again.id == user_id and state.user_id == user_id
        assert (await s.execute(select(func.count()).select_from(User).where(User.external_id == external_id))
                ).scalar_one() == 1

    async def turn() -> None:
        async with db.session() as s:
            _, state = await load_parent(s, external_id, "en-GB", NOW)
            state.data["n"] = state.data.get("n", 0) + 1
            await StateRepo(s).save(state, NOW)

    if db.dialect == "sqlite":
        for _ in range(5):
            await turn()
    else:
        await asyncio.gather(*(turn() for _ in range(5)))
    async with db.session() as s:
        _, state = await load_parent(s, external_id, None, NOW)
    assert state.data["n"] == 5


# -- practices ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_practice_lifecycle(db: Database, external_ids: NewId) -> None:
    user = await new_user(db, external_ids())
    other = await new_user(db, external_ids())
    async with db.session() as s:
        repo = PracticeRepo(s)
        assert await open_practice(s, user.id) is None
        first = await repo.start(user.id, "self_compassion_break", NOW)
        assert first.id is not None and first.started_at == NOW
        assert (await open_practice(s, user.id)).id == first.id  # type: ignore[union-attr]
        await repo.set_rating_before(first.id, 8, user_id=user.id)
        finished = await repo.finish(
            first.id, NOW + timedelta(minutes=4), rating_after=5, local_date=date(2026, 11, 24)
        )
        assert await open_practice(s, user.id) is None
        second = await repo.start(user.id, "soothing_touch", NOW + timedelta(hours=1), rating_before=6)
        await repo.abandon(second.id, NOW + timedelta(hours=1, minutes=1))
        await repo.abandon(first.id, NOW + timedelta(hours=2))  # finished stays finished
        third = await repo.start(user.id, "kind_word", NOW + timedelta(hours=3))
        with pytest.raises(KeyError):
            await repo.finish(third.id, NOW, rating_after=3, user_id=other.id)  # not theirs
        with pytest.raises(KeyError):
            await repo.abandon(999_999_999, NOW)
    async with db.session() as s:
        repo = PracticeRepo(s)
        recent = await repo.recent(user.id, limit=10)
        assert [p.practice_id for p in recent] == ["kind_word", "soothing_touch", "self_compassion_break"]
        assert [p.practice_id for p in await repo.recent(user.id, limit=2)] == ["kind_word", "soothing_touch"]
        done = recent[2]
        assert (done.rating_before, done.rating_after, done.local_date) == (8, 5, date(2026, 11, 24))
        assert done.finished_at == finished.finished_at and done.abandoned_at is None
        assert recent[1].abandoned_at == NOW + timedelta(hours=1, minutes=1) and recent[1].finished_at is None
        assert (await open_practice(s, user.id)).id == third.id  # type: ignore[union-attr]
        window = await repo.finished_between(user.id, date(2026, 11, 23), date(2026, 11, 24))
        assert [p.id for p in window] == [first.id]
        assert await repo.finished_between(user.id, date(2026, 11, 25), date(2026, 11, 30)) == []
        assert await count_finished(s, user.id) == 1
        assert await repo.recent(other.id) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("column", ["rating_before", "rating_after"])
@pytest.mark.parametrize("rating", [-1, 11])
async def test_ratings_outside_0_to_10_are_refused_by_the_database(
    db: Database, external_ids: NewId, column: str, rating: int
) -> None:
    user = await new_user(db, external_ids())
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            s.add(PracticeSession(user_id=user.id, practice_id="x", started_at=NOW, **{column: rating}))
    async with db.session() as s:  # the edges are fine
        s.add(
            PracticeSession(
                user_id=user.id, practice_id="x", started_at=NOW, rating_before=0, rating_after=10
            )
        )


# -- events, crisis events, updates ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_events_are_recorded_and_purged_by_age(db: Database, external_ids: NewId) -> None:
    user = await new_user(db, external_ids())
    old_time = datetime(2001, 1, 1, tzinfo=UTC)  # older than anything other tests write
    async with db.session() as s:
        repo = EventRepo(s)
        old = await repo.record(user.id, "message", "overwhelm", 0.62, old_time)
        new = await repo.record(user.id, "command", None, None, NOW)
        assert old.id is None  # not flushed on its own: written with the unit of work
    assert old.id and new.id
    async with db.session() as s:
        rows = (
            (await s.execute(select(Event).where(Event.user_id == user.id).order_by(Event.id)))
            .scalars()
            .all()
        )
        assert [(e.kind, e.intent, e.confidence, e.created_at) for e in rows] == [
            ("message", "overwhelm", pytest.approx(0.62), old_time),
            ("command", None, None, NOW),
        ]
        assert await EventRepo(s).purge_before(datetime(2001, 1, 2, tzinfo=UTC)) >= 1
    async with db.session() as s:
        left = (await s.execute(select(Event.kind).where(Event.user_id == user.id))).scalars().all()
    assert left == ["command"]


@pytest.mark.asyncio
async def test_crisis_events_are_recorded(db: Database, external_ids: NewId) -> None:
    user = await new_user(db, external_ids())
    async with db.session() as s:
        await CrisisRepo(s).record(user.id, "self_harm", "net", NOW)
        await CrisisRepo(s).record(user.id, "child_at_risk", "nlu", NOW + timedelta(hours=2))
    async with db.session() as s:
        assert [(c.kind, c.layer) for c in await crises_since(s, user.id, NOW)] == [
            ("self_harm", "net"),
            ("child_at_risk", "nlu"),
        ]
        assert [c.kind for c in await crises_since(s, user.id, NOW + timedelta(hours=1))] == ["child_at_risk"]
        rows = (await s.execute(select(CrisisEvent).where(CrisisEvent.user_id == user.id))).scalars().all()
        assert {c.created_at for c in rows} == {NOW, NOW + timedelta(hours=2)}


@pytest.mark.asyncio
async def test_update_claimed_once(db: Database, external_ids: NewId) -> None:
    update_id = external_ids()
    async with db.session() as s:
        assert await UpdateDedup(s).claim(update_id, NOW) is True
        assert await UpdateDedup(s).claim(update_id, NOW) is False
    async with db.session() as s:
        assert await UpdateDedup(s).claim(update_id, NOW + timedelta(seconds=1)) is False
    rolled_back = external_ids()
    with pytest.raises(RuntimeError):
        async with db.session() as s:
            assert await UpdateDedup(s).claim(rolled_back, NOW) is True
            raise RuntimeError("handling failed")
    async with db.session() as s:  # a failed handling does not swallow the redelivery
        assert await UpdateDedup(s).claim(rolled_back, NOW) is True


@pytest.mark.asyncio
async def test_concurrent_claims_of_one_update_let_exactly_one_through(
    db: Database, external_ids: NewId
) -> None:
    update_id = external_ids()

    async def claim() -> bool:
        async with db.session() as s:
            return await UpdateDedup(s).claim(update_id, NOW)

    results = await asyncio.gather(*(claim() for _ in range(20)))
    assert results.count(True) == 1


@pytest.mark.asyncio
async def test_processed_updates_are_pruned_by_age(db: Database, external_ids: NewId) -> None:
    old_id, new_id = external_ids(), external_ids()
    async with db.session() as s:
        await UpdateDedup(s).claim(old_id, datetime(2000, 6, 1, tzinfo=UTC))
        await UpdateDedup(s).claim(new_id, NOW)
    async with db.session() as s:
        assert await UpdateDedup(s).prune(datetime(2000, 6, 2, tzinfo=UTC)) >= 1
        kept = set((await s.execute(select(ProcessedUpdate.update_id))).scalars())
    assert old_id not in kept and new_id in kept


# -- /delete and /mydata --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_delete_everything_erases_every_row_of_that_parent_only(
    db: Database, external_ids: NewId
) -> None:
    leaving = await populate(db, external_ids())
    staying = await populate(db, external_ids())
    before = await rows_of(db, staying.id)
    # The fixture must touch every per-parent table, or this test would prove nothing about it.
    assert all(count > 0 for count in before.values()), before
    assert all(count > 0 for count in (await rows_of(db, leaving.id)).values())

    async with db.session() as s:
        counts = await UserRepo(s).delete_everything(leaving.id)
    assert counts["users"] == 1 and counts["events"] == 2 and counts["practice_sessions"] == 2

    assert set(await rows_of(db, leaving.id)) == set(before)  # every per-parent table was checked
    assert all(count == 0 for count in (await rows_of(db, leaving.id)).values())
    assert await rows_of(db, staying.id) == before
    async with db.session() as s:
        assert await UserRepo(s).get(leaving.external_id) is None
        assert await UserRepo(s).get(staying.external_id) is not None


@pytest.mark.asyncio
async def test_delete_during_a_turn_then_saving_the_state_keeps_nothing(
    db: Database, external_ids: NewId
) -> None:
    """The engine saves the state after every turn, including the one that ran /delete."""
    user = await populate(db, external_ids())
    async with db.session() as s:
        found = await UserRepo(s).get_or_create(user.external_id, None, NOW)
        state = await StateRepo(s).load(found.id, NOW)
        await UserRepo(s).delete_everything(found.id)
        found.updated_at = NOW  # what the engine does at the end of a turn
        await StateRepo(s).save(state, NOW)
    assert all(count == 0 for count in (await rows_of(db, user.id)).values())


@pytest.mark.asyncio
async def test_deleting_the_user_row_cascades_in_the_database(db: Database, external_ids: NewId) -> None:
    user = await populate(db, external_ids())
    async with db.session() as s:
        await s.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
    assert all(count == 0 for count in (await rows_of(db, user.id)).values())


@pytest.mark.asyncio
async def test_export_user_is_complete_and_json_serialisable(db: Database, external_ids: NewId) -> None:
    user = await populate(db, external_ids())
    other = await populate(db, external_ids())
    async with db.session() as s:
        export = await export_user(s, user.id)
        assert await export_user(s, 999_999_999) == {}
    decoded = json.loads(json.dumps(export))
    per_parent = {t.name for t in Base.metadata.sorted_tables if "user_id" in t.c}
    assert set(decoded) == {"user"} | per_parent
    counts = await rows_of(db, user.id)
    for table in per_parent:
        assert len(decoded[table]) == counts[table], table
        assert all(row["user_id"] == user.id for row in decoded[table])
    assert decoded["user"]["external_id"] == user.external_id
    assert decoded["user"]["id"] == user.id != other.id
    assert decoded["user"]["created_at"] == NOW.isoformat()
    assert set(decoded["user"]) == set(User.__table__.c.keys())
    assert decoded["conversation_states"][0]["data"] == {"pid": "soothing_touch", "i": 1}
    assert decoded["conversation_states"][0]["paused"]["dialogue"] == "offer"
    finished = [p for p in decoded["practice_sessions"] if p["finished_at"]]
    assert finished[0]["local_date"] == "2026-11-24" and finished[0]["rating_after"] == 4
    assert {e["intent"] for e in decoded["events"]} == {"self_criticism", None}
    assert decoded["crisis_events"][0]["kind"] == "self_harm"
    assert set(decoded["events"][0]) == set(Event.__table__.c.keys())
    assert set(decoded["conversation_states"][0]) == set(ConversationState.__table__.c.keys())
