"""A second reader inside the Rasa pipeline: is there risk in this text, yes or no?

The intent model spreads its belief over two dozen intents, so a look-alike ("I could kill him for
forgetting the insulin") can come out as a confident crisis intent, and a plain risk message told
through logistics as "worry". Pooling every crisis intent into one class and every other intent
into the other asks a simpler question of the same training data: on the dev sets, a binary
reader over word and character n-grams separated risk from look-alikes with an area under the ROC
curve of 0.98-0.99 (`nlu/results/method_comparison.md`, row 20). Its probability is added to the
parse result as `risk: {"confidence": p}`; the app's safety policy decides what to do with it.

This module runs inside the Rasa environment (Python 3.10, Rasa 3.6); `rasa_service` puts the
project root on PYTHONPATH so the pipeline can name it. It is persisted as plain arrays and JSON
(no pickle): a model file is data, never code.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.rasa_components.linear_reader import LinearReader

#: The key the reader adds to every parse result.
RISK = "risk"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RiskReader(LinearReader):
    """Risk against everything else, read from the text alone (it needs no other component)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # The intents that are risk; every other intent in the training data is not.
            "risk_intents": ["crisis_self_harm", "crisis_harm_others", "crisis_unsafe",
                             "medical_emergency", "child_at_risk"],
            # Inverse regularisation, chosen on the dev sets (C=1 under-fits the long messages).
            "C": 4.0,
            "max_iter": 2000,
        }

    def label_of(self, intent: str) -> int:
        return int(intent in self.config["risk_intents"])

    def process(self, messages: list[Message]) -> list[Message]:
        probabilities = self.probabilities([m.get(TEXT) or "" for m in messages])
        if probabilities is None:
            return messages
        assert self.clf is not None
        column = list(self.clf.classes_).index(1)
        for message, row in zip(messages, probabilities):
            message.set(RISK, {"confidence": round(float(row[column]), 4)}, add_to_output=True)
        return messages
