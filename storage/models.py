"""Tend's tables. Nothing here holds the words a parent wrote: only kinds, scores and times.

The data is about parents' mental health and their children's illness, so every table stores the
minimum the coach needs to keep a conversation going, schedule a kind check-in and show progress.
There is deliberately no column that could hold message text; `tests/unit/test_storage.py`
checks that.

Datetimes are stored as UTC and always come back timezone-aware, on SQLite as on PostgreSQL, so
scheduling code never mixes naive and aware values (comparing them raises at the worst moment).

Every column with a Python default also has a matching server default, so rows written by a later
migration or by hand in psql get the same values as rows written through the ORM.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    TypeDecorator,
    false,
    true,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.kinds import Dialogue, EventKind, NameColumn, PushKind

#: Deterministic constraint names, so migrations can refer to (and drop) them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The names these columns hold (dialogues, event kinds, push kinds) are enums in storage/kinds.py.
CRISIS_LAYERS = ("net", "nlu", "ask")

#: A 64-bit key on PostgreSQL for tables that grow with every message; on SQLite only an
#: `INTEGER PRIMARY KEY` is the auto-incrementing rowid (and it is 64-bit there anyway).
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, whatever the backend does with time zones.

    PostgreSQL's `timestamptz` keeps the instant; SQLite keeps text without an offset, so the
    value is normalised to UTC before it is written and marked as UTC when it is read. Naive
    datetimes are refused: guessing their zone is how check-ins end up at 3 a.m.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """One parent. `external_id` is the Telegram user id (or a console id), never shown in logs."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    #: Chosen by the parent; None until they choose (they are spoken to in their Telegram app's
    #: language meanwhile, when Tend speaks it).
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    telegram_language_code: Mapped[str | None] = mapped_column(String(16))
    consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    facilitator_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: False once the parent blocked the bot: nothing is scheduled for them any more.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # Check-in schedule: a local wall-clock time in `timezone`, weekdays as digits (Monday=0),
    # a quiet window, and the next instant in UTC that the scheduler claims rows by.
    checkin_time: Mapped[str | None] = mapped_column(String(5))
    checkin_days: Mapped[str] = mapped_column(String(7), default="0123456", server_default="0123456")
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00", server_default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_checkin_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    last_checkin_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Safety: after a crisis handoff no check-in or practice offer arrives until
    # `nudges_quiet_until`; an opt-in, gentle follow-up is due at `followup_at`.
    nudges_quiet_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    followup_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class ConversationState(Base):
    """Where the parent is in a dialogue, so a restart (or another process) resumes there.

    `data` is a small dict of dialogue bookkeeping (a practice id, a step index, a rating), never
    the parent's words. `paused` keeps the interrupted dialogue while a crisis handoff runs.
    """

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    dialogue: Mapped[Dialogue] = mapped_column(NameColumn(Dialogue, 32), default=Dialogue.IDLE,
                                               server_default=Dialogue.IDLE.value)
    step: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    paused: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Incremented by every `StateRepo.save`: lets callers and tests see that a turn was stored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PracticeSession(Base):
    """One guided practice, from its start to its end (finished or abandoned)."""

    __tablename__ = "practice_sessions"
    __table_args__ = (
        CheckConstraint(
            "rating_before IS NULL OR (rating_before BETWEEN 0 AND 10)", name="rating_before_range"
        ),
        CheckConstraint("rating_after IS NULL OR (rating_after BETWEEN 0 AND 10)", name="rating_after_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rating_before: Mapped[int | None] = mapped_column(SmallInteger)
    rating_after: Mapped[int | None] = mapped_column(SmallInteger)
    #: The parent's local calendar day when the practice was finished: streaks count these days.
    local_date: Mapped[date | None] = mapped_column(Date)


class Event(Base):
    """That something happened and what it was understood as: never what was said."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(NameColumn(EventKind, 16))
    intent: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class CrisisEvent(Base):
    """A crisis handoff: its kind and which safety layer caught it (net, nlu or ask)."""

    __tablename__ = "crisis_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    layer: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is answered only once.

    Not tied to a user on purpose: it holds nothing about anyone and is pruned by age.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Outbox(Base):
    """Pushes the bot owes a parent (a check-in, a follow-up), queued in the same transaction
    that advanced their schedule, so a restart between claiming and sending loses nothing.

    A process leases rows (`claimed_at`) before sending and stamps `sent_at` after, so two
    processes never send the same row while its lease is fresh. Holds no text: the message is
    rendered at send time from `kind`.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PushKind] = mapped_column(NameColumn(PushKind, 16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
