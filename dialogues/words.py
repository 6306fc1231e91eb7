"""The words Tend listens for in a language, read from `content/<lang>/words.yml` through the bundle.

Dialogue code asks here ("is this a clear no?", "does the parent want to stop?") instead of holding
English regular expressions itself, so a parent typing in Spanish is heard as well as one typing in
English. Where the setting and the message may differ (a parent set to English who types "ya basta"),
callers ask `in_any` with the parent's language first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from dialogues import bundle


@lru_cache(maxsize=8)
def of(language: str) -> dict[str, Any]:
    return bundle.load(bundle.spoken(language), "words")


@lru_cache(maxsize=64)
def pattern(language: str, key: str) -> re.Pattern[str]:
    return re.compile(of(language)[key], re.IGNORECASE)


def ordered(language: str) -> list[str]:
    """The parent's language first, then every other language Tend speaks."""
    first = bundle.spoken(language)
    return [first] + [lang for lang in bundle.languages() if lang != first]


def in_any(language: str, test: Iterable[str] | None = None) -> list[str]:
    """Languages to try, in order (all of them unless `test` narrows it)."""
    return [lang for lang in ordered(language) if test is None or lang in test]


def is_one_of(text: str, language: str, key: str) -> bool:
    """The whole (trimmed, lower-cased) message is one of a list (consent_yes, skip, ...) in any language."""
    lowered = text.strip().lower().rstrip(".!")
    return any(lowered in of(lang)[key] for lang in ordered(language))


def matches(text: str, language: str, key: str, *, whole: bool = False) -> bool:
    """A word-list regular expression (stop, clear_no) matches in the parent's language or another."""
    for lang in ordered(language):
        rx = pattern(lang, key)
        if (rx.match(text) if whole else rx.search(text)):
            return True
    return False


def autonym(language: str) -> str:
    return str(of(language)["autonym"])


def local_datetime(when: datetime, language: str) -> str:
    """"Mon 07 Dec, 20:00" / "lun 7 dic, 20:00": a date and time as the parent reads them."""
    w = of(language)
    return str(w["date_time"]).format(weekday=w["weekdays"][when.weekday()], day=when.day,
                                      month=w["months"][when.month - 1], time=when.strftime("%H:%M"))


def short_date(day: Any, language: str) -> str:
    w = of(language)
    return str(w["short_date"]).format(day=day.day, month=w["months"][day.month - 1])


def command_descriptions(language: str) -> dict[str, str]:
    return dict(of(language)["commands"])
