"""The parent as the dialogues see them: every change is one method that keeps the schedule whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogues.parent import Parent
from storage.models import User

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _parent() -> Parent:
    return Parent(User(id=1, external_id=7, consent=True, timezone="Europe/London", checkin_days="0123456"))


def test_a_checkin_time_comes_with_its_next_occurrence_and_a_pause_moves_it() -> None:
    parent = _parent()
    parent.set_checkin_time("20:00", NOW)
    assert parent.next_checkin_at == datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    parent.pause_checkins(NOW + timedelta(days=3), NOW)
    assert parent.next_checkin_at is not None and parent.next_checkin_at >= NOW + timedelta(days=3)
    parent.pause_checkins(None, NOW)
    assert parent.next_checkin_at is None and parent.paused_until is not None
    parent.resume_checkins(NOW)
    assert parent.paused_until is None and parent.next_checkin_at == datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    parent.choose_timezone("America/New_York", NOW)
    assert parent.next_checkin_at == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 20:00 in New York
    parent.stop_checkins()
    assert parent.checkin_time is None and parent.next_checkin_at is None


def test_the_parent_cannot_be_changed_by_assignment() -> None:
    parent = _parent()
    with pytest.raises(AttributeError):
        parent.consent = False  # type: ignore[misc]
