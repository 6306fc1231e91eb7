"""Crisis resources per country and the handoff message built from them.

The handoff is the one message a parent at risk must get right away: warm, short, specific to
their country and to the kind of crisis. Data lives in `content/crisis_resources.yml` (with a
last-verified date per service); texts in `content/<lang>/crisis.yml`. Both are validated at
load, so a broken entry fails loudly in tests instead of quietly in a crisis.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CONTENT = Path(__file__).with_name("content")
RESOURCES_PATH = CONTENT / "crisis_resources.yml"
TELEGRAM_LIMIT = 4096
FALLBACK = "INTL"

CrisisKind = Literal["self_harm", "harm_others", "unsafe_home", "medical", "child_at_risk"]
KINDS: tuple[CrisisKind, ...] = ("self_harm", "harm_others", "unsafe_home", "medical", "child_at_risk")


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(min_length=1)
    kinds: tuple[Literal["self_harm", "harm_others", "unsafe_home", "medical", "child_at_risk", "all"], ...] = Field(
        min_length=1)
    call: str | None = None
    text: str | None = None
    web: str | None = None
    hours: str = Field(min_length=1)
    last_verified: date
    note: str | None = None

    @model_validator(mode="after")
    def _has_contact(self) -> Service:
        if not (self.call or self.text or self.web):
            raise ValueError("a service needs at least one of call, text or web")
        return self

    def serves(self, kind: CrisisKind) -> bool:
        return "all" in self.kinds or kind in self.kinds

    def contact(self) -> str:
        parts = []
        if self.call:
            parts.append(f"call {self.call}")
        if self.text:
            parts.append(self.text[0].lower() + self.text[1:])
        if self.web:
            parts.append(self.web)
        hours = "" if self.hours == "24/7" else f" ({self.hours})"
        return f"{self.service}: {' or '.join(parts)}{hours}"


class Country(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    emergency_number: str = Field(min_length=1)
    languages: tuple[str, ...] = ()
    services: tuple[Service, ...] = Field(min_length=1)

    def for_kind(self, kind: CrisisKind) -> list[Service]:
        return [s for s in self.services if s.serves(kind)]


class ResourceDirectory:
    def __init__(self, countries: dict[str, Country]) -> None:
        if FALLBACK not in countries:
            raise ValueError(f"crisis resources need a {FALLBACK} fallback entry")
        self._countries = countries

    def countries(self) -> list[str]:
        return sorted(self._countries)

    def has(self, code: str | None) -> bool:
        return bool(code) and code.upper() in self._countries and code.upper() != FALLBACK

    def get(self, code: str | None) -> Country:
        if code and code.upper() in self._countries:
            return self._countries[code.upper()]
        return self._countries[FALLBACK]


@lru_cache(maxsize=4)
def load_directory(path: Path | None = None) -> ResourceDirectory:
    path = path or RESOURCES_PATH
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    countries: dict[str, Country] = {}
    for code, entry in (raw.get("countries") or {}).items():
        try:
            countries[str(code).upper()] = Country.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{path.name}: {code}: {problems}") from exc
    return ResourceDirectory(countries)


@lru_cache(maxsize=8)
def _texts(language: str) -> dict:
    path = CONTENT / language / "crisis.yml"
    if not path.exists():
        path = CONTENT / "en" / "crisis.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def crisis_text(key: str, language: str = "en") -> str:
    node = _texts(language)
    for part in key.split("."):
        node = node[part]
    return str(node)


def country_from_language_code(code: str | None) -> str | None:
    """"en-GB" -> GB, "es-MX" -> MX. A bare language ("en", "es") is ambiguous: None, so the
    parent gets the international fallback, which asks for their country."""
    if not code or "-" not in code:
        return None
    region = code.split("-", 1)[1].upper()
    return region if load_directory().has(region) else None


def compose_handoff(kind: CrisisKind, country: str | None, language: str = "en") -> str:
    directory = load_directory()
    entry = directory.get(country)
    emergency = entry.emergency_number
    lines = [crisis_text(f"handoff_intro.{kind}", language)]
    if kind == "medical":
        lines.append(crisis_text("emergency_first", language).format(emergency=emergency))
    services = entry.for_kind(kind)
    if services:
        lines.append(crisis_text("reach_out", language))
        lines += [f"• {s.contact()}" for s in services]
    if kind != "medical":
        lines.append(crisis_text("emergency_line", language).format(emergency=emergency))
    if not directory.has(country):
        lines.append(crisis_text("ask_country", language))
    lines.append(crisis_text("not_a_person", language))
    text = "\n".join(lines)
    return text[:TELEGRAM_LIMIT]


def compose_resources(country: str | None, language: str = "en") -> str:
    """/sos: every service for the country, emergency number first."""
    directory = load_directory()
    entry = directory.get(country)
    lines = [crisis_text("sos_intro", language),
             crisis_text("emergency_line", language).format(emergency=entry.emergency_number)]
    lines += [f"• {s.contact()}" for s in entry.services]
    if not directory.has(country):
        lines.append(crisis_text("ask_country", language))
    lines.append(crisis_text("not_a_person", language))
    return "\n".join(lines)[:TELEGRAM_LIMIT]
