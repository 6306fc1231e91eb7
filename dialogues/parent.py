"""The parent as the dialogues see them: what they chose, and what the product may change.

Why a view instead of the database row: dialogue modules used to set columns directly
(`user.checkin_time = ...; user.next_checkin_at = next_checkin(user, now)`), so every module had to
know which columns move together: a new check-in time without the next occurrence recomputed was
a silent bug. Here every change is one method named for what the parent did ("pause check-ins for
three days"), and it keeps the schedule consistent. Reads are plain properties. The row underneath
is saved with the turn, as before; nothing here touches the database.
"""

from __future__ import annotations

from datetime import datetime

from dialogues.schedule import next_checkin
from storage.models import User

#: "Pause until further notice": far enough to never come, still a valid timestamp.
FOREVER = datetime.max.replace(year=9999)


class Parent:
    def __init__(self, row: User) -> None:
        self._row = row

    # -- who they are and what they chose (read-only) ------------------------------------------------
    @property
    def id(self) -> int:
        """The programme's reference for the parent (never their Telegram id)."""
        return self._row.id

    @property
    def external_id(self) -> int:
        """Their Telegram id: only for recognising the programme's admins, never logged."""
        return self._row.external_id

    @property
    def consent(self) -> bool:
        return bool(self._row.consent)

    @property
    def onboarded(self) -> bool:
        return bool(self._row.onboarded)

    @property
    def facilitator_consent(self) -> bool:
        return bool(self._row.facilitator_consent)

    @property
    def language(self) -> str | None:
        return self._row.language

    @property
    def telegram_language_code(self) -> str | None:
        return self._row.telegram_language_code

    @property
    def country(self) -> str | None:
        return self._row.country

    @property
    def timezone(self) -> str | None:
        return self._row.timezone

    @property
    def checkin_time(self) -> str | None:
        return self._row.checkin_time

    @property
    def checkin_days(self) -> str | None:
        return self._row.checkin_days

    @property
    def next_checkin_at(self) -> datetime | None:
        return self._row.next_checkin_at

    @property
    def paused_until(self) -> datetime | None:
        return self._row.paused_until

    @property
    def nudges_quiet_until(self) -> datetime | None:
        return self._row.nudges_quiet_until

    @property
    def followup_at(self) -> datetime | None:
        return self._row.followup_at

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
