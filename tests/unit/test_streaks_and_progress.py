"""Kind streaks (rest days, month edges) and the /progress chart."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

from dialogues.progress import CHART_SIZE_PX, render_chart
from dialogues.streaks import current_streak, longest_streak, milestone_reached
from storage.models import PracticeSession


def days(*items: str) -> set[date]:
    return {date.fromisoformat(x) for x in items}


def test_consecutive_days() -> None:
    assert current_streak(days("2026-03-01", "2026-03-02", "2026-03-03"), date(2026, 3, 3)) == 3


def test_today_not_yet_practised_does_not_break() -> None:
    assert current_streak(days("2026-03-01", "2026-03-02"), date(2026, 3, 3)) == 2


def test_one_rest_day_in_seven_keeps_it_alive() -> None:
    practised = days("2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05")
    assert current_streak(practised, date(2026, 3, 5)) == 4


def test_two_rest_days_within_seven_end_it() -> None:
    practised = days("2026-03-01", "2026-03-02", "2026-03-04", "2026-03-06")
    assert current_streak(practised, date(2026, 3, 6)) == 2


def test_rest_days_a_week_apart_are_fine() -> None:
    practised = {date(2026, 3, 1) + timedelta(days=i) for i in range(20) if i not in (3, 11)}
    assert current_streak(practised, date(2026, 3, 20)) == 18


def test_month_and_year_edges() -> None:
    assert current_streak(days("2026-01-30", "2026-01-31", "2026-02-01"), date(2026, 2, 1)) == 3
    assert current_streak(days("2026-12-31", "2027-01-01"), date(2027, 1, 1)) == 2
    assert current_streak(days("2028-02-28", "2028-02-29", "2028-03-01"), date(2028, 3, 1)) == 3


def test_long_gap_means_zero_now_but_longest_remembers() -> None:
    practised = days("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04")
    assert current_streak(practised, date(2026, 3, 20)) == 0
    assert longest_streak(practised) == 4


def test_milestones() -> None:
    assert milestone_reached(2, 3) == 3
    assert milestone_reached(6, 7) == 7
    assert milestone_reached(3, 4) is None


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_renders_at_the_right_size() -> None:
    today = date(2026, 3, 20)
    sessions = [
        PracticeSession(practice_id="soothing_touch", started_at=datetime(2026, 3, d, tzinfo=UTC),
                        finished_at=datetime(2026, 3, d, tzinfo=UTC), rating_before=7, rating_after=4,
                        local_date=date(2026, 3, d))
        for d in (2, 5, 6, 19, 20)
    ]
    png = render_chart(sessions, today, "en")
    assert _png_size(png) == CHART_SIZE_PX
    assert _png_size(render_chart([], today, "es")) == CHART_SIZE_PX
