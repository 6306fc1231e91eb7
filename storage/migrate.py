"""Running Alembic from the app: `alembic upgrade head` on start, and back down in tests.

Alembic's env.py runs its own event loop, so the commands run in a worker thread; the caller's
loop stays free.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.database import normalise_url

INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str) -> Config:
    config = Config(str(INI))
    config.set_main_option("script_location", str(INI.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


async def upgrade_to_head(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


async def downgrade(url: str, revision: str = "base") -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)
