"""Small repositories over one AsyncSession (one unit of work; the caller commits).

Rules that hold for every function here:
- Callers pass the time in (`now`, `at`): the app injects a clock, so tests and the scheduler
  decide what "now" is. Nothing here reads the system clock.
- Nothing here stores or accepts message text.
- Inserts that can race between processes (a new parent, a new conversation state, a Telegram
  update id) use INSERT … ON CONFLICT DO NOTHING, which both SQLite and PostgreSQL understand,
  so two processes doing the same thing at once end with one row and no error.
- On PostgreSQL, loading a conversation state locks its row until the unit of work ends, so two
  turns of the same parent (two processes, or a double tap) run one after the other instead of
  overwriting each other's state. SQLite has no row locks: it suits one bot process handling a
  chat's updates in order (python-telegram-bot's default), which is how Tend runs on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified, instance_dict

from storage.kinds import Dialogue
from storage.models import Base, ConversationState, CrisisEvent, Event, PracticeSession, ProcessedUpdate, User

#: session.info key: ids of parents erased in this unit of work (their objects must not be saved).
ERASED_USERS = "tend_erased_user_ids"


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert_ignoring_conflict(
    session: AsyncSession, table: Table, values: Mapping[str, Any], *keys: str
) -> Any:
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING keys, for the session's backend."""
    dialect = _dialect(session)
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - Tend runs on these two
        raise NotImplementedError(f"no conflict-tolerant insert for {dialect}")
    return (
        statement.values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(*(table.c[key] for key in keys))
    )


def _user_tables() -> list[Table]:
    """Every table with a row per parent (child tables, in an order safe to delete from)."""
    return [
        t for t in reversed(Base.metadata.sorted_tables) if "user_id" in t.c and t.name != User.__tablename__
    ]


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, external_id: int) -> User | None:
        """The parent with this Telegram (or console) id, if they have written before."""
        query = select(User).where(User.external_id == external_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_id(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def get_or_create(
        self, external_id: int, telegram_language_code: str | None, now: datetime
    ) -> User:
        """The parent, created on first contact with the defaults (no consent, not onboarded).

        Safe when two processes see the parent's first message at once: one row, no error.
        """
        user = await self.get(external_id)
        if user is not None:
            return user
        values = {
            "external_id": external_id,
            "telegram_language_code": telegram_language_code,
            "created_at": now,
            "updated_at": now,
        }
        await self.session.execute(
            _insert_ignoring_conflict(self.session, User.__table__, values, "external_id")
        )
        user = await self.get(external_id)
        if user is None:  # pragma: no cover - the row exists after the insert, ours or theirs
            raise RuntimeError("user vanished right after it was created")
        return user

    async def delete_everything(self, user_id: int) -> dict[str, int]:
        """Erase every row tied to the parent in every table, then the parent (for /delete).

        Child tables are emptied explicitly rather than trusting ON DELETE CASCADE, so the erase
        is complete even on a SQLite connection opened without foreign keys. Objects of this
        parent already loaded in the session are detached, and `StateRepo.save` skips them, so a
        turn that erases the parent can still finish normally. Returns rows deleted per table.
        """
        counts: dict[str, int] = {}
        for table in _user_tables():
            result = await self.session.execute(delete(table).where(table.c.user_id == user_id))
            counts[table.name] = int(result.rowcount or 0)
        result = await self.session.execute(delete(User).where(User.id == user_id))
        counts[User.__tablename__] = int(result.rowcount or 0)
        for obj in list(self.session.identity_map.values()):
            if (isinstance(obj, User) and obj.id == user_id) or getattr(obj, "user_id", None) == user_id:
                self.session.expunge(obj)
        self.session.info.setdefault(ERASED_USERS, set()).add(user_id)
        return counts

    async def mark_inactive(self, external_id: int) -> None:
        """The parent blocked the bot: nothing more is scheduled or sent to them."""
        user = await self.get(external_id)
        if user is not None:
            user.active = False
            user.next_checkin_at = None


class StateRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, user_id: int, now: datetime, *, lock: bool = True) -> ConversationState:
        """The parent's conversation state; an idle one is created the first time.

        With `lock` (the default) the row stays locked on PostgreSQL until the unit of work ends.
        """
        query = select(ConversationState).where(ConversationState.user_id == user_id)
        if lock:
            query = query.with_for_update()
        state = (await self.session.execute(query)).scalar_one_or_none()
        if state is not None:
            return state
        values = {
            "user_id": user_id,
            "dialogue": Dialogue.IDLE,
            "step": "",
            "data": {},
            "version": 0,
            "updated_at": now,
        }
        await self.session.execute(
            _insert_ignoring_conflict(self.session, ConversationState.__table__, values, "user_id")
        )
        state = (await self.session.execute(query)).scalar_one()
        return state

    async def save(self, state: ConversationState, now: datetime) -> None:
        """Store the state (JSON fields included even if mutated in place) and bump its version."""
        if state.user_id in self.session.info.get(ERASED_USERS, ()):
            return  # the parent asked to be erased during this turn: nothing of theirs is kept
        state.version = (state.version or 0) + 1
        state.updated_at = now
        self.session.add(state)
        loaded = instance_dict(state)
        for field in ("data", "paused"):
            if field in loaded:  # in-place changes to a JSON dict are invisible to the ORM
                flag_modified(state, field)
        await self.session.flush()


async def load_parent(
    session: AsyncSession, external_id: int, telegram_language_code: str | None, now: datetime
) -> tuple[User, ConversationState]:
    """The parent and their conversation state (locked on PostgreSQL) for one turn.

    A returning parent, nearly every turn, costs one joined query instead of two; only a first
    contact goes the long way round, creating the rows without racing another process.
    """
    query = (
        select(User, ConversationState)
        .join(ConversationState, ConversationState.user_id == User.id)
        .where(User.external_id == external_id)
        .with_for_update(of=ConversationState)
    )
    found = (await session.execute(query)).one_or_none()
    if found is not None:
        return found[0], found[1]
    user = await UserRepo(session).get_or_create(external_id, telegram_language_code, now)
    return user, await StateRepo(session).load(user.id, now)


class PracticeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(
        self, user_id: int, practice_id: str, now: datetime, *, rating_before: int | None = None
    ) -> PracticeSession:
        row = PracticeSession(
            user_id=user_id, practice_id=practice_id, started_at=now, rating_before=rating_before
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, session_id: int, *, user_id: int | None = None) -> PracticeSession:
        """The practice session; with `user_id`, only if it is that parent's (ids come from buttons)."""
        row = await self.session.get(PracticeSession, session_id)
        if row is None or (user_id is not None and row.user_id != user_id):
            raise KeyError(session_id)
        return row

    async def set_rating_before(self, session_id: int, rating: int, *, user_id: int | None = None) -> None:
        row = await self.get(session_id, user_id=user_id)
        row.rating_before = rating
        await self.session.flush()

    async def finish(
        self,
        session_id: int,
        now: datetime,
        *,
        rating_after: int | None = None,
        local_date: date | None = None,
        user_id: int | None = None,
    ) -> PracticeSession:
        """Mark the practice done; `local_date` is the parent's calendar day, for streaks."""
        row = await self.get(session_id, user_id=user_id)
        row.finished_at = now
        row.abandoned_at = None
        row.rating_after = rating_after
        row.local_date = local_date
        await self.session.flush()
        return row

    async def abandon(self, session_id: int, now: datetime, *, user_id: int | None = None) -> None:
        """The parent stopped part-way; a finished practice stays finished."""
        row = await self.get(session_id, user_id=user_id)
        if row.finished_at is None and row.abandoned_at is None:
            row.abandoned_at = now
            await self.session.flush()

    async def recent(self, user_id: int, limit: int = 10) -> list[PracticeSession]:
        """The latest practices, newest first, whatever their outcome."""
        query = (
            select(PracticeSession)
            .where(PracticeSession.user_id == user_id)
            .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def finished_between(self, user_id: int, start: date, end: date) -> list[PracticeSession]:
        """Finished practices whose local day is in [start, end], oldest first (streaks, /progress)."""
        query = (
            select(PracticeSession)
            .where(
                PracticeSession.user_id == user_id,
                PracticeSession.finished_at.is_not(None),
                PracticeSession.local_date >= start,
                PracticeSession.local_date <= end,
            )
            .order_by(PracticeSession.finished_at, PracticeSession.id)
        )
        return list((await self.session.execute(query)).scalars())


class EventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, user_id: int, kind: str, intent: str | None, confidence: float | None, at: datetime
    ) -> Event:
        """That the parent wrote, tapped or commanded something, and what it was understood as.

        Added to the unit of work, not flushed: nothing reads its id, and it goes out with the
        turn's one write of the parent's state instead of costing a flush of its own.
        """
        row = Event(user_id=user_id, kind=kind, intent=intent, confidence=confidence, created_at=at)
        self.session.add(row)
        return row

    async def purge_before(self, cutoff: datetime) -> int:
        """Retention: drop events older than `cutoff`; returns how many went."""
        result = await self.session.execute(delete(Event).where(Event.created_at < cutoff))
        return int(result.rowcount or 0)


class CrisisRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, user_id: int, kind: str, layer: str, at: datetime) -> CrisisEvent:
        """A handoff happened: its kind and the safety layer that caught it (net, nlu, ask)."""
        row = CrisisEvent(user_id=user_id, kind=kind, layer=layer, created_at=at)
        self.session.add(row)
        await self.session.flush()
        return row


class UpdateDedup:
    """Each Telegram update is handled once, even when several processes receive it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, update_id: int, now: datetime) -> bool:
        """True the first time this update id is claimed, False ever after (across processes).

        The claim belongs to the caller's unit of work: if that rolls back, so does the claim,
        and a redelivered update gets another chance.
        """
        values = {"update_id": update_id, "processed_at": now}
        statement = _insert_ignoring_conflict(self.session, ProcessedUpdate.__table__, values, "update_id")
        return (await self.session.execute(statement)).first() is not None

    async def prune(self, before: datetime) -> int:
        """Forget update ids older than `before` (Telegram stops redelivering after a day)."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return int(result.rowcount or 0)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export_user(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Everything stored about one parent, as JSON-ready data (for /mydata).

    Built from the table metadata rather than a hand-kept list, so a table added later with a
    `user_id` column is exported without anyone remembering to. Empty dict for an unknown id.
    """
    users = User.__table__
    row = (await session.execute(select(users).where(users.c.id == user_id))).mappings().first()
    if row is None:
        return {}
    export: dict[str, Any] = {"user": {key: _plain(value) for key, value in row.items()}}
    for table in sorted(_user_tables(), key=lambda t: t.name):
        order = [c for c in table.primary_key.columns]
        rows = (
            await session.execute(select(table).where(table.c.user_id == user_id).order_by(*order))
        ).mappings()
        export[table.name] = [{key: _plain(value) for key, value in r.items()} for r in rows]
    return export
