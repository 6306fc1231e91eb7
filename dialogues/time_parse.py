"""Reading a time of day, a rating or a pause length from what a parent typed, in any language.

The words (number words, "evening", "de la noche", "half past", "y media") come from each
language's `words.yml`. Markers of morning and evening are read in every language Tend speaks,
because a parent set to English may well type "a las 8 de la noche"; number words are read in the
parent's language, and in another only when that language's "at" ("a las") is in the message, so an
English "once" is never read as Spanish eleven.
"""

from __future__ import annotations

import re
from datetime import timedelta

from dialogues import words

_CLOCK = re.compile(r"\b([01]?\d|2[0-3])\s*[:.h]\s*([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?")
_HOUR_AMPM = re.compile(r"\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)")


def _has(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _any(text: str, languages: list[str], key: str) -> bool:
    return any(_has(text, phrase) for lang in languages for phrase in words.of(lang)["time"][key])


def _numbers(text: str, language: str) -> dict[str, int]:
    """Number words usable in this message: the parent's language, and any other whose "at" is there."""
    found: dict[str, int] = {}
    for lang in words.ordered(language):
        w = words.of(lang)["time"]
        if lang == words.ordered(language)[0] or re.search(rf"(?<!\w)(?:{w['at']})\s", text):
            for word, value in w["numbers"].items():
                found.setdefault(word, value)
    return found


def parse_time_of_day(text: str, language: str) -> str | None:
    """"20:30", "8.30pm", "8pm", "noon", "half past seven", "a las 8 de la noche", "mañana temprano"
    -> "HH:MM"; None when there is no time in it."""
    t = text.strip().lower()
    if not t:
        return None
    languages = words.ordered(language)
    if _any(t, languages, "noon"):
        return "12:00"
    if _any(t, languages, "midnight"):
        return "00:00"
    evening = _any(t, languages, "evening")
    morning = _any(t, languages, "morning")

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
    numbers = _numbers(t, language)

    def hour_value(token: str) -> int | None:
        return int(token) if token.isdigit() else numbers.get(token)

    for lang in languages:
        for template in words.of(lang)["time"]["half_past"]:
            rx = re.escape(template).replace(re.escape("{hour}"), r"(\w+)")
            if m := re.search(rf"(?<!\w){rx}(?!\w)", t):
                # the template says which language the hour word is in ("half past seven")
                hour = hour_value(m.group(1)) or words.of(lang)["time"]["numbers"].get(m.group(1))
                if hour is not None and 0 <= hour <= 23:
                    return f"{adjust(hour, None):02d}:30"
    ats = "|".join(words.of(lang)["time"]["at"] for lang in languages)
    oclocks = "|".join(words.of(lang)["time"]["oclock"] for lang in languages)
    starts_at = re.match(rf"(?:{ats})\s", t) is not None
    said_oclock = re.search(rf"(?<!\w)(?:{oclocks})(?!\w)", t) is not None
    for word, value in numbers.items():
        if _has(t, word) and (evening or morning or said_oclock or starts_at):
            return f"{adjust(value, None):02d}:00"
    if m := re.search(rf"(?<!\w)(?:(?:{ats})\s+)?([01]?\d|2[0-3])(?!\w)", t):
        return f"{adjust(int(m.group(1)), None):02d}:00"
    vague = sorted(((phrase, hhmm) for lang in languages for phrase, hhmm in words.of(lang)["time"]["vague"].items()),
                   key=lambda item: -len(item[0]))
    return next((hhmm for phrase, hhmm in vague if _has(t, phrase)), None)


_RATING = re.compile(r"(?<![\d.])(10|[0-9])(?![\d.])")


def parse_rating(text: str, language: str) -> int | None:
    """A 0-10 rating from "7", "about a 4", "6/10", "three", "como un cuatro"; None unless exactly one."""
    t = text.strip().lower()
    numbers = [int(n) for n in _RATING.findall(t)]
    if "/10" in t.replace(" ", "") or "out of 10" in t or "de 10" in t:
        numbers = numbers[:1]
    if len(set(numbers)) == 1:
        return numbers[0]
    if not numbers:
        for lang in words.ordered(language):
            said = {v for w, v in words.of(lang)["rating_numbers"].items() if _has(t, w) and v <= 10}
            if len(said) == 1:
                return said.pop()
    return None


def parse_duration(text: str, language: str) -> timedelta | None:
    """"3d", "12h", "3 days", "a week", "3 días", "una semana" -> a timedelta; None otherwise."""
    t = text.strip().lower()
    for lang in words.ordered(language):
        d = words.of(lang)["duration"]
        units = {"days": timedelta(days=1), "hours": timedelta(hours=1), "weeks": timedelta(weeks=1)}
        names = "|".join(re.escape(u) for key in units for u in d[key])
        ones = "|".join(re.escape(o) for o in d["one"])
        m = re.fullmatch(rf"(\d{{1,3}}|{ones})\s*({names})\.?", t)
        if m:
            count = int(m.group(1)) if m.group(1).isdigit() else 1
            unit = next(key for key in units if m.group(2) in d[key])
            return units[unit] * count
    return None
