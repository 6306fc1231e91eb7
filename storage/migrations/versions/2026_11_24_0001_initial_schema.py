"""Initial schema: users, conversation state, practice sessions, events, crisis events, processed updates.

No table has a column for message text: Tend stores kinds, scores and times only.
Written by hand (autogenerate drafted it); `tests/integration/test_migrations.py` checks that it
matches storage/models.py on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 23:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same types as storage/models.py: a migration must not import the models (they will change later).
UtcDateTime = sa.DateTime(timezone=True)
BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False, server_default="en"),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("telegram_language_code", sa.String(16), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("consent_at", UtcDateTime, nullable=True),
        sa.Column("facilitator_consent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("onboarded", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("checkin_time", sa.String(5), nullable=True),
        sa.Column("checkin_days", sa.String(7), nullable=False, server_default="0123456"),
        sa.Column("quiet_start", sa.String(5), nullable=False, server_default="21:00"),
        sa.Column("quiet_end", sa.String(5), nullable=False, server_default="08:00"),
        sa.Column("paused_until", UtcDateTime, nullable=True),
        sa.Column("next_checkin_at", UtcDateTime, nullable=True),
        sa.Column("last_checkin_at", UtcDateTime, nullable=True),
        sa.Column("nudges_quiet_until", UtcDateTime, nullable=True),
        sa.Column("followup_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_external_id"), "users", ["external_id"], unique=True)
    op.create_index(op.f("ix_users_next_checkin_at"), "users", ["next_checkin_at"])
    op.create_index(op.f("ix_users_followup_at"), "users", ["followup_at"])

    op.create_table(
        "conversation_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dialogue", sa.String(32), nullable=False, server_default="idle"),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("paused", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        _user_fk("conversation_states"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_conversation_states")),
    )

    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.String(64), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime, nullable=True),
        sa.Column("abandoned_at", UtcDateTime, nullable=True),
        sa.Column("rating_before", sa.SmallInteger(), nullable=True),
        sa.Column("rating_after", sa.SmallInteger(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "rating_before IS NULL OR (rating_before BETWEEN 0 AND 10)",
            name=op.f("ck_practice_sessions_rating_before_range"),
        ),
        sa.CheckConstraint(
            "rating_after IS NULL OR (rating_after BETWEEN 0 AND 10)",
            name=op.f("ck_practice_sessions_rating_after_range"),
        ),
        _user_fk("practice_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_sessions")),
    )
    op.create_index(op.f("ix_practice_sessions_user_id"), "practice_sessions", ["user_id"])

    op.create_table(
        "events",
        sa.Column("id", BigIntKey, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(40), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        _user_fk("events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_user_id"), "events", ["user_id"])
    op.create_index(op.f("ix_events_created_at"), "events", ["created_at"])

    op.create_table(
        "crisis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("layer", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        _user_fk("crisis_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_events")),
    )
    op.create_index(op.f("ix_crisis_events_user_id"), "crisis_events", ["user_id"])

    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"])


def downgrade() -> None:
    # Children before the table they point at; indexes go with their tables.
    op.drop_table("processed_updates")
    op.drop_table("crisis_events")
    op.drop_table("events")
    op.drop_table("practice_sessions")
    op.drop_table("conversation_states")
    op.drop_table("users")
