"""A blind set whose first-sight figure has been recorded joins the training data (README, blind sets).

Why a tool: the protocol repeats every round and in every language, and the training file it
writes must be reproducible from the committed set. Risk messages keep their kind (as the crisis
intent), ordinary messages their labelled intent. A look-alike keeps the route its writer gave it
(`intent`, the reading a careful person gives it) when that is a known non-crisis intent; a
look-alike without one takes the model's best non-crisis reading of the whole message, which is
why folding needs the model that was measured, and why the file is written once and committed
rather than rebuilt. The writer's route comes first because a model's best guess on a message it
alarmed on is often the wrong feeling, and training on it would teach that mistake.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from nlu.intents import ALL_INTENTS, CRISIS_INTENT_KIND, CRISIS_INTENTS

#: Crisis kind -> the Rasa intent that carries it.
KIND_INTENT = {kind: intent for intent, kind in CRISIS_INTENT_KIND.items()}


async def intents_for(items: Sequence[tuple[str, str, str, str | None]],
                      best_other: Callable[[str], Awaitable[str]]) -> dict[str, list[str]]:
    """Training examples per intent from (group, label, text, route) items of a blind set.

    `route` is a look-alike's labelled intent, or None when the set gives none.
    """
    out: dict[str, list[str]] = defaultdict(list)
    for group, label, text, route in items:
        if group == "risk":
            out[KIND_INTENT[label]].append(text)
        elif group == "ordinary":
            out[label].append(text)
        elif group == "non_risk":
            known = route in ALL_INTENTS and route not in CRISIS_INTENTS
            intent = route if known and route else await best_other(text)
            if intent in CRISIS_INTENTS:
                raise ValueError("a look-alike must be folded into a non-crisis intent")
            out[intent].append(text)
    return dict(out)


def render(per_intent: dict[str, list[str]], source: str) -> str:
    """Rasa 3.1 NLU YAML. Newlines inside a message become spaces (one example per line)."""
    lines = [
        f"# The blind set {source}, after its first-sight figure was recorded once (nlu/results/blind/),",
        "# joins the training data as the blind-set protocol allows (README). Risk messages keep their kind;",
        "# ordinary messages their labelled intent; look-alikes the model's best non-crisis intent as their route.",
        "# Written by `tend nlu fold`. The next round is measured on a new blind set.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, texts in per_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {' '.join(t.split())}" for t in texts]
    return "\n".join(lines) + "\n"


def write(path: Path, per_intent: dict[str, list[str]], source: str) -> Path:
    path.write_text(render(per_intent, source), encoding="utf-8")
    return path
