"""The text features both readers use: tf-idf over word and character n-grams, fitted on the
training data and persisted as plain arrays and JSON (no pickle).

Character n-grams within word boundaries carry misspellings, phone spellings and unseen inflections
("od'ing", "overdosed", "q" for "que"); word unigrams and bigrams carry phrases. Sublinear counts and
unit-length rows keep a long message from shouting: a repeated n-gram counts by its logarithm, and a
message's length does not scale its weight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer


def _char(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
                           vocabulary=vocabulary, dtype=np.float64)


def _word(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                           vocabulary=vocabulary, dtype=np.float64)


@dataclass
class TextFeatures:
    char: TfidfVectorizer
    word: TfidfVectorizer

    @classmethod
    def fit(cls, texts: list[str]) -> TextFeatures:
        features = cls(_char(), _word())
        features.char.fit(texts)
        features.word.fit(texts)
        return features

    def transform(self, texts: list[str]) -> Any:
        return hstack([self.char.transform(texts), self.word.transform(texts)]).tocsr()

    def save(self, directory: Path) -> None:
        (directory / "vocabulary.json").write_text(json.dumps({
            "char": {k: int(v) for k, v in self.char.vocabulary_.items()},
            "word": {k: int(v) for k, v in self.word.vocabulary_.items()},
        }), encoding="utf-8")
        np.savez(directory / "idf.npz", char_idf=self.char.idf_, word_idf=self.word.idf_)

    @classmethod
    def load(cls, directory: Path) -> TextFeatures:
        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        idf = np.load(directory / "idf.npz", allow_pickle=False)
        features = cls(_char(vocabulary["char"]), _word(vocabulary["word"]))
        features.char.idf_ = idf["char_idf"]
        features.word.idf_ = idf["word_idf"]
        return features
