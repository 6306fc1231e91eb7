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

from dialogues import bundle
from nlu.intents import CrisisKind

CONTENT = Path(__file__).with_name("content")
RESOURCES_PATH = CONTENT / "crisis_resources.yml"
TELEGRAM_LIMIT = 4096
FALLBACK = "INTL"

KINDS: tuple[CrisisKind, ...] = tuple(CrisisKind)


Localizable = Literal["service", "hours", "note", "call", "text"]


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(min_length=1)
    kinds: tuple[CrisisKind | Literal["all"], ...] = Field(
        min_length=1)
    call: str | None = None
    text: str | None = None
    web: str | None = None
    hours: str = Field(min_length=1)
    last_verified: date
    note: str | None = None
    #: The line for something swallowed (a poison centre, or the service that covers poisoning).
    poison: bool = False
    #: Compiled without internet access and not yet confirmed from the service's own published
    #: number: the programme deploying Tend must verify it before going live (`tend resources`).
    needs_verification: bool = False
    #: Shown only to parents spoken to in this language (the US lines in Spanish, say) ...
    for_language: str | None = None
    #: ... in place of these services of the same country (by their `service` name), so a
    #: Spanish-speaking parent in the US is given 988's Spanish option, not the English line too.
    instead_of: tuple[str, ...] = ()
    #: The same service's words in another language (the international directory's name, say).
    translations: dict[str, dict[Localizable, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_contact(self) -> Service:
        if not (self.call or self.text or self.web):
            raise ValueError("a service needs at least one of call, text or web")
        if self.instead_of and not self.for_language:
            raise ValueError("instead_of needs for_language")
        return self

    def serves(self, kind: CrisisKind) -> bool:
        return "all" in self.kinds or kind in self.kinds

    def localized(self, language: str) -> Service:
        return self.model_copy(update=self.translations.get(language, {}))

    def how(self, language: str) -> str:
        """"call 988 or text 988": the contact without the service's name (lines are grouped by it)."""
        words = crisis_words(language)
        parts = []
        if self.call:
            parts.append(words["call"].format(number=self.call))
        if self.text:
            parts.append(self.text[0].lower() + self.text[1:])
        if self.web:
            parts.append(self.web)
        hours = "" if self.hours == "24/7" else f" ({self.hours})"
        return words["or"].join(parts) + hours

    def contact(self, language: str) -> str:
        return f"{self.service}: {self.how(language)}"


class Country(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    emergency_number: str = Field(min_length=1)
    languages: tuple[str, ...] = ()
    services: tuple[Service, ...] = Field(min_length=1)
    translations: dict[str, dict[Literal["name", "emergency_number"], str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _replaces_known_services(self) -> Country:
        names = {s.service for s in self.services if s.for_language is None}
        for s in self.services:
            unknown = set(s.instead_of) - names
            if unknown:
                raise ValueError(f"{s.service!r} is instead of services with no entry: {sorted(unknown)}")
        return self

    def in_language(self, language: str) -> Country:
        """This country as a parent spoken to in `language` sees it: that language's own lines
        first, the lines they stand in for hidden, other languages' lines hidden, words translated."""
        own = [s for s in self.services if s.for_language == language]
        replaced = {name for s in own for name in s.instead_of}
        kept = own + [s for s in self.services if s.for_language is None and s.service not in replaced]
        return self.model_copy(update={**self.translations.get(language, {}),
                                       "services": tuple(s.localized(language) for s in kept)})

    def for_kind(self, kind: CrisisKind) -> list[Service]:
        return [s for s in self.services if s.serves(kind)]

    def poison_line(self) -> Service | None:
        return next((s for s in self.services if s.poison), None)


class ResourceDirectory:
    def __init__(self, countries: dict[str, Country], likely: dict[str, tuple[str, ...]] | None = None) -> None:
        if FALLBACK not in countries:
            raise ValueError(f"crisis resources need a {FALLBACK} fallback entry")
        self._countries = countries
        self._likely = likely or {}
        for language, codes in self._likely.items():
            unknown = [c for c in codes if c not in countries]
            if unknown:
                raise ValueError(f"likely.{language} names countries with no entry: {unknown}")

    def likely(self, language: str) -> list[str]:
        """The countries whose lines a parent of this language most probably needs, when we do
        not know their country (empty for a language with no list: the directory link stands)."""
        return list(self._likely.get(bundle.base_of(language), ()))

    def countries(self) -> list[str]:
        return sorted(self._countries)

    def has(self, code: str | None) -> bool:
        return bool(code) and code.upper() in self._countries and code.upper() != FALLBACK

    def get(self, code: str | None, language: str | None = None) -> Country:
        """The country's entry (INTL when unknown), as seen in `language` when one is given."""
        entry = self._countries.get(code.upper() if code else FALLBACK) or self._countries[FALLBACK]
        return entry.in_language(bundle.base_of(language)) if language else entry


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
    likely = {str(lang): tuple(str(c).upper() for c in codes) for lang, codes in (raw.get("likely") or {}).items()}
    return ResourceDirectory(countries, likely)


@lru_cache(maxsize=8)
def _texts(language: str) -> dict:
    return bundle.load(language, "crisis")


def crisis_words(language: str) -> dict[str, str]:
    """How a contact is said ("call {number}", " or ") in the parent's language."""
    return dict(_texts(language)["contact"])


def crisis_text(key: str, language: str) -> str:
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


def flag(code: str) -> str:
    """"GB" -> 🇬🇧 (regional indicator letters); a button label anyone can read at a glance."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper() if "A" <= c <= "Z")


def _grouped(codes: list[str], contact_of) -> list[tuple[list[str], str]]:
    """[(["US", "CA"], "call or text 988"), ...]: countries that share a contact share a line."""
    groups: list[tuple[list[str], str]] = []
    for code in codes:
        contact = contact_of(code)
        if contact is None:
            continue
        for members, existing in groups:
            if existing == contact:
                members.append(code)
                break
        else:
            groups.append(([code], contact))
    return groups


def emergency_numbers(country: str | None, language: str) -> str:
    """The emergency number to call: the country's, or, when it is unknown, the likeliest ones
    for the parent's language ("911 (US, CA), 999 (GB) …") and then 'your local emergency number'."""
    directory = load_directory()
    if directory.has(country):
        return directory.get(country, language).emergency_number
    fallback = directory.get(None, language).emergency_number
    groups = _grouped(directory.likely(language), lambda c: directory.get(c, language).emergency_number)
    if not groups:
        return fallback
    listed = ", ".join(f"{number} ({'/'.join(codes)})" for codes, number in groups)
    return crisis_text("emergency_choices", language).format(listed=listed, fallback=fallback)


def country_choices(country: str | None, language: str) -> list[tuple[str, str]]:
    """(code, label) for one-tap country buttons under a handoff whose country is unknown."""
    directory = load_directory()
    if directory.has(country):
        return []
    return [(code, f"{flag(code)} {code}") for code in directory.likely(language)]


def _service_lines(services: list[Service], language: str) -> list[str]:
    return [f"• {s.contact(language)}" for s in services]


def _likely_lines(kind: CrisisKind, language: str) -> list[str]:
    """One line per likely country (countries sharing a number share a line) for this kind."""
    directory = load_directory()

    def first_service(code: str) -> Service | None:
        services = directory.get(code, language).for_kind(kind)
        return services[0] if services else None

    def how(code: str) -> str | None:
        service = first_service(code)
        return service.how(language) if service else None

    lines = []
    for codes, _ in _grouped(directory.likely(language), how):
        service = first_service(codes[0])
        assert service is not None
        lines.append(f"• {''.join(flag(c) for c in codes)} {'/'.join(codes)}: {service.contact(language)}")
    return lines


def _poison_lines(country: str | None, language: str) -> list[str]:
    directory = load_directory()
    if directory.has(country):
        line = directory.get(country, language).poison_line()
        return [crisis_text("poison_line", language).format(contact=line.contact(language))] if line else []
    def poison_contact(code: str) -> str | None:
        line = directory.get(code, language).poison_line()
        return line.contact(language) if line else None

    groups = _grouped(directory.likely(language), poison_contact)
    if not groups:
        return []
    return [crisis_text("poison_intro", language)] + [f"• {'/'.join(codes)}: {contact}" for codes, contact in groups]


def compose_handoff(kind: CrisisKind, country: str | None, language: str) -> str:
    """The first reply to a crisis. Medical: the emergency number is the first line, then the line
    for anything swallowed. Otherwise: a warm line, people to reach now, the emergency number.
    With the country unknown, the likeliest lines for the parent's language come first and the
    international directory after them; the caller adds one-tap country buttons."""
    directory = load_directory()
    known = directory.has(country)
    entry = directory.get(country, language)
    emergency = emergency_numbers(country, language)
    lines: list[str] = []
    if kind == CrisisKind.MEDICAL:
        lines.append(crisis_text("emergency_first", language).format(emergency=emergency))
        lines.append(crisis_text("handoff_intro.medical", language))
        lines += _poison_lines(country, language)
        others = [s for s in entry.for_kind(kind) if not s.poison] if known else []
        if others:
            lines += _service_lines(others, language)
    else:
        lines.append(crisis_text(f"handoff_intro.{kind}", language))
        likely = [] if known else _likely_lines(kind, language)
        services = entry.for_kind(kind)
        if known or likely:
            lines.append(crisis_text("reach_out", language))
        lines += _service_lines(services, language) if known else likely
        if not known:
            lines.append(crisis_text("elsewhere", language) + " " + " ".join(
                s.contact(language) for s in services))
        lines.append(crisis_text("emergency_line", language).format(emergency=emergency))
    if not known:
        lines.append(crisis_text("ask_country", language))
    lines.append(crisis_text("not_a_person", language))
    text = "\n".join(lines)
    return text[:TELEGRAM_LIMIT]


def compose_resources(country: str | None, language: str) -> str:
    """/sos: every service for the country, emergency number first."""
    directory = load_directory()
    entry = directory.get(country, language)
    lines = [crisis_text("sos_intro", language),
             crisis_text("emergency_line", language).format(emergency=emergency_numbers(country, language))]
    if directory.has(country):
        lines += _service_lines(list(entry.services), language)
    else:
        lines += _likely_lines(CrisisKind.SELF_HARM, language)
        lines.append(crisis_text("elsewhere", language) + " " + " ".join(s.contact(language) for s in entry.services))
        lines.append(crisis_text("ask_country", language))
    lines.append(crisis_text("not_a_person", language))
    return "\n".join(lines)[:TELEGRAM_LIMIT]


#: A service not re-verified for this long is listed as due (the README asks for every six months).
REVERIFY_AFTER_DAYS = 183


def audit(today: date, *, only_due: bool = False) -> tuple[list[str], int]:
    """`tend resources`: every service a programme must check before going live, one line each
    (country, service, contact, hours, last verified, and why it is due), and how many are due:
    marked `needs_verification`, or not verified in the last six months."""
    directory = load_directory()
    lines: list[str] = []
    due = 0
    for code in directory.countries():
        country = directory.get(code)
        for service in country.services:
            reasons = []
            if service.needs_verification:
                reasons.append("NEEDS VERIFICATION")
            if (today - service.last_verified).days > REVERIFY_AFTER_DAYS:
                reasons.append(f"last verified over {REVERIFY_AFTER_DAYS} days ago")
            due += bool(reasons)
            if only_due and not reasons:
                continue
            language = f" [{service.for_language}]" if service.for_language else ""
            lines.append(f"{code}\t{service.service}{language}\t{service.how(service.for_language or bundle.base_of(next(iter(country.languages), None)))}\t"
                         f"emergency {country.emergency_number}\tverified {service.last_verified}\t"
                         f"{'; '.join(reasons) or 'ok'}")
    return lines, due
