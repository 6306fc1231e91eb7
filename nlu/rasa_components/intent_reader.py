"""The intent model: which feeling or request a text is, read over tf-idf word and character n-grams.

Rasa's own LogisticRegressionClassifier reads the raw counts of the count-vector featurizers with
its regularisation fixed (C = 1). On counts, a long message shouts: every repeated word and letter
pattern adds weight, so long messages come out over-confident and short ones are pushed around by a
single word. The same logistic regression over sublinear tf-idf features (each text's vector has unit
length, a repeated n-gram counts by its logarithm) with a chosen C reads the parents' messages the way
a person would, by what they say rather than how much: on the four English dev sets' ordinary
messages the intent was right for 364 of 390 against 332 of 390 for Rasa's classifier (0.93 against
0.85; `nlu/results/method_comparison.md`, round 10), with no dev set worse.

It sets `intent` and `intent_ranking` as Rasa's classifiers do, so everything downstream (the safety
policy's thresholds on crisis intents, the conversation) reads it unchanged. Like the risk reader it
is persisted as plain arrays and JSON (no pickle): a model file is data, never code.
"""

from __future__ import annotations

import json
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

INTENT_RANKING = "intent_ranking"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentReader(GraphComponent):
    """Every intent of the training data, one multinomial logistic regression over tf-idf n-grams."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation, chosen on the four English dev sets (C = 2, 8 and 32 gave
            # 0.928, 0.933 and a little less; round 10 of method_comparison.md).
            "C": 8.0,
            "max_iter": 300,
            "tol": 1e-3,
            "ranking_length": 10,
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
               execution_context: ExecutionContext) -> IntentReader:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("IntentReader needs at least two intents; it will not read.")
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        self.features = TextFeatures.fit(texts)
        self.clf = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"], tol=self.config["tol"],
                                      class_weight="balanced", solver="lbfgs")
        self.clf.fit(self.features.transform(texts), [e.get(INTENT) for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.clf is None or self.features is None:
            return messages
        probabilities = self.clf.predict_proba(self.features.transform([m.get(TEXT) or "" for m in messages]))
        names = [str(c) for c in self.clf.classes_]
        for message, row in zip(messages, probabilities):
            order = np.argsort(-row)
            ranking = [{"name": names[i], "confidence": round(float(row[i]), 6)} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING, ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def persist(self) -> None:
        assert self.features is not None and self.clf is not None
        with self._model_storage.write_to(self._resource) as directory:
            self.features.save(directory)
            (directory / "classes.json").write_text(json.dumps([str(c) for c in self.clf.classes_]), encoding="utf-8")
            np.savez_compressed(directory / "weights.npz", coef=self.clf.coef_.astype(np.float32),
                                intercept=self.clf.intercept_)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentReader:
        reader = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                reader.features = TextFeatures.load(directory)
                weights = np.load(directory / "weights.npz", allow_pickle=False)
                clf = LogisticRegression()
                clf.coef_ = weights["coef"].astype(np.float64)
                clf.intercept_ = weights["intercept"]
                clf.classes_ = np.array(json.loads((directory / "classes.json").read_text(encoding="utf-8")))
                reader.clf = clf
        except (ValueError, FileNotFoundError, KeyError) as exc:
            logger.warning("IntentReader could not be loaded (%s); it will not read.", exc)
        return reader
