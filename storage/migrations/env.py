"""Alembic environment for Tend, async per Alembic's asyncio cookbook.

Two ways in:
- the app (storage/migrate.py) hands over an open connection in `config.attributes["connection"]`
  and Alembic runs on it inside the app's own transaction;
- the `alembic` command line gets no connection, so this file opens an async engine for
  `sqlalchemy.url` (or DATABASE_URL, or the default SQLite file) and runs with `run_sync`.

SQLite cannot ALTER most things in place, so migrations are rendered in batch mode there.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from storage.database import default_url, make_engine, normalise_url
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalise_url(config.get_main_option("sqlalchemy.url") or default_url())


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    engine = make_engine(_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, dialect_opts={"paramstyle": "named"}
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    # Only the command line gets logging from alembic.ini; the app keeps its own configuration.
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(_run_with_own_engine())
