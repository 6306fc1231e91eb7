"""The async engine and the unit-of-work session, the same code on SQLite and PostgreSQL.

Where the database is:
    DATABASE_URL     any SQLAlchemy URL; plain `postgresql://…`, `postgres://…` and `sqlite://…`
                     are given the async drivers (asyncpg, aiosqlite). Default: SQLite in
                     `<repo>/var/tend.db` (the var/ directory is created).

PostgreSQL connection pool, per bot process (several processes can serve one bot, so size it
so that processes × (DB_POOL_SIZE + DB_MAX_OVERFLOW) stays under the server's max_connections):
    DB_POOL_SIZE     connections kept open (default 5)
    DB_MAX_OVERFLOW  extra connections allowed under a burst (default 5)
Connections are pre-pinged, so a restarted server costs a reconnect rather than an error in front
of a parent.

SQLite gets foreign keys (so deleting a parent cascades exactly as on PostgreSQL), WAL (readers
never block the writer) and a 5 s busy timeout (a second writer waits instead of failing at
once). Within the process, SQLite gets one connection: nearly every unit of work writes, and
concurrent writers on several connections met in SQLite's busy handler, which sleeps in steps
of up to 100 ms; queued on one connection they wait only for each other (p99 of the bot's own
time per update 18–19 ms -> 10.5 ms at 35 messages/s, BENCHMARKS.md). SQLite suits one bot
process; several processes want PostgreSQL. `sqlite+aiosqlite` URLs are served by
`storage.sqlite_driver`, which gives aiosqlite's thread one hand-off per statement instead of four.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage import sqlite_driver

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "tend.db"

_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def default_url() -> str:
    """DATABASE_URL if set, else the SQLite file under var/ (created on first use)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_url(url)
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"


def _parse(url: str | URL) -> URL:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def normalise_url(url: str | URL) -> str:
    """The same URL with an async driver, so operators can paste the URL their host gives them."""
    return _parse(url).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def make_engine(url: str | URL, **engine_options: Any) -> AsyncEngine:
    """An async engine configured for the backend; `engine_options` override the defaults."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {"connect_args": {"timeout": 5}, "pool_size": 1, "max_overflow": 0,
                                   "pool_timeout": 30}
        options.update(engine_options)
        if parsed.drivername == "sqlite+aiosqlite":
            parsed = parsed.set(drivername=sqlite_driver.DRIVERNAME)  # one thread hand-off a statement
        engine = create_async_engine(parsed, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    options = {
        "pool_size": _env_int("DB_POOL_SIZE", 5),
        "max_overflow": _env_int("DB_MAX_OVERFLOW", 5),
        "pool_pre_ping": True,
    }
    options.update(engine_options)
    return create_async_engine(parsed, **options)


class Database:
    """One engine and its session factory; create one per process and share it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str | URL | None = None, **engine_options: Any) -> Database:
        return cls(make_engine(url or default_url(), **engine_options))

    @property
    def url(self) -> str:
        """The URL with any password masked: safe for logs."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block succeeds, rolls back when it raises.

        Objects stay readable after the commit (expire_on_commit=False), so replies can be built
        from them without another round trip.
        """
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


async def take_write_lock(session: AsyncSession) -> None:
    """Make this unit of work the only writer from its first statement (SQLite only).

    SQLite has no row locks: two dispatchers could both read the same due rows before either
    writes. `BEGIN IMMEDIATE` takes the database's write lock up front, so the second waits
    (busy_timeout) and then sees the first one's changes. PostgreSQL uses SKIP LOCKED instead.
    Must be the first statement of the session.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("BEGIN IMMEDIATE"))
