"""The training data of every language: each intent Tend routes has examples, and Spanish is not a
smaller language than English (issue 15: every intent at least the English count)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from dialogues import bundle
from nlu import rasa_service
from nlu.evaluation import load_examples


def _counts(language: str) -> collections.Counter[str]:
    return collections.Counter(intent for _, intent in load_examples(rasa_service.data_dir(language)))


@pytest.mark.parametrize("language", [lang for lang in bundle.languages() if lang != bundle.BASE])
def test_every_intent_has_at_least_the_base_languages_count(language: str) -> None:
    base, other = _counts(bundle.BASE), _counts(language)
    short = {intent: (other[intent], count) for intent, count in base.items() if other[intent] < count}
    assert not short, f"{language} has fewer examples than {bundle.BASE} (theirs, ours): {short}"


@pytest.mark.parametrize("language", bundle.languages())
def test_no_example_is_listed_under_two_intents(language: str) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for text, intent in load_examples(rasa_service.data_dir(language)):
        key = " ".join(text.lower().split())
        if key in seen and seen[key] != intent:
            clashes.append((text[:60], seen[key], intent))
        seen.setdefault(key, intent)
    assert not clashes, clashes[:5]


def test_data_dirs_exist() -> None:
    for language in bundle.languages():
        assert Path(rasa_service.data_dir(language)).is_dir()
