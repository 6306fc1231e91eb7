"""Replies as plain data, and the texts they are made from.

An adapter (Telegram, terminal) renders a `Reply`; nothing here knows how. Texts come from
`content/<language>/replies.yml` so a clinician can review them and a second language is a
new file, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from dialogues import bundle


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # opaque to adapters; at most 64 bytes (Telegram's callback_data limit)

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"button data too long: {self.data!r}")


class Recipient(StrEnum):
    """Who a reply is for: the parent in this chat, or the programme's facilitator (an alert that
    a parent may need support; adapters send it only where a facilitator chat is configured)."""

    PARENT = "parent"
    FACILITATOR = "facilitator"


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: bytes | None = None
    image_name: str | None = None
    document: bytes | None = None  # a file to send (e.g. the /mydata export)
    document_name: str | None = None
    kind: str = "message"  # message | photo | crisis (adapters may send crisis replies first/unthrottled)
    to: Recipient = Recipient.PARENT

    @property
    def button_list(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def rows(*buttons: Button, per_row: int = 3) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows of `per_row`."""
    items = list(buttons)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a missing placeholder must never crash a reply
        return "{" + key + "}"


@dataclass
class Texts:
    language: str
    data: dict[str, Any] = field(repr=False)

    def raw(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no text {key!r} for language {self.language!r}")
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        try:
            self.raw(key)
        except KeyError:
            return False
        return True

    def get(self, key: str, variant: int = 0, **values: Any) -> str:
        node = self.raw(key)
        if isinstance(node, list):
            node = node[variant % len(node)]
        return str(node).format_map(_SafeDict(values))

    def variants(self, key: str) -> int:
        node = self.raw(key)
        return len(node) if isinstance(node, list) else 1


@lru_cache(maxsize=8)
def load_texts(language: str) -> Texts:
    language = bundle.spoken(language)
    return Texts(language, bundle.load(language, "replies"))


def available_languages() -> list[str]:
    """The languages Tend speaks (a `content/<lang>/replies.yml`), base language first."""
    return list(bundle.languages())


def language_of(chosen: str | None, telegram_language_code: str | None) -> str:
    """The language a parent is spoken to in: their choice, else their Telegram app's language
    when Tend speaks it ("es-MX" -> "es"), else English. A Spanish Telegram client is greeted in
    Spanish from its first /start, before any question is asked."""
    if chosen and bundle.spoken(chosen) == chosen:  # a language or a variant ("es-usted") Tend speaks
        return chosen
    return bundle.base_of(telegram_language_code)
