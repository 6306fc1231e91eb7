"""The one loader of a language's bundle: `content/<lang>/{replies,crisis,words}.yml`.

Everything a parent reads or types that depends on their language lives in that folder: reply
texts, crisis texts and the words Tend listens for (yes/no/stop, times, ratings, chart labels,
command descriptions). A language is spoken when its folder has a `replies.yml`; adding a third
language is a new folder plus its training data, no code. A file missing from a bundle falls
back to the base language's, so a half-written bundle still answers (in the base language)
instead of crashing mid-conversation; `tests/unit/test_bundles.py` holds every bundle complete.

A **variant** of a language (`content/es-usted/`, the usted register of Spanish) holds only what
differs: its files are laid over the language's own, key by key. A parent's language code may name a
variant ("es-usted"); everything that is about the language rather than the register (the NLU model,
the crisis net, the resources for Spanish speakers) uses `base_of(code)`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).with_name("content")
#: The language whose bundle is complete by definition: every other bundle is checked against it.
BASE = "en"
FILES = ("replies", "crisis", "words")


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages Tend speaks, base first (globbed once: every turn asks)."""
    found = sorted(p.parent.name for p in CONTENT_DIR.glob("*/replies.yml") if "-" not in p.parent.name)
    return tuple(sorted(found, key=lambda lang: (lang != BASE, lang)))


@lru_cache(maxsize=8)
def variants(language: str) -> tuple[str, ...]:
    """The variants of a language ("es" -> ("es-usted",)): folders named <language>-<variant>."""
    return tuple(sorted(p.name for p in CONTENT_DIR.glob(f"{language}-*") if p.is_dir()))


def choices() -> list[str]:
    """What a parent can choose: each language, then its variants ("en", "es", "es-usted")."""
    return [code for language in languages() for code in (language, *variants(language))]


def base_of(code: str | None) -> str:
    """The language a code is in: "es-usted" -> "es", "es" -> "es"; the base language otherwise."""
    language = (code or "").split("-")[0].lower()
    return language if language in languages() else BASE


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else value
    return merged


@lru_cache(maxsize=32)
def load(language: str, name: str) -> dict[str, Any]:
    """One file of a language's bundle, parsed once (the base language's when it has none); for a
    variant, its own file laid over its language's."""
    if name not in FILES:
        raise ValueError(f"no bundle file {name!r}")
    if language in variants(base_of(language)):
        path = CONTENT_DIR / language / f"{name}.yml"
        own = yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.exists() else {}
        return _merged(load(base_of(language), name), own)
    path = CONTENT_DIR / language / f"{name}.yml"
    if not path.exists():
        path = CONTENT_DIR / BASE / f"{name}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def spoken(language: str | None) -> str:
    """`language` (or variant) when Tend speaks it, else its base language, else the base language."""
    if language and language in variants(base_of(language)):
        return language
    return base_of(language)
