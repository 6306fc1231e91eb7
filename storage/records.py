"""One parent's records, as the dialogues need them: their practices, what happened, their data.

Why a narrow interface: dialogue modules used to take the turn's raw database session and build
repositories themselves, so domain code read as SQL plumbing and every test of a dialogue needed a
session. A `ParentRecords` is bound to one parent and the turn's unit of work (the engine opens
it, so everything a turn writes still commits or rolls back together); the dialogues call what
the product does ("start a practice", "record that a check-in was answered") and never see a
session, a repository or another parent's rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.kinds import EventKind
from storage.models import PracticeSession
from storage.report import programme_report
from storage.repositories import CrisisRepo, EventRepo, PracticeRepo, UserRepo, export_user

#: The first day any streak can count from.
EPOCH = date(1970, 1, 1)


class ParentRecords:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self._session = session
        self.user_id = user_id

    # -- practices ----------------------------------------------------------------------------------
    async def start_practice(self, practice_id: str, now: datetime) -> int:
        """A new practice session; returns its id (buttons carry it, so a stale tap is recognised)."""
        return (await PracticeRepo(self._session).start(self.user_id, practice_id, now)).id

    async def rate_before(self, session_id: int, rating: int) -> None:
        await PracticeRepo(self._session).set_rating_before(session_id, rating, user_id=self.user_id)

    async def finish_practice(self, session_id: int, now: datetime, rating_after: int | None,
                              local_date: date) -> None:
        await PracticeRepo(self._session).finish(session_id, now, rating_after=rating_after, local_date=local_date,
                                                 user_id=self.user_id)

    async def abandon_practice(self, session_id: int, now: datetime) -> None:
        await PracticeRepo(self._session).abandon(session_id, now, user_id=self.user_id)

    async def recent_practices(self, limit: int = 10) -> list[PracticeSession]:
        """The latest practices, newest first, whatever their outcome (for recommending)."""
        return await PracticeRepo(self._session).recent(self.user_id, limit=limit)

    async def finished_practices(self, until: date, since: date = EPOCH) -> list[PracticeSession]:
        """Finished practices by the parent's local day, oldest first (streaks, /progress)."""
        return await PracticeRepo(self._session).finished_between(self.user_id, since, until)

    # -- what happened ------------------------------------------------------------------------------
    async def record_event(self, kind: EventKind, at: datetime, intent: str | None = None,
                           confidence: float | None = None) -> None:
        await EventRepo(self._session).record(self.user_id, kind, intent, confidence, at)

    async def record_crisis(self, kind: str, layer: str, at: datetime) -> None:
        await CrisisRepo(self._session).record(self.user_id, kind, layer, at)

    async def programme_report(self, now: datetime) -> dict[str, Any]:
        """/stats for an admin: counts over the whole programme, read in this turn's unit of work
        (the one read that is not this parent's own; cells under 5 parents are suppressed)."""
        return await programme_report(self._session, now)

    # -- their data ---------------------------------------------------------------------------------
    async def export(self) -> dict[str, Any]:
        """Everything stored about the parent, for /mydata."""
        return await export_user(self._session, self.user_id)

    async def delete_everything(self) -> dict[str, int]:
        """/delete: every row about the parent, in every table."""
        return await UserRepo(self._session).delete_everything(self.user_id)
