"""The one loader of a language's bundle: `content/<lang>/{replies,crisis,words}.yml`.

Everything a parent reads or types that depends on their language lives in that folder: reply
texts, crisis texts and the words Tend listens for (yes/no/stop, times, ratings, chart labels,
command descriptions). A language is spoken when its folder has a `replies.yml`; adding a third
language is a new folder plus its training data, no code. A file missing from a bundle falls
back to the base language's, so a half-written bundle still answers (in the base language)
instead of crashing mid-conversation; `tests/unit/test_bundles.py` holds every bundle complete.
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
    found = sorted(p.parent.name for p in CONTENT_DIR.glob("*/replies.yml"))
    return tuple(sorted(found, key=lambda lang: (lang != BASE, lang)))


@lru_cache(maxsize=32)
def load(language: str, name: str) -> dict[str, Any]:
    """One file of a language's bundle, parsed once (the base language's when it has none)."""
    if name not in FILES:
        raise ValueError(f"no bundle file {name!r}")
    path = CONTENT_DIR / language / f"{name}.yml"
    if not path.exists():
        path = CONTENT_DIR / BASE / f"{name}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def spoken(language: str | None) -> str:
    """`language` when Tend speaks it, else the base language."""
    return language if language in languages() else BASE
