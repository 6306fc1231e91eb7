"""`tend safety eval`: the whole safety stack on the labelled set in tests/data/safety_eval.yml.

Prints recall per crisis kind, the false-alarm rate on look-alike messages, how the ambiguous
"check" messages fare, which layer fired, and every miss. With `--sweep` it also tries a grid
of layer-2 thresholds and writes nlu/results/safety_thresholds.md, which is how the values
in nlu/safety_policy.yml were chosen.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT, Settings
from nlu.client import NluResult
from nlu.crisis_net import default_net
from nlu.safety import SafetyDecision, SafetyPolicy, decide, load_policy

EVAL_SET = PROJECT_ROOT / "tests" / "data" / "safety_eval.yml"
RESULTS = PROJECT_ROOT / "nlu" / "results"


@dataclass
class Item:
    text: str
    group: str  # risk | non_risk | check
    label: str  # kind for risk, category for non_risk, "check"


DECISION = """## Decision (nlu/safety_policy.yml)

On this set the net alone already catches every risk message, so the whole-stack table cannot
separate the thresholds on recall; the Rasa-alone table is what layer 2 adds for messages the
net has never seen. Rule chosen: hand off when a crisis intent ranks first with confidence
>= 0.8, ask the safety question when one is within the top 2 with confidence >= 0.5, and do not
let Rasa alone raise an alarm on a message the net recognised as figurative or about media.
Recall first: at 0.5 Rasa alone still catches about nine in ten risk messages, at the price of
asking the safety question on roughly one in seven look-alikes; figurative speech stays under
10% because the net's guards take precedence there.
"""


def load_eval_set(path: Path = EVAL_SET) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [Item(r["text"], "risk", r["kind"]) for r in data.get("risk", [])]
    items += [Item(r["text"], "non_risk", r.get("category", "other")) for r in data.get("non_risk", [])]
    items += [Item(r["text"], "check", "check") for r in data.get("check", []) or []]
    return items


@dataclass
class Summary:
    recall_by_kind: dict[str, tuple[int, int]]
    kind_correct: int
    false_alarms_by_category: dict[str, tuple[int, int]]
    check_caught: tuple[int, int]
    layers: dict[str, int]
    misses: list[tuple[str, str]]
    false_alarms: list[tuple[str, str, str]]

    @property
    def risk_total(self) -> int:
        return sum(n for _, n in self.recall_by_kind.values())

    @property
    def risk_caught(self) -> int:
        return sum(c for c, _ in self.recall_by_kind.values())

    @property
    def false_alarm_rate(self) -> float:
        alarms = sum(a for a, _ in self.false_alarms_by_category.values())
        total = sum(n for _, n in self.false_alarms_by_category.values())
        return alarms / total if total else 0.0


def summarise(items: list[Item], nlu: list[NluResult | None], policy: SafetyPolicy) -> Summary:
    """The stack's decisions with one whole-message NLU result per item (the threshold sweep)."""
    net = default_net()
    return summarise_decisions(items, [decide(net.check(i.text), r, policy) for i, r in zip(items, nlu)])


def summarise_decisions(items: list[Item], decisions: list[SafetyDecision]) -> Summary:
    """Recall, false alarms and asks from the decisions the stack took (as `Understander` takes them)."""
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alarms: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    check = [0, 0]
    layers: Counter[str] = Counter()
    misses: list[tuple[str, str]] = []
    false: list[tuple[str, str, str]] = []
    kind_ok = 0
    for item, decision in zip(items, decisions, strict=True):
        if item.group == "risk":
            recall[item.label][1] += 1
            if decision.crisis:
                recall[item.label][0] += 1
                layers[f"{decision.layer}:{decision.action}"] += 1
                kind_ok += decision.kind == item.label
            else:
                misses.append((item.label, item.text))
        elif item.group == "non_risk":
            alarms[item.label][1] += 1
            if decision.crisis:
                alarms[item.label][0] += 1
                false.append((item.label, f"{decision.layer}:{decision.action}:{decision.rule}", item.text))
        else:
            check[1] += 1
            check[0] += decision.crisis
    return Summary(
        {k: (v[0], v[1]) for k, v in sorted(recall.items())}, kind_ok,
        {k: (v[0], v[1]) for k, v in sorted(alarms.items())}, (check[0], check[1]),
        dict(layers), misses, false,
    )


def render(summary: Summary, title: str) -> str:
    lines = [f"## {title}", ""]
    lines.append(f"Risk recall: {summary.risk_caught}/{summary.risk_total}"
                 f" (kind right for {summary.kind_correct})")
    for kind, (caught, total) in summary.recall_by_kind.items():
        lines.append(f"  {kind:15s} {caught}/{total}  {caught / total:.1%}")
    lines.append(f"False alarms on non-risk: {summary.false_alarm_rate:.1%}")
    for category, (alarm, total) in summary.false_alarms_by_category.items():
        lines.append(f"  {category:18s} {alarm}/{total}")
    caught, total = summary.check_caught
    if total:
        lines.append(f"Ambiguous messages that get at least a safety question: {caught}/{total}")
    lines.append("Layer that fired on risk messages: " +
                 ", ".join(f"{k} {v}" for k, v in sorted(summary.layers.items())))
    lines.append(f"Misses ({len(summary.misses)}):")
    lines += [f"  [{kind}] {text}" for kind, text in summary.misses] or ["  none"]
    lines.append(f"False alarms ({len(summary.false_alarms)}):")
    lines += [f"  [{cat}] ({rule}) {text}" for cat, rule, text in summary.false_alarms] or ["  none"]
    return "\n".join(lines)


async def _parse_all(items: list[Item], settings: Settings) -> list[NluResult | None]:
    from bot.nlu_runtime import nlu_client
    from nlu.evaluation import predict_all

    async with nlu_client(settings) as client:
        results: dict[str, NluResult] = {}

        async def parse(text: str) -> str:
            results[text] = await client.parse(text)
            return results[text].intent

        await predict_all([i.text for i in items], parse)
    return [results.get(i.text) for i in items]


async def _understand_all(items: list[Item], settings: Settings) -> list[SafetyDecision]:
    """Every item through `Understander`, sentence pieces included, as the bot reads it."""
    from bot.nlu_runtime import nlu_client
    from nlu.understanding import Understander

    async with nlu_client(settings) as client:
        understander = Understander(client)
        return [(await understander.understand(i.text)).safety for i in items]


def rasa_alone(items: list[Item], nlu: list[NluResult | None]) -> str:
    """What layer 2 would catch and falsely raise on its own (non-risk messages the net had
    already set aside as figurative or media are not counted: the stack ignores Rasa there)."""
    from nlu import understanding

    net = default_net()

    def crisis_confidence(result: NluResult | None) -> float:
        return 0.0 if result is None else understanding.crisis_confidence(result)

    rows = ["| Rasa crisis confidence ≥ | risk caught by Rasa alone | false alarms (unguarded non-risk) |",
            "|---:|---:|---:|"]
    for threshold in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        risk = [crisis_confidence(r) >= threshold for i, r in zip(items, nlu) if i.group == "risk"]
        false = [crisis_confidence(r) >= threshold and not net.check(i.text).guarded
                 for i, r in zip(items, nlu) if i.group == "non_risk"]
        rows.append(f"| {threshold} | {sum(risk)}/{len(risk)} | {sum(false)}/{len(false)} |")
    return "\n".join(rows)


def sweep(items: list[Item], nlu: list[NluResult | None]) -> str:
    rows = ["| handoff ≥ | ask ≥ | ask rank ≤ | risk recall | false alarms | figurative false alarms | check caught |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for handoff in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01):
        for ask in (0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01):
            if ask > handoff:
                continue
            for rank in (1, 2):
                policy = SafetyPolicy(handoff_confidence=handoff, ask_confidence=ask, ask_max_rank=rank)
                s = summarise(items, nlu, policy)
                fig = s.false_alarms_by_category.get("figurative", (0, 0))
                rows.append(f"| {handoff} | {ask} | {rank} | {s.risk_caught}/{s.risk_total} | "
                            f"{s.false_alarm_rate:.1%} | {fig[0]}/{fig[1]} | {s.check_caught[0]}/{s.check_caught[1]} |")
    return "\n".join(rows)


async def run_safety_eval(settings: Settings, *, net_only: bool = False, do_sweep: bool = False) -> int:
    items = load_eval_set()
    policy = load_policy()
    net_summary = summarise(items, [None] * len(items), policy)
    print(render(net_summary, "Layer 1 alone (the net, as when Rasa is down)"))
    summary = net_summary
    if not net_only:
        summary = summarise_decisions(items, await _understand_all(items, settings))
        print()
        print(render(summary, "The whole stack (net + Rasa + ask)"))
        if do_sweep:
            nlu = await _parse_all(items, settings)
            table = sweep(items, nlu)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "safety_thresholds.md").write_text(
                "# Layer-2 threshold sweep\n\n"
                f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `tend safety eval --sweep` on "
                f"tests/data/safety_eval.yml ({len(items)} messages). The net (layer 1) is always on; "
                "rows differ only in when Rasa's crisis intents trigger.\n\n"
                "## Rasa alone (layer 2 without the net)\n\n" + rasa_alone(items, nlu) + "\n\n"
                "## The whole stack by layer-2 thresholds\n\n" + table + "\n\n" + DECISION,
                encoding="utf-8")
            print("\nsweep written to nlu/results/safety_thresholds.md")
        report = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "risk_recall": [summary.risk_caught, summary.risk_total],
            "net_only_recall": [net_summary.risk_caught, net_summary.risk_total],
            "recall_by_kind": summary.recall_by_kind,
            "false_alarm_rate": round(summary.false_alarm_rate, 4),
            "net_only_false_alarm_rate": round(net_summary.false_alarm_rate, 4),
            "layers": summary.layers,
            "misses": summary.misses,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "safety_eval.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if summary.misses else 0
