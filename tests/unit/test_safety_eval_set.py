"""The labelled safety set with the net alone (as when Rasa is down): no risk message missed."""

from __future__ import annotations

from bot.safety_eval_cli import load_eval_set, summarise
from nlu.safety import load_policy

ITEMS = load_eval_set()


def test_the_set_is_big_enough_and_covers_every_kind() -> None:
    risk = [i for i in ITEMS if i.group == "risk"]
    non_risk = [i for i in ITEMS if i.group == "non_risk"]
    assert len(risk) >= 150 and len(non_risk) >= 150
    assert {i.label for i in risk} == {"self_harm", "harm_others", "unsafe_home", "medical", "child_at_risk"}
    assert {"figurative", "negated", "media", "medical_procedure", "dark_humour"} <= {i.label for i in non_risk}


def test_net_alone_misses_no_risk_message() -> None:
    summary = summarise(ITEMS, [None] * len(ITEMS), load_policy())
    assert summary.misses == [], summary.misses


def test_net_alone_figurative_false_alarms_under_ten_percent() -> None:
    summary = summarise(ITEMS, [None] * len(ITEMS), load_policy())
    alarms, total = summary.false_alarms_by_category["figurative"]
    assert alarms / total < 0.10
