"""Running Alembic from the app: the schema is brought to head on every start.

This follows Alembic's asyncio cookbook ("programmatic API use with asyncio"): the app opens an
async connection, and Alembic's commands run on it through `connection.run_sync`, so no second
event loop or thread is needed. `migrations/env.py` picks the connection up from
`config.attributes`; the `alembic` command line (`alembic -c storage/alembic.ini upgrade head`)
takes env.py's own async path instead.

On PostgreSQL the upgrade holds a transaction-level advisory lock, so several bot processes
starting at once migrate one after the other instead of racing to create the same tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.database import make_engine, normalise_url

INI = Path(__file__).with_name("alembic.ini")
MIGRATIONS = INI.parent / "migrations"
#: An arbitrary constant naming Tend's migration lock among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x7E4D_0001


def alembic_config(url: str | None = None) -> Config:
    """Alembic's config for storage/, wherever the process was started from."""
    config = Config(str(INI))
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def _locked(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    _locked(connection)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, config: Config, revision: str) -> None:
    _locked(connection)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def upgrade_to_head(url: str) -> None:
    """Create or update the schema; a no-op when it is already current."""
    await upgrade(url, "head")


async def _run_alembic(url: str, step: Callable[..., None], revision: str) -> None:
    """Alembic is synchronous: run one of its commands on an async connection, in one transaction."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(step, alembic_config(url), revision)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _run_alembic(url, _upgrade, revision)


async def downgrade(url: str, revision: str = "base") -> None:
    """Step the schema back (tests; an operator rolling back a release)."""
    await _run_alembic(url, _downgrade, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
