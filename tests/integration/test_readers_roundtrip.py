"""Tend's two Rasa components (`nlu/rasa_components/`) trained, persisted and loaded back, in the NLU
environment: what a loaded model reads is what the trained one read.

Why: both readers persist as plain arrays and JSON rather than pickles; a slip in saving or loading
(a class order, an idf vector, 32-bit weights) would change every parse in production while the
trained process looked fine. Runs Rasa's own Python, so it carries the `rasa` marker.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from nlu.rasa_service import python_for_rasa, rasa_env

pytestmark = pytest.mark.rasa

SCRIPT = r'''
import json, sys, tempfile
from pathlib import Path
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.rasa_components.intent_reader import IntentReader
from nlu.rasa_components.risk_reader import RiskReader

rows = [("i shouted at him again, worst mum ever", "self_criticism"), ("i failed her, i should have known", "self_criticism"),
        ("so scared about the scan results tomorrow", "worry"), ("what if the seizures come back", "worry"),
        ("the tablets are saved up and sunday is the day", "crisis_self_harm"),
        ("i have the rope in the garage for tonight", "crisis_self_harm"),
        ("hello there", "greet"), ("hi", "greet")]
data = TrainingData([Message(data={"text": t, "intent": i}) for t, i in rows])
probe = ["worst mum, i yelled again", "the pills are saved for sunday", "scared of the results", "hello"]
out = {}
with tempfile.TemporaryDirectory() as d:
    storage = LocalModelStorage(Path(d))
    context = ExecutionContext(GraphSchema({}), "test")
    for cls in (IntentReader, RiskReader):
        resource = Resource(cls.__name__)
        trained = cls.create({}, storage, resource, context)
        trained.train(data)
        loaded = cls.load({}, storage, resource, context)
        a = trained.process([Message(data={"text": t}) for t in probe])
        b = loaded.process([Message(data={"text": t}) for t in probe])
        key = "intent" if cls is IntentReader else "risk"
        out[cls.__name__] = [[m.get(key) for m in a], [m.get(key) for m in b]]
        if cls is IntentReader:
            out["ranking"] = [[m.get("intent_ranking") for m in a], [m.get("intent_ranking") for m in b]]
print(json.dumps(out))
'''


def test_both_readers_read_the_same_after_saving_and_loading() -> None:
    done = subprocess.run([python_for_rasa(), "-c", SCRIPT], capture_output=True, text=True, env=rasa_env(),
                          timeout=300, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    trained, loaded = out["IntentReader"]
    assert [i["name"] for i in trained] == [i["name"] for i in loaded] == \
        ["self_criticism", "crisis_self_harm", "worry", "greet"]
    for a, b in zip(trained, loaded, strict=True):
        assert a["confidence"] == pytest.approx(b["confidence"], abs=1e-5)
    for a, b in zip(*out["ranking"], strict=True):
        assert [r["name"] for r in a] == [r["name"] for r in b]
    risk_trained, risk_loaded = out["RiskReader"]
    assert [r["confidence"] for r in risk_trained] == pytest.approx([r["confidence"] for r in risk_loaded], abs=1e-4)
    assert risk_loaded[1]["confidence"] > 0.5 > max(risk_loaded[i]["confidence"] for i in (0, 2, 3))
