"""Countries and time zones offered in onboarding, read from `content/countries.yml`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

PATH = Path(__file__).with_name("content") / "countries.yml"


@dataclass(frozen=True)
class CountryInfo:
    code: str
    name: str
    aliases: tuple[str, ...]
    timezones: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)

    def name_in(self, language: str) -> str:
        """The country's name in the parent's language ("Estados Unidos"), else its own."""
        return self.names.get(language.split("-")[0], self.name)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip(" .!")


@lru_cache(maxsize=1)
def countries() -> dict[str, CountryInfo]:
    raw = yaml.safe_load(PATH.read_text(encoding="utf-8"))["countries"]
    return {
        code: CountryInfo(code, item["name"], tuple(_fold(a) for a in item.get("aliases", [])),
                          tuple(item.get("timezones", [])), dict(item.get("names") or {}))
        for code, item in raw.items()
    }


@lru_cache(maxsize=8)
def offered(language: str) -> tuple[str, ...]:
    """The countries onboarding shows as buttons to a parent of this language (every country can
    still be typed); the base list when the language has none."""
    raw = yaml.safe_load(PATH.read_text(encoding="utf-8")).get("offered") or {}
    codes = raw.get(language.split("-")[0]) or raw.get("en") or list(countries())
    unknown = [c for c in codes if c not in countries()]
    if unknown:
        raise ValueError(f"countries.yml offers countries with no entry: {unknown}")
    return tuple(codes)


def find_country(text: str) -> str | None:
    """A country code from what a parent typed ("uk", "Mexico", "ES"); None when unsure."""
    folded = _fold(text)
    for code, info in countries().items():
        if folded == code.lower() or folded in {_fold(n) for n in (info.name, *info.names.values())} \
                or folded in info.aliases:
            return code
    if len(folded) == 2 and folded.isalpha():
        return folded.upper()  # another ISO code: resources fall back to the international entry
    return None


@lru_cache(maxsize=1)
def _zones_by_folded_name() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def find_timezone(text: str) -> str | None:
    """An IANA zone name from "Europe/London" or "europe/london" or "London"."""
    candidate = text.strip().replace(" ", "_")
    zones = _zones_by_folded_name()
    if candidate.lower() in zones:
        name = zones[candidate.lower()]
    else:
        tail = [z for z in zones.values() if z.lower().endswith("/" + candidate.lower())]
        if len(tail) != 1:
            return None
        name = tail[0]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
