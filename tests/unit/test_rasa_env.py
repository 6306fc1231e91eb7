"""The Rasa server runs TensorFlow on one thread unless the operator says otherwise."""

from __future__ import annotations

import pytest

from nlu.rasa_service import rasa_env


def test_a_serving_rasa_gets_one_tensorflow_thread_and_training_keeps_the_defaults(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_INTRA_OP_PARALLELISM_THREADS", raising=False)
    monkeypatch.delenv("TF_INTER_OP_PARALLELISM_THREADS", raising=False)
    serving = rasa_env(serving=True)
    assert serving["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert serving["TF_INTER_OP_PARALLELISM_THREADS"] == "1"
    assert "TF_INTRA_OP_PARALLELISM_THREADS" not in rasa_env()


def test_the_operator_can_give_the_server_more_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_INTRA_OP_PARALLELISM_THREADS", "4")
    assert rasa_env(serving=True)["TF_INTRA_OP_PARALLELISM_THREADS"] == "4"
