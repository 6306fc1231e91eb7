"""`tend classify` end to end: a subprocess, real stdin/stdout, the real Rasa server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.rasa


def run_classify(lines: list[str], env_extra: dict[str, str]) -> list[dict]:
    env = {**os.environ, **env_extra}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_keeps_order_and_handles_empty_and_huge_lines(rasa_server) -> None:
    huge = ("so many appointments this week and the forms never end " * 200)[:10_000]
    lines = ["hi there", "", "i want to end my life", huge, "thank you so much", "   "]
    out = run_classify(lines, {"NLU_URL": rasa_server.url, "TEND_NLU_TOKEN": rasa_server.token})
    assert [o["text"] for o in out] == lines
    assert out[0]["intent"] == "greet" and out[0]["crisis"] is False
    assert out[1]["intent"] is None and out[1]["crisis"] is False
    assert out[2]["crisis"] is True and out[2]["crisis_kind"] == "self_harm"
    assert out[3]["intent"] is not None and len(out[3]["text"]) == 10_000
    assert out[4]["intent"] == "thanks"
    for record in out:
        assert set(record) >= {"text", "intent", "confidence", "crisis", "crisis_kind"}


def test_starts_its_own_server_when_none_answers(tmp_path) -> None:
    # Point at a port where nothing listens: classify must start Rasa itself and stop it after.
    out = run_classify(
        ["my daughter said she wants to die", "good morning"],
        {"NLU_URL": "http://127.0.0.1:9", "TEND_NLU_TOKEN": "classify-own-server"},
    )
    assert out[0]["crisis"] is True and out[0]["crisis_kind"] == "child_at_risk"
    assert out[1]["intent"] == "greet"
