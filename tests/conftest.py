"""Shared pytest fixtures. Each section belongs to one part of the tree; keep sections apart."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_asyncio
from sqlalchemy import URL, make_url

from storage.database import Database
from storage.migrate import upgrade_to_head

# ======================================================================================
# Databases (storage/): the same tests on SQLite and on PostgreSQL
# ======================================================================================
#
# `database_url` is parametrised over both backends and session-scoped: one migrated database
# per backend for the whole run, so tests sharing it must use their own parents (see
# `external_ids`). `fresh_database_url` is a new, empty, unmigrated database per test (for
# migration tests). `db` is a `Database` on `database_url`, opened and disposed per test so it
# lives on the test's own event loop.
#
# PostgreSQL: throwaway databases with random names are created on the server named by
# TEST_DATABASE_URL (its database part is replaced), else on postgres@127.0.0.1:5432, and
# dropped afterwards. With no server there the PostgreSQL cases are skipped, except under
# CI=true (or when TEST_DATABASE_URL was given), where that is a failure. They carry the
# `postgres` marker: `-m "not postgres"` leaves them out.

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_T = TypeVar("_T")


def _run_outside_loop(factory: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion on a private loop in a worker thread.

    Session-scoped set-up runs here so no connection outlives its loop and pytest-asyncio's
    own loops are left untouched.
    """

    async def main() -> _T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


class PostgresServer:
    """Creates and drops throwaway databases on one PostgreSQL server, via asyncpg."""

    def __init__(self, admin_url: str) -> None:
        self.admin: URL = make_url(admin_url).set(drivername="postgresql")

    def _dsn(self, database: str | None = None) -> str:
        url = self.admin if database is None else self.admin.set(database=database)
        return url.render_as_string(hide_password=False)

    def app_url(self, database: str) -> str:
        return self.admin.set(drivername="postgresql+asyncpg", database=database).render_as_string(
            hide_password=False
        )

    async def problem(self) -> str | None:
        """None when the server answers, else why not."""
        import asyncpg

        try:
            conn = await asyncio.wait_for(asyncpg.connect(self._dsn()), timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return f"{type(exc).__name__}: {exc}"
        await conn.close()
        return None

    async def create(self) -> str:
        import asyncpg

        name = f"tend_test_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self._dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return name

    async def drop(self, name: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self._dsn())
        try:
            force = " WITH (FORCE)" if conn.get_server_version().major >= 13 else ""
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL server for tests; skips (or fails under CI) when there is none."""
    given = os.environ.get("TEST_DATABASE_URL")
    server = PostgresServer(given or DEFAULT_PG_ADMIN_URL)
    problem = _run_outside_loop(server.problem)
    if problem is None:
        return server
    where = server.admin.render_as_string(hide_password=True)
    if given:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL at {where} does not answer: {problem}")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and no PostgreSQL server at {where} ({problem}); set TEST_DATABASE_URL")
    pytest.skip(f"no PostgreSQL server at {where} ({problem}); set TEST_DATABASE_URL to run these")


@pytest.fixture(scope="session")
def new_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], str]]:
    """A factory: backend name -> URL of a new, empty database, dropped at the end of the run."""
    created: list[tuple[PostgresServer, str]] = []
    counter = itertools.count()

    def make(backend: str) -> str:
        if backend == "sqlite":
            path: Path = tmp_path_factory.mktemp("db") / f"tend_{next(counter)}.db"
            return f"sqlite+aiosqlite:///{path}"
        if backend == "postgresql":
            server: PostgresServer = request.getfixturevalue("postgres_server")
            name = _run_outside_loop(server.create)
            created.append((server, name))
            return server.app_url(name)
        raise ValueError(f"unknown backend {backend!r}")

    yield make
    for server, name in created:
        _run_outside_loop(functools.partial(server.drop, name))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, new_database_url: Callable[[str], str]) -> str:
    """A migrated database per backend, shared by the whole run."""
    url = new_database_url(request.param)
    _run_outside_loop(lambda: upgrade_to_head(url))
    return url


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, new_database_url: Callable[[str], str]) -> str:
    """A new, empty database (no tables) per test, on each backend."""
    return new_database_url(request.param)


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A `Database` on the migrated test database, on this test's event loop."""
    database = Database.from_url(database_url)
    try:
        yield database
    finally:
        await database.dispose()


_external_ids = itertools.count(9_000_000_000)


@pytest.fixture
def external_ids() -> Callable[[], int]:
    """Fresh Telegram-like user ids, unique across the run (the databases are shared)."""
    return lambda: next(_external_ids)


# ======================================================================================
# (other sections go below)
# ======================================================================================


# ==================================================================================== Migrated DBs
@pytest.fixture
async def fresh_db(fresh_database_url: str) -> AsyncIterator[Database]:
    """A migrated database of its own for one test, on each backend (for code that acts on
    every row, like the check-in dispatcher, or transcripts that count rows)."""
    await upgrade_to_head(fresh_database_url)
    database = Database.from_url(fresh_database_url)
    try:
        yield database
    finally:
        await database.dispose()
