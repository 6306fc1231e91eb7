"""Small repositories over one AsyncSession. Callers pass the time in: no clock reads here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.models import Base, ConversationState, CrisisEvent, Event, PracticeSession, ProcessedUpdate, User
from sqlalchemy.ext.asyncio import AsyncSession


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, external_id: int) -> User | None:
        return (await self.session.execute(select(User).where(User.external_id == external_id))).scalar_one_or_none()

    async def get_or_create(self, external_id: int, telegram_language_code: str | None, now: datetime) -> User:
        user = await self.get(external_id)
        if user is not None:
            return user
        user = User(external_id=external_id, telegram_language_code=telegram_language_code,
                    created_at=now, updated_at=now, language="en", consent=False, onboarded=False,
                    active=True, facilitator_consent=False, checkin_days="0123456",
                    quiet_start="21:00", quiet_end="08:00")
        try:
            async with self.session.begin_nested():
                self.session.add(user)
        except IntegrityError:  # another process created the same parent a moment ago
            user = await self.get(external_id)
            assert user is not None
        return user

    async def delete_everything(self, user_id: int) -> None:
        """Erase every row tied to the parent, child tables first (no reliance on cascades)."""
        for table in reversed(Base.metadata.sorted_tables):
            if "user_id" in table.c:
                await self.session.execute(delete(table).where(table.c.user_id == user_id))
        await self.session.execute(delete(User).where(User.id == user_id))


class StateRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, user_id: int, now: datetime) -> ConversationState:
        state = await self.session.get(ConversationState, user_id)
        if state is None:
            state = ConversationState(user_id=user_id, dialogue="idle", step="", data={}, paused=None,
                                      version=0, updated_at=now)
            self.session.add(state)
        return state

    async def save(self, state: ConversationState, now: datetime) -> None:
        state.version = (state.version or 0) + 1
        state.updated_at = now
        self.session.add(state)
        await self.session.flush()


class PracticeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, user_id: int, practice_id: str, now: datetime) -> PracticeSession:
        row = PracticeSession(user_id=user_id, practice_id=practice_id, started_at=now)
        self.session.add(row)
        await self.session.flush()
        return row

    async def _get(self, session_id: int) -> PracticeSession:
        row = await self.session.get(PracticeSession, session_id)
        if row is None:
            raise KeyError(session_id)
        return row

    async def set_rating_before(self, session_id: int, rating: int) -> None:
        (await self._get(session_id)).rating_before = rating

    async def finish(self, session_id: int, now: datetime, *, rating_after: int | None,
                     local_date: date | None) -> PracticeSession:
        row = await self._get(session_id)
        row.finished_at = now
        row.rating_after = rating_after
        row.local_date = local_date
        return row

    async def abandon(self, session_id: int, now: datetime) -> None:
        row = await self._get(session_id)
        if row.finished_at is None:
            row.abandoned_at = now

    async def recent(self, user_id: int, limit: int = 10) -> list[PracticeSession]:
        query = (select(PracticeSession).where(PracticeSession.user_id == user_id)
                 .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc()).limit(limit))
        return list((await self.session.execute(query)).scalars())

    async def finished_between(self, user_id: int, start: date, end: date) -> list[PracticeSession]:
        query = (select(PracticeSession).where(PracticeSession.user_id == user_id,
                                               PracticeSession.finished_at.is_not(None),
                                               PracticeSession.local_date >= start,
                                               PracticeSession.local_date <= end)
                 .order_by(PracticeSession.finished_at))
        return list((await self.session.execute(query)).scalars())


class EventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, user_id: int, kind: str, intent: str | None, confidence: float | None,
                     at: datetime) -> None:
        self.session.add(Event(user_id=user_id, kind=kind, intent=intent, confidence=confidence, created_at=at))

    async def purge_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(delete(Event).where(Event.created_at < cutoff))
        return int(result.rowcount or 0)


class CrisisRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, user_id: int, kind: str, layer: str, at: datetime) -> None:
        self.session.add(CrisisEvent(user_id=user_id, kind=kind, layer=layer, created_at=at))


class UpdateDedup:
    """Each Telegram update is handled once, even when several processes receive it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, update_id: int, now: datetime) -> bool:
        try:
            async with self.session.begin_nested():
                self.session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
        except IntegrityError:
            return False
        return True


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


async def export_user(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Everything stored about one parent, as JSON-ready data (for /mydata)."""
    user = await session.get(User, user_id)
    if user is None:
        return {}
    export: dict[str, Any] = {"user": {c.name: _plain(getattr(user, c.key)) for c in User.__table__.columns}}
    for model in (ConversationState, PracticeSession, Event, CrisisEvent):
        rows = (await session.execute(select(model).where(model.user_id == user_id))).scalars()
        export[model.__tablename__] = [
            {c.name: _plain(getattr(row, c.key)) for c in model.__table__.columns} for row in rows
        ]
    return export
