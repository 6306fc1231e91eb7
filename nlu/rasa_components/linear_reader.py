"""What Tend's two readers share: a logistic regression over `TextFeatures`, as a Rasa component.

The intent reader and the risk reader differ only in the question (which intent; risk or not) and
in what they add to a parse. Fitting, persisting as plain arrays and JSON (no pickle: a model file
is data, never code) and loading are the same, and live here once.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu.rasa_components.text_features import TextFeatures

logger = logging.getLogger(__name__)


class LinearReader(GraphComponent):
    """A fitted `TextFeatures` and `LogisticRegression`; subclasses say what to learn and what to add."""

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
               execution_context: ExecutionContext) -> LinearReader:
        return cls(config, model_storage, resource)

    def label_of(self, intent: str) -> Any:
        """The class a training example of `intent` teaches (the intent itself, or risk / not)."""
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        labels = [self.label_of(e.get(INTENT)) for e in examples]
        if len(set(labels)) < 2:
            logger.warning("%s needs examples of at least two classes; it will not read.", type(self).__name__)
            return self._resource
        return self.fit([e.get(TEXT) for e in examples], labels)

    def fit(self, texts: list[str], labels: list[Any]) -> Resource:
        """Fit features and classifier with the component's C, max_iter and tol, and persist them."""
        self.features = TextFeatures.fit(texts)
        self.clf = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                      tol=self.config.get("tol", 1e-4), class_weight="balanced", solver="lbfgs")
        self.clf.fit(self.features.transform(texts), labels)
        self.persist()
        return self._resource

    def probabilities(self, texts: list[str]) -> Any:
        """One row per text, one column per class (`self.clf.classes_`); None when not trained."""
        if self.clf is None or self.features is None:
            return None
        return self.clf.predict_proba(self.features.transform(texts))

    def persist(self) -> None:
        assert self.features is not None and self.clf is not None
        with self._model_storage.write_to(self._resource) as directory:
            self.features.save(directory)
            (directory / "classes.json").write_text(json.dumps([c.item() if hasattr(c, "item") else c
                                                                for c in self.clf.classes_]), encoding="utf-8")
            np.savez_compressed(directory / "weights.npz", coef=self.clf.coef_.astype(np.float32),
                                intercept=self.clf.intercept_)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearReader:
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
            logger.warning("%s could not be loaded (%s); it will not read.", cls.__name__, exc)
        return reader
