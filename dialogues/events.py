"""What the engine is told: a text with its understanding, a button press, or a command."""

from __future__ import annotations

from dataclasses import dataclass

from nlu.understanding import Understanding


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who is speaking, as the channel knows them (never stored beyond the external id)."""

    external_id: int
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class TextEvent:
    text: str
    understanding: Understanding
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class ButtonEvent:
    data: str


@dataclass(frozen=True, slots=True)
class CommandEvent:
    name: str  # without the slash, lower case: "start", "help", ...
    args: tuple[str, ...] = ()


Event = TextEvent | ButtonEvent | CommandEvent
