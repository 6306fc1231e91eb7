"""What a button says when it is tapped: small typed payloads with one encoding.

Why: Telegram hands back at most 64 bytes of `callback_data`, so payloads are short strings
("of:yes:rain"). They used to be built by f-strings in ten places and taken apart by `split(":")`
in eight, each with its own idea of the fields. Now each kind of button is a dataclass with a
two-letter prefix; `encode` writes it and `parse` reads any of them back, typed, or returns None
for data this version does not know (a button from an old message), which the engine answers with
a kind "that button has expired".

The last field takes the rest of the data, so a value may hold a colon ("ob:checkin:21:00").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar, get_type_hints


@dataclass(frozen=True, slots=True)
class Payload:
    PREFIX: ClassVar[str] = ""

    def encode(self) -> str:
        values = [getattr(self, f.name) for f in dataclasses.fields(self)]
        while values and values[-1] is None:
            values.pop()
        return ":".join([self.PREFIX, *("" if v is None else str(v) for v in values)])


@dataclass(frozen=True, slots=True)
class Onboarding(Payload):
    PREFIX: ClassVar[str] = "ob"
    step: str
    value: str


@dataclass(frozen=True, slots=True)
class Answer(Payload):
    """A one-word answer to a question Tend asked; each subclass's prefix says which question."""

    answer: str


class SafetyAnswer(Answer):
    PREFIX: ClassVar[str] = "sc"  # yes | no | unsure


class Followup(Answer):
    PREFIX: ClassVar[str] = "fu"  # may Tend check on the parent after a handoff: yes | no


class CheckinAnswer(Answer):
    PREFIX: ClassVar[str] = "ci"  # 0..10 or "no"


class DeleteConfirm(Answer):
    PREFIX: ClassVar[str] = "dl"  # yes | no


class CrisisCountry(Answer):
    PREFIX: ClassVar[str] = "cr"  # a country code: its crisis lines, one tap away (before consent too)


class SwitchLanguage(Answer):
    PREFIX: ClassVar[str] = "lg"  # a language code: speak it from now on (offered when a parent writes in it)


class Clarify(Answer):
    PREFIX: ClassVar[str] = "cl"  # "is this mostly about...?": the intent picked, or "other"


@dataclass(frozen=True, slots=True)
class Offer(Payload):
    PREFIX: ClassVar[str] = "of"
    action: str  # yes | no | else
    practice_id: str | None = None


@dataclass(frozen=True, slots=True)
class PracticeStep(Payload):
    PREFIX: ClassVar[str] = "pr"
    session_id: int
    index: str  # a step index, or "x" for the rating screens
    action: str  # next | stop


@dataclass(frozen=True, slots=True)
class Rating(Payload):
    """A 0–10 rating before or after a practice."""

    PREFIX: ClassVar[str] = "rt"
    session_id: int
    phase: str  # "b" before the practice, "a" after
    value: int


@dataclass(frozen=True, slots=True)
class ContinuePaused(Payload):
    """Go back to a practice a crisis handoff paused."""

    PREFIX: ClassVar[str] = "pp"


PAYLOADS: dict[str, type[Payload]] = {
    cls.PREFIX: cls for cls in (Onboarding, CrisisCountry, SafetyAnswer, Followup, Offer, Clarify, PracticeStep,
                                Rating, CheckinAnswer, DeleteConfirm, ContinuePaused, SwitchLanguage)
}


def parse(data: str) -> Payload | None:
    """The payload a button carried, or None when it is not one this version writes."""
    prefix, _, rest = data.partition(":")
    cls = PAYLOADS.get(prefix)
    if cls is None:
        return None
    fields = dataclasses.fields(cls)
    if not fields:
        return cls()
    parts = rest.split(":", len(fields) - 1) if rest else []
    hints = get_type_hints(cls)
    values: dict[str, object] = {}
    for field, raw in zip(fields, parts, strict=False):
        if hints[field.name] is int:
            if not raw.lstrip("-").isdigit():
                return None
            values[field.name] = int(raw)
        else:
            values[field.name] = raw
    missing = [f for f in fields[len(parts):] if f.default is dataclasses.MISSING]
    if missing:
        return None
    return cls(**values)
