"""Normalising a message before the crisis net reads it.

Parents in distress type fast, on phones, without apostrophes, with stretched letters and
misspelled words. The net's patterns are written once against a normal form, and this module
brings every message to that form: lower case, no accents, straight quotes, at most two of any
stretched letter (the same in every language), then the language's own word fixes and rewrites
(contractions with their apostrophes, misspellings of risk words), which live in the `normalise`
section of `nlu/patterns/<lang>/crisis.yml`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"'})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z][a-z'\-]*")


class Normaliser:
    """One language's normal form: the shared steps, then its word fixes and rewrites."""

    def __init__(self, words: Mapping[str, str], rewrites: Sequence[tuple[str, str]] = ()) -> None:
        self.words = dict(words)
        self.rewrites = tuple((re.compile(pattern), replacement) for pattern, replacement in rewrites)

    def _fix_word(self, match: re.Match[str]) -> str:
        word = match.group(0)
        return self.words.get(word, word)

    def __call__(self, text: str) -> str:
        if not text:
            return ""
        lowered = text.translate(_QUOTES).lower()
        decomposed = unicodedata.normalize("NFKD", lowered)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        plain = _REPEATS.sub(r"\1", plain)  # letters stretched 3+ times were typed once: "diiie" -> "die"
        plain = _WORD.sub(self._fix_word, plain)
        for pattern, replacement in self.rewrites:
            plain = pattern.sub(replacement, plain)
        return _SPACES.sub(" ", plain).strip()


def normaliser(language: str = "en") -> Normaliser:
    """The normaliser the language's crisis net uses (its pattern file holds the normal form)."""
    from nlu.crisis_net import default_net  # the net imports this module

    return default_net(language).normalise


def normalise(text: str, language: str = "en") -> str:
    """The normal form the crisis patterns of `language` are written against."""
    return normaliser(language)(text)
