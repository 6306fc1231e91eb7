"""The Alembic migrations, on SQLite and PostgreSQL: up, down, up again, and equal to the models.

The app migrates itself on every start (storage.migrate.upgrade_to_head), so a migration that
drifts from storage/models.py, or one that cannot be undone, would surface in production first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.database import Database, make_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade_to_head
from storage.models import Base
from storage.repositories import StateRepo, UserRepo

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TABLES = {t.name for t in Base.metadata.sorted_tables}


async def tables_in(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def differences(url: str) -> list[Any]:
    """What autogenerate would still want to change: nothing, if the migration matches the models."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def test_there_is_one_head() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_heads()
    assert heads == [head_revision()]


@pytest.mark.asyncio
async def test_upgrade_downgrade_upgrade(fresh_database_url: str) -> None:
    url = fresh_database_url
    assert await current_revision(url) is None
    await upgrade_to_head(url)
    assert await current_revision(url) == head_revision()
    assert await tables_in(url) == TABLES
    await upgrade_to_head(url)  # every start runs it: a second run changes nothing
    assert await current_revision(url) == head_revision()

    await downgrade(url, "base")
    assert await current_revision(url) is None
    assert await tables_in(url) == set()

    await upgrade_to_head(url)
    assert await tables_in(url) == TABLES
    db = Database.from_url(url)
    try:  # the schema built a second time is usable, not just present
        async with db.session() as s:
            user = await UserRepo(s).get_or_create(42, "en", NOW)
            await StateRepo(s).save(await StateRepo(s).load(user.id, NOW), NOW)
    finally:
        await db.dispose()


@pytest.mark.asyncio
async def test_schema_after_upgrade_matches_the_models(fresh_database_url: str) -> None:
    await upgrade_to_head(fresh_database_url)
    assert await differences(fresh_database_url) == []


@pytest.mark.asyncio
async def test_a_stored_parent_keeps_their_language_and_a_new_one_has_none_until_they_choose(
        fresh_database_url: str) -> None:
    """0003: the language stops defaulting to English (a Spanish client is greeted in Spanish),
    while parents stored before keep the language they were spoken to in."""
    from sqlalchemy import text

    from storage.migrate import upgrade

    url = fresh_database_url
    await upgrade(url, "0002")
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO users (external_id, telegram_language_code, created_at, updated_at) "
                "VALUES (7, 'es-MX', :now, :now)"), {"now": NOW})
    finally:
        await engine.dispose()
    await upgrade_to_head(url)
    db = Database.from_url(url)
    try:
        async with db.session() as s:
            old = await UserRepo(s).get(7)
            new = await UserRepo(s).get_or_create(8, "es-MX", NOW)
            assert old is not None and old.language == "en" and new.language is None
    finally:
        await db.dispose()
