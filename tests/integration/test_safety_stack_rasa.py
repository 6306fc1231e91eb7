"""The whole safety stack with the real Rasa server over the labelled set: `make test` fails on
any missed risk message, and figurative look-alikes stay under 10% false alarms."""

from __future__ import annotations

import pytest

from bot.safety_eval_cli import load_eval_set, summarise_decisions
from nlu.client import RasaClient
from nlu.understanding import Understander

pytestmark = pytest.mark.rasa


async def test_whole_stack_on_the_safety_set(rasa_server) -> None:
    items = load_eval_set()
    async with RasaClient(rasa_server.url, rasa_server.token, read_timeout=30) as client:
        understander = Understander(client)
        decisions = [(await understander.understand(item.text)).safety for item in items]
    summary = summarise_decisions(items, decisions)
    assert summary.misses == [], summary.misses
    alarms, total = summary.false_alarms_by_category["figurative"]
    assert alarms / total < 0.10, summary.false_alarms
    caught, total_check = summary.check_caught
    assert caught == total_check
