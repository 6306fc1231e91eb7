"""Reading a time of day from what a parent typed or what the NLU tagged as a `time` entity."""

from __future__ import annotations

import re

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_CLOCK = re.compile(r"\b([01]?\d|2[0-3])\s*[:.h]\s*([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?")
_HOUR_AMPM = re.compile(r"\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)")
_HALF_PAST = re.compile(r"\bhalf past (\w+)")
_BARE_HOUR = re.compile(r"\b(?:at\s+)?([01]?\d|2[0-3])(?:\s*o'?clock)?\b")
_EVENING = re.compile(r"\b(evening|night|tonight|afternoon|pm|after dinner|bedtime)\b")


def _hour_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return _WORDS.get(token)


def parse_time_of_day(text: str) -> str | None:
    """"20:30", "8.30pm", "8pm", "noon", "half past seven", "8 in the evening" -> "HH:MM"."""
    t = text.strip().lower()
    if not t:
        return None
    if re.search(r"\b(noon|midday)\b", t):
        return "12:00"
    if re.search(r"\bmidnight\b", t):
        return "00:00"
    evening = bool(_EVENING.search(t))
    morning = bool(re.search(r"\b(morning|am|breakfast)\b", t))

    def adjust(hour: int, suffix: str | None) -> int:
        if suffix and suffix.startswith("p") and hour < 12:
            return hour + 12
        if suffix and suffix.startswith("a") and hour == 12:
            return 0
        if not suffix and evening and not morning and hour < 12:
            return hour + 12
        return hour

    if m := _CLOCK.search(t):
        hour = adjust(int(m.group(1)), m.group(3))
        return f"{hour:02d}:{int(m.group(2)):02d}"
    if m := _HOUR_AMPM.search(t):
        return f"{adjust(int(m.group(1)), m.group(2)):02d}:00"
    if m := _HALF_PAST.search(t):
        hour = _hour_value(m.group(1))
        if hour is not None and 0 <= hour <= 23:
            return f"{adjust(hour, None):02d}:30"
    for word, value in _WORDS.items():
        if re.search(rf"\b(?:at\s+)?{word}\b(?:\s*o'?clock)?", t) and (evening or morning or "o'clock" in t or "oclock" in t or t.startswith("at ")):
            return f"{adjust(value, None):02d}:00"
    if m := _BARE_HOUR.search(t):
        hour = int(m.group(1))
        return f"{adjust(hour, None):02d}:00"
    return None


_RATING = re.compile(r"(?<![\d.])(10|[0-9])(?![\d.])")
_RATING_WORDS = {"zero": 0, "none": 0, "nothing": 0, **_WORDS}


def parse_rating(text: str) -> int | None:
    """A 0-10 rating from "7", "about a 4", "6/10", "three"; None if there is not exactly one."""
    t = text.strip().lower()
    numbers = [int(n) for n in _RATING.findall(t)]
    if "/10" in t.replace(" ", "") or "out of 10" in t:
        numbers = numbers[:1]
    if len(set(numbers)) == 1:
        return numbers[0]
    if not numbers:
        words = [v for w, v in _RATING_WORDS.items() if re.search(rf"\b{w}\b", t) and v <= 10]
        if len(set(words)) == 1:
            return words[0]
    return None
