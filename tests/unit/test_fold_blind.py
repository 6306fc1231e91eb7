"""`tend nlu fold`: a recorded blind set becomes Rasa training data without losing a message."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from nlu import fold_blind


def test_every_message_lands_under_its_intent_and_the_file_is_valid_rasa_yaml() -> None:
    items = [
        ("risk", "self_harm", "I have the pills counted out\nfor tonight"),
        ("risk", "medical", "she's blue and floppy"),
        ("ordinary", "worry", "scan results on friday"),
        ("non_risk", "past_crisis", "two years ago I was in a dark place, I got help"),
    ]

    async def best_other(text: str) -> str:
        return "sadness"

    per_intent = asyncio.run(fold_blind.intents_for(items, best_other))
    data = yaml.safe_load(fold_blind.render(per_intent, "2026-12-02-test"))
    examples = {b["intent"]: [line[2:] for line in b["examples"].splitlines()] for b in data["nlu"]}
    assert examples == {
        "crisis_self_harm": ["I have the pills counted out for tonight"],  # one example per line
        "medical_emergency": ["she's blue and floppy"],
        "worry": ["scan results on friday"],
        "sadness": ["two years ago I was in a dark place, I got help"],
    }


def test_a_look_alike_is_never_folded_into_a_crisis_intent() -> None:
    async def best_other(text: str) -> str:
        return "crisis_self_harm"

    with pytest.raises(ValueError):
        asyncio.run(fold_blind.intents_for([("non_risk", "figurative", "this printer is killing me")], best_other))
