"""Reading times and ratings, and computing the next check-in across zones and DST."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogues.countries import find_country, find_timezone
from dialogues.schedule import next_checkin
from dialogues.time_parse import parse_duration, parse_rating, parse_time_of_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20:30", "20:30"), ("8:30pm", "20:30"), ("8pm", "20:00"), ("8 pm", "20:00"), ("7.15am", "07:15"),
        ("noon", "12:00"), ("midnight", "00:00"), ("half past seven", "07:30"),
        ("half past seven in the evening", "19:30"), ("8 in the evening", "20:00"), ("at 9", "09:00"),
        ("12am", "00:00"), ("12pm", "12:00"), ("21h00", "21:00"), ("9 o'clock tonight", "21:00"),
        ("whenever", None), ("", None),
    ],
)
def test_parse_time_of_day(text: str, expected: str | None) -> None:
    assert parse_time_of_day(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a las 8 de la noche", "20:00"), ("a las 8", "08:00"), ("8 y media de la noche", "20:30"),
        ("a las siete y media de la tarde", "19:30"), ("las once de la mañana", "11:00"), ("mañana temprano", "08:00"),
        ("manana temprano", "08:00"), ("al mediodia", "12:00"), ("medianoche", "00:00"), ("20:30", "20:30"),
        ("9 en punto", "09:00"), ("en la noche", "20:00"), ("8pm", "20:00"), ("cuando sea", None),
    ],
)
def test_parse_time_of_day_in_spanish(text: str, expected: str | None) -> None:
    assert parse_time_of_day(text, "es") == expected


def test_a_time_in_the_other_language_is_still_read() -> None:
    assert parse_time_of_day("a las 8 de la noche", "en") == "20:00"  # set to English, typed in Spanish
    assert parse_time_of_day("half past seven in the evening", "es") == "19:30"


def test_an_english_once_is_never_spanish_eleven() -> None:
    assert parse_time_of_day("just once at night", "en") is None
    assert parse_time_of_day("a las once", "en") == "11:00"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [("3d", "en", timedelta(days=3)), ("3 days", "en", timedelta(days=3)), ("a week", "en", timedelta(weeks=1)),
     ("12h", "en", timedelta(hours=12)), ("3 días", "es", timedelta(days=3)), ("3 dias", "es", timedelta(days=3)),
     ("una semana", "es", timedelta(weeks=1)), ("2 horas", "es", timedelta(hours=2)), ("3 días", "en", timedelta(days=3)),
     ("soon", "en", None), ("pronto", "es", None), ("3x", "en", None)],
)
def test_parse_duration(text: str, language: str, expected: timedelta | None) -> None:
    assert parse_duration(text, language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("0", 0), ("10", 10), ("about a 4", 4), ("6/10", 6), ("three", 3), ("maybe 5 today", 5),
     ("11", None), ("between 3 and 5", None), ("pretty bad", None), ("2.5", None)],
)
def test_parse_rating(text: str, expected: int | None) -> None:
    assert parse_rating(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("como un cuatro", 4), ("un 6 de 10", 6), ("tres", 3), ("nada", 0), ("entre 3 y 5", None),
     ("muy mal", None)],
)
def test_parse_rating_in_spanish(text: str, expected: int | None) -> None:
    assert parse_rating(text, "es") == expected


@pytest.mark.parametrize(("text", "code"), [("uk", "GB"), ("Mexico", "MX"), ("españa", "ES"), ("US", "US"),
                                            ("fr", "FR"), ("narnia land", None)])
def test_find_country(text: str, code: str | None) -> None:
    assert find_country(text) == code


def test_find_timezone() -> None:
    assert find_timezone("europe/london") == "Europe/London"
    assert find_timezone("Chicago") == "America/Chicago"
    assert find_timezone("Mars/Olympus") is None


@dataclass
class Parent:
    checkin_time: str | None = "20:00"
    checkin_days: str | None = "0123456"
    timezone: str | None = "Europe/Madrid"
    paused_until: datetime | None = None


def local(dt: datetime, zone: str) -> datetime:
    return dt.astimezone(ZoneInfo(zone))


def test_next_checkin_later_today_and_tomorrow() -> None:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Madrid
    first = next_checkin(Parent(), now)
    assert first is not None and local(first, "Europe/Madrid").hour == 20
    assert first.date() == now.date()
    second = next_checkin(Parent(), now, after=first)
    assert second - first == timedelta(days=1)


def test_weekdays_only() -> None:
    saturday = datetime(2026, 6, 6, 21, 0, tzinfo=UTC)
    nxt = next_checkin(Parent(checkin_days="01234"), saturday)
    assert nxt is not None and local(nxt, "Europe/Madrid").weekday() == 0


@pytest.mark.parametrize(
    ("zone", "day", "at"),
    [("America/New_York", datetime(2026, 3, 8, 5, 0, tzinfo=UTC), "02:30"),   # spring forward
     ("Europe/Madrid", datetime(2026, 3, 29, 0, 0, tzinfo=UTC), "02:30")],
)
def test_spring_forward_gap_gives_one_checkin_that_day(zone: str, day: datetime, at: str) -> None:
    parent = Parent(checkin_time=at, timezone=zone)
    first = next_checkin(parent, day - timedelta(hours=6))
    assert first is not None
    local_first = local(first, zone)
    assert local_first.date() == local(day, zone).date() and local_first.hour == 3
    second = next_checkin(parent, first, after=first)
    assert second is not None and local(second, zone).date() > local_first.date()


@pytest.mark.parametrize(
    ("zone", "before"),
    [("America/New_York", datetime(2026, 11, 1, 4, 0, tzinfo=UTC)),
     ("Europe/Madrid", datetime(2026, 10, 25, 0, 0, tzinfo=UTC))],
)
def test_fall_back_repeat_gives_exactly_one_checkin(zone: str, before: datetime) -> None:
    parent = Parent(checkin_time="01:30", timezone=zone)
    instants = []
    cursor = before - timedelta(hours=3)
    for _ in range(3):
        nxt = next_checkin(parent, cursor, after=cursor)
        assert nxt is not None
        instants.append(nxt)
        cursor = nxt
    days = [local(i, zone).date() for i in instants]
    assert len(days) == len(set(days))  # never two on the same local day


def test_pause_moves_next_checkin_past_pause() -> None:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    parent = Parent(paused_until=now + timedelta(days=3))
    nxt = next_checkin(parent, now)
    assert nxt is not None and nxt > now + timedelta(days=3)


def test_no_time_no_checkin() -> None:
    assert next_checkin(Parent(checkin_time=None), datetime(2026, 6, 1, tzinfo=UTC)) is None
