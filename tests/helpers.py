"""Queries and URL helpers that only the tests need.

Production code never asks these questions, so they live here rather than in `storage/`: a
repository method or a URL helper with no caller in the app is one more thing to keep working.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import URL, func, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import normalise_url
from storage.models import CrisisEvent, PracticeSession


# -- URLs -----------------------------------------------------------------------------------------
def sync_url(url: str | URL) -> str:
    """The URL with the backend's synchronous driver (psycopg2 / pysqlite), for psql-like tools."""
    parsed = make_url(normalise_url(url))
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=False)


def is_sqlite(url: str | URL) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


# -- queries --------------------------------------------------------------------------------------
async def open_practice(session: AsyncSession, user_id: int) -> PracticeSession | None:
    """The parent's latest practice neither finished nor abandoned, if any."""
    query = (
        select(PracticeSession)
        .where(
            PracticeSession.user_id == user_id,
            PracticeSession.finished_at.is_(None),
            PracticeSession.abandoned_at.is_(None),
        )
        .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def count_finished(session: AsyncSession, user_id: int) -> int:
    """How many practices the parent has finished."""
    query = select(func.count()).where(
        PracticeSession.user_id == user_id, PracticeSession.finished_at.is_not(None)
    )
    return int((await session.execute(query)).scalar_one())


async def crises_since(session: AsyncSession, user_id: int, since: datetime) -> list[CrisisEvent]:
    """The parent's crisis events at or after `since`, oldest first."""
    query = (
        select(CrisisEvent)
        .where(CrisisEvent.user_id == user_id, CrisisEvent.created_at >= since)
        .order_by(CrisisEvent.created_at, CrisisEvent.id)
    )
    return list((await session.execute(query)).scalars())
