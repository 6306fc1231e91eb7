"""A parent's language is unset until they choose it.

It used to default to "en", which made every new parent English before onboarding asked, so a
Spanish Telegram client was greeted in English. Rows already stored keep their value: those
parents were spoken to in English and may change it with /language.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("language", existing_type=sa.String(length=8), nullable=True, server_default=None)


def downgrade() -> None:
    op.execute("UPDATE users SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("language", existing_type=sa.String(length=8), nullable=False, server_default="en")
