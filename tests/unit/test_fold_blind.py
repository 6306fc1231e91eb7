"""`tend nlu fold`: a recorded blind set becomes Rasa training data without losing a message."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from nlu import fold_blind


def test_every_message_lands_under_its_intent_and_the_file_is_valid_rasa_yaml() -> None:
    items = [
        ("risk", "self_harm", "I have the pills counted out\nfor tonight", None),
        ("risk", "medical", "she's blue and floppy", None),
        ("ordinary", "worry", "scan results on friday", None),
        ("non_risk", "past_crisis", "two years ago I was in a dark place, I got help", None),
        ("non_risk", "figurative", "this printer will be the death of me", "anger"),
        ("non_risk", "explicit_safety", "not suicidal, just tired", "not_an_intent"),
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
        # no route given, or one that is not an intent: the model's best non-crisis reading
        "sadness": ["two years ago I was in a dark place, I got help", "not suicidal, just tired"],
        "anger": ["this printer will be the death of me"],  # the writer's route comes first
    }


def test_a_look_alike_is_never_folded_into_a_crisis_intent() -> None:
    async def best_other(text: str) -> str:
        return "crisis_self_harm"

    with pytest.raises(ValueError):
        asyncio.run(fold_blind.intents_for([("non_risk", "figurative", "this printer is killing me", None)],
                                           best_other))


def test_a_crisis_route_label_on_a_look_alike_is_not_trusted() -> None:
    async def best_other(text: str) -> str:
        return "overwhelm"

    per_intent = asyncio.run(fold_blind.intents_for(
        [("non_risk", "figurative", "this printer is killing me", "crisis_self_harm")], best_other))
    assert per_intent == {"overwhelm": ["this printer is killing me"]}
