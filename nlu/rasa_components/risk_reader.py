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

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu.rasa_components.text_features import TextFeatures

logger = logging.getLogger(__name__)

#: The key the reader adds to every parse result.
RISK = "risk"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RiskReader(GraphComponent):
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

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.features: TextFeatures | None = None
        self.clf: LogisticRegression | None = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RiskReader:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        texts = [e.get(TEXT) for e in examples]
        risk = set(self.config["risk_intents"])
        y = np.array([int(e.get(INTENT) in risk) for e in examples])
        if len(set(y.tolist())) < 2:
            logger.warning("RiskReader needs examples of risk and of non-risk; it will not read.")
            return self._resource
        self.features = TextFeatures.fit(texts)
        self.clf = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                      class_weight="balanced", solver="lbfgs")
        self.clf.fit(self.features.transform(texts), y)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.clf is None or self.features is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self.clf.predict_proba(self.features.transform(texts))[:, 1]
        for message, p in zip(messages, probabilities):
            message.set(RISK, {"confidence": round(float(p), 4)}, add_to_output=True)
        return messages

    def persist(self) -> None:
        assert self.features is not None and self.clf is not None
        with self._model_storage.write_to(self._resource) as directory:
            self.features.save(directory)
            np.savez(directory / "weights.npz", coef=self.clf.coef_, intercept=self.clf.intercept_,
                     classes=self.clf.classes_)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> RiskReader:
        reader = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                reader.features = TextFeatures.load(directory)
                weights = np.load(directory / "weights.npz", allow_pickle=False)
                clf = LogisticRegression()
                clf.coef_, clf.intercept_, clf.classes_ = weights["coef"], weights["intercept"], weights["classes"]
                reader.clf = clf
        except (ValueError, FileNotFoundError, KeyError) as exc:
            logger.warning("RiskReader could not be loaded (%s); it will not read.", exc)
        return reader
