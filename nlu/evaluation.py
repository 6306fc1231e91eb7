"""Held-out evaluation of the NLU model: per-intent precision/recall/F1, confusions, crisis recall.

Evaluation goes through the same HTTP client the bot uses, so the figures describe the model
as the bot sees it. The test split (`nlu/test_data/<lang>/`) is never given to `rasa train`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from nlu.intents import CRISIS_INTENTS

_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]+\}")


def strip_entity_markup(example: str) -> str:
    """`remind me at [8pm](time)` -> `remind me at 8pm`."""
    return _ENTITY_MARKUP.sub(lambda m: m.group(1) or m.group(2), example)


def load_examples(directory: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from every Rasa NLU YAML file in `directory`, in file order."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []) or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    pairs.append((strip_entity_markup(line[2:].strip()), intent))
    return pairs


@dataclass
class IntentScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvalReport:
    examples: int
    accuracy: float
    macro_f1: float
    weighted_f1: float
    crisis_recall: float
    crisis_as_crisis_intent: float
    per_intent: dict[str, IntentScores]
    confusions: list[tuple[str, str, int]]
    crisis_misses: list[tuple[str, str, str]] = field(default_factory=list)
    created: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        data["per_intent"] = {k: asdict(v) for k, v in self.per_intent.items()}
        return data


def score(gold: list[str], predicted: list[str], texts: list[str] | None = None) -> EvalReport:
    labels = sorted(set(gold) | set(predicted))
    per_intent: dict[str, IntentScores] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        support = sum(1 for g in gold if g == label)
        if support:
            per_intent[label] = IntentScores(round(precision, 4), round(recall, 4), round(f1, 4), support)
    total = len(gold)
    accuracy = sum(1 for g, p in zip(gold, predicted) if g == p) / total if total else 0.0
    macro = sum(s.f1 for s in per_intent.values()) / len(per_intent) if per_intent else 0.0
    weighted = sum(s.f1 * s.support for s in per_intent.values()) / total if total else 0.0
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    crisis_idx = [i for i, g in enumerate(gold) if g in CRISIS_INTENTS]
    exact = sum(1 for i in crisis_idx if predicted[i] == gold[i])
    any_crisis = sum(1 for i in crisis_idx if predicted[i] in CRISIS_INTENTS)
    misses = [
        (texts[i] if texts else "", gold[i], predicted[i])
        for i in crisis_idx
        if predicted[i] not in CRISIS_INTENTS
    ]
    return EvalReport(
        examples=total,
        accuracy=round(accuracy, 4),
        macro_f1=round(macro, 4),
        weighted_f1=round(weighted, 4),
        crisis_recall=round(any_crisis / len(crisis_idx), 4) if crisis_idx else 1.0,
        crisis_as_crisis_intent=round(exact / len(crisis_idx), 4) if crisis_idx else 1.0,
        per_intent=per_intent,
        confusions=[(g, p, n) for (g, p), n in confusions.most_common(15)],
        crisis_misses=misses,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


async def predict_all(
    texts: Iterable[str], parse: Callable[[str], Awaitable[str]], concurrency: int = 8
) -> list[str]:
    """Intent predictions in input order, `concurrency` requests in flight."""
    items = list(texts)
    results: list[str] = [""] * len(items)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int, text: str) -> None:
        async with semaphore:
            results[i] = await parse(text)

    await asyncio.gather(*(one(i, t) for i, t in enumerate(items)))
    return results


def render_markdown(report: EvalReport, title: str) -> str:
    lines = [
        f"# {title}",
        "",
        f"Generated {report.created} by `tend nlu eval` on the held-out split (never trained on).",
        "",
        f"- examples: {report.examples}",
        f"- accuracy: {report.accuracy:.3f}",
        f"- macro F1: {report.macro_f1:.3f}  weighted F1: {report.weighted_f1:.3f}",
        f"- crisis recall (a crisis example predicted as any crisis intent): {report.crisis_recall:.3f}",
        f"- crisis examples predicted as their exact crisis intent: {report.crisis_as_crisis_intent:.3f}",
        "",
        "Crisis recall here is Rasa alone (layer 2). The whole safety stack is measured by `tend safety eval`.",
        "",
        "| intent | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, s in sorted(report.per_intent.items()):
        lines.append(f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |")
    lines += ["", "## Most frequent confusions (gold → predicted)", ""]
    if report.confusions:
        lines += ["| gold | predicted | count |", "|---|---|---:|"]
        lines += [f"| {g} | {p} | {n} |" for g, p, n in report.confusions]
    else:
        lines.append("none")
    lines += ["", "## Crisis examples Rasa alone did not put on a crisis intent", ""]
    if report.crisis_misses:
        lines += [f"- ({g} → {p}) {t}" for t, g, p in report.crisis_misses]
    else:
        lines.append("none")
    return "\n".join(lines) + "\n"


def write_report(report: EvalReport, directory: Path, stem: str, title: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    md = directory / f"{stem}.md"
    js = directory / f"{stem}.json"
    md.write_text(render_markdown(report, title), encoding="utf-8")
    js.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    return md, js
