"""Which of Tend's languages a message is written in, from its words alone.

The crisis net of every language reads every message, but Rasa has one model per language and the
conversation one language per parent. A parent set to English who writes in Spanish must still be
understood (and offered Spanish), and `tend classify` takes a stream that mixes languages with no
flag. So each message is placed by counting its common words per language (`words` and `marks` in
`nlu/patterns/<lang>/language.yml`): small, predictable, no model to download, and a new language
is a new file. Spanglish counts for both languages; the one with more words wins, and a tie (or a
message with no known word, like "ok" or "911") keeps the parent's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml

from nlu.crisis_net import PATTERNS_DIR, default_net, net_languages


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str
    #: Share of the message's words that are common words of that language (0..1).
    share: float
    #: True when another language scored as well (a tie keeps the hint) or no word was known.
    unsure: bool


@lru_cache(maxsize=8)
def _profile(language: str) -> tuple[frozenset[str], tuple[str, ...]]:
    path = PATTERNS_DIR / language / "language.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return frozenset(str(w) for w in data.get("words", [])), tuple(data.get("marks", []))


def detect(text: str, hint: str | None = None, candidates: Sequence[str] | None = None) -> LanguageGuess:
    """The language of `text`; `hint` (the parent's language) wins ties and wordless messages."""
    langs = tuple(candidates or net_languages())
    fallback = hint if hint in langs else (langs[0] if langs else "en")
    lowered = text.lower()
    scores: dict[str, float] = {}
    count = 0
    for language in langs:
        vocabulary, marks = _profile(language)
        # Each language reads the message in its own normal form ("q" is "que" only in Spanish).
        words = [w.strip(".,!?;:\"()¿¡") for w in default_net(language).normalise(text).split()]
        words = [w for w in words if w]
        count = max(count, len(words))
        scores[language] = sum(1 for w in words if w in vocabulary) + sum(0.5 for m in marks if m in lowered)
    if not count:
        return LanguageGuess(fallback, 0.0, True)
    best = max(scores.values())
    if best == 0:
        return LanguageGuess(fallback, 0.0, True)
    leaders = [lang for lang, s in scores.items() if s == best]
    chosen = fallback if fallback in leaders else leaders[0]
    return LanguageGuess(chosen, min(1.0, best / count), len(leaders) > 1)
