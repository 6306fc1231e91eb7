"""The one-hop SQLite driver behaves as SQLAlchemy's aiosqlite adapter does, in fewer hand-offs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.sqlite_driver import OneHopDialect


@pytest_asyncio.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/driver.db")
    async with db.session() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)"))
    yield db
    await db.dispose()


@pytest.mark.asyncio
async def test_the_usual_url_gets_the_one_hop_dialect(sqlite_db: Database) -> None:
    assert isinstance(sqlite_db.engine.dialect, OneHopDialect)
    assert sqlite_db.dialect == "sqlite"


@pytest.mark.asyncio
async def test_rows_ids_counts_and_errors_come_back_as_before(sqlite_db: Database) -> None:
    async with sqlite_db.session() as session:
        inserted = await session.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": "a"})
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        await session.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])  # executemany
        rows = (await session.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
        assert (await session.execute(text("SELECT name FROM t WHERE id = 99"))).first() is None
        updated = await session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
    async with sqlite_db.session() as session:  # committed, and a streamed (server-side) read works
        streamed = await session.stream(text("SELECT name FROM t ORDER BY id"))
        assert [r[0] async for r in streamed] == ["a", "b!", "c!"]
    with pytest.raises(IntegrityError):
        async with sqlite_db.session() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
    async with sqlite_db.session() as session:  # the failed unit of work was rolled back, the connection reusable
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 3


@pytest.mark.asyncio
async def test_a_statement_is_one_hand_off_to_the_sqlite_thread(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", "?"))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    async with sqlite_db.session() as session:
        await session.execute(text("SELECT 1"))  # warm the connection up before counting
        calls.clear()
        await session.execute(text("SELECT id, name FROM t"))
        await session.execute(text("INSERT INTO t (name) VALUES ('z')"))
        assert len(calls) == 2  # stock adapter: cursor, execute, fetchall, close + cursor, execute, close
