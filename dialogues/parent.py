"""The parent as the dialogues see them: what they chose, and what the product may change.

Why a view instead of the database row: dialogue modules used to set columns directly
(`user.checkin_time = ...; user.next_checkin_at = next_checkin(user, now)`), so every module had to
know which columns move together: a new check-in time without the next occurrence recomputed was
a silent bug. Here every change is one method named for what the parent did ("pause check-ins for
three days"), and it keeps the schedule consistent. Reads pass through for the names in READABLE.
The row underneath is saved with the turn, as before; nothing here touches the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialogues.schedule import next_checkin
from storage.models import User

#: The columns the dialogues may read.
READABLE = frozenset({"id", "external_id", "consent", "facilitator_consent", "onboarded", "language",
                      "telegram_language_code", "country", "timezone", "checkin_time", "checkin_days",
                      "next_checkin_at", "paused_until", "nudges_quiet_until", "followup_at"})

#: "Pause until further notice": far enough to never come, still a valid timestamp.
FOREVER = datetime.max.replace(year=9999)


class Parent:
    __slots__ = ("_row",)  # no attribute can be set from outside: changes go through the methods

    def __init__(self, row: User) -> None:
        self._row = row

    # -- who they are and what they chose (read-only) ------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        """Reading what the parent chose: `id` (the programme's reference, never their Telegram
        id), `external_id` (their Telegram id, only to recognise admins, never logged), `consent`,
        `facilitator_consent`, `onboarded`, `language`, `telegram_language_code`, `country`,
        `timezone`, `checkin_time`, `checkin_days`, `next_checkin_at`, `paused_until`,
        `nudges_quiet_until`, `followup_at`. Anything else is not the dialogues' business."""
        if name in READABLE:
            return getattr(self._row, name)
        raise AttributeError(name)

    # -- consent and set-up --------------------------------------------------------------------------
    def agree(self, now: datetime) -> None:
        self._row.consent = True
        self._row.consent_at = now

    def decline(self) -> None:
        self._row.consent = False

    def finish_onboarding(self) -> None:
        self._row.onboarded = True

    def allow_facilitator(self, allowed: bool) -> None:
        self._row.facilitator_consent = allowed

    def choose_language(self, code: str) -> None:
        self._row.language = code

    def choose_country(self, code: str) -> None:
        self._row.country = code

    def choose_timezone(self, zone: str, now: datetime) -> None:
        """A new zone moves the next check-in to the same wall-clock time there."""
        self._row.timezone = zone
        if self._row.checkin_time:
            self._reschedule(now)

    # -- check-ins -----------------------------------------------------------------------------------
    def set_checkin_time(self, hhmm: str, now: datetime) -> None:
        """Takes effect from the next occurrence, computed in the parent's zone."""
        self._row.checkin_time = hhmm
        self._reschedule(now)

    def stop_checkins(self) -> None:
        self._row.checkin_time = None
        self._row.next_checkin_at = None

    def pause_checkins(self, until: datetime | None, now: datetime) -> None:
        """Until a time, or (None) until the parent resumes."""
        if until is None:
            self._row.paused_until = FOREVER.replace(tzinfo=now.tzinfo)
            self._row.next_checkin_at = None
            return
        self._row.paused_until = until
        self._reschedule(now)

    def resume_checkins(self, now: datetime) -> None:
        self._row.paused_until = None
        self._reschedule(now)

    def _reschedule(self, now: datetime) -> None:
        self._row.next_checkin_at = next_checkin(self._row, now)

    # -- after a crisis handoff ----------------------------------------------------------------------
    def hold_nudges_until(self, until: datetime) -> None:
        """No practice offers or check-ins until then."""
        self._row.nudges_quiet_until = until

    def follow_up_at(self, at: datetime | None) -> None:
        """Check on the parent then (None: they said no thanks)."""
        self._row.followup_at = at
