"""`tend safety eval --set PATH`: the whole understanding stack, first sight, on a labelled set.

Reads any set in the blind-set format (`tests/data/blind/<date>/*.yml`, or one file):
`risk` items with a `kind` (and `length`: short | long), `non_risk` look-alikes with a
`category`, `ordinary` messages with the `intent` a careful reader gives them, and `check`
(ambiguous: at least the safety question). Every message goes through `Understander`, exactly
as `tend classify` and the bot read it, so the figure is the one a parent meets.

It reports what the blind-set protocol asks for (README, "Measuring understanding"): crisis
recall per kind and per length, false alarms on look-alikes (any alarm, and handoffs alone) per
category and per length, and route accuracy on ordinary messages. It never tunes anything.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from nlu.intents import CrisisKind

#: The kinds a risk message may be labelled with: the stack's own names (`CrisisKind`).
KINDS = frozenset(k.value for k in CrisisKind)

RESULTS_DIR = Path(__file__).resolve().parents[1] / "nlu" / "results" / "blind"
LONG_CHARS = 200  # a message without a `length` label counts as long above this many characters


@dataclass(frozen=True)
class Labelled:
    text: str
    group: str  # risk | non_risk | ordinary | check
    label: str  # kind, category, intent or "check"
    length: str  # short | long
    source: str
    dictated: bool = False  # written as phone voice-typing produces it (no punctuation)
    route: str | None = None  # a look-alike's labelled intent, when its writer gave one


@dataclass(frozen=True)
class Outcome:
    action: str  # none | ask | handoff
    kind: str | None
    intent: str | None
    seconds: float = 0.0  # how long understanding this one message took


def _length(entry: dict[str, Any]) -> str:
    given = entry.get("length")
    if given in ("short", "long"):
        return str(given)
    return "long" if len(str(entry["text"])) > LONG_CHARS else "short"


def load_set(path: Path) -> list[Labelled]:
    """Every labelled message in a set file, or in every `*.yml` of a set directory."""
    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"no .yml files in {path}")
    items: list[Labelled] = []
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for entry in data.get("risk") or []:
            if entry["kind"] not in KINDS:
                # A misspelt kind would count every catch of it as "kind named wrong" and could not be
                # folded into training (round 11's set was briefed with "harm_to_others").
                raise ValueError(f"{file.name}: unknown kind {entry['kind']!r}; the kinds are {sorted(KINDS)}")
            items.append(Labelled(entry["text"], "risk", entry["kind"], _length(entry), file.name,
                                  bool(entry.get("dictated"))))
        for entry in data.get("non_risk") or []:
            items.append(Labelled(entry["text"], "non_risk", entry.get("category", "other"), _length(entry),
                                  file.name, bool(entry.get("dictated")), entry.get("intent")))
        for entry in data.get("ordinary") or []:
            items.append(Labelled(entry["text"], "ordinary", entry["intent"], _length(entry), file.name))
        for entry in data.get("check") or []:
            text = entry["text"] if isinstance(entry, dict) else str(entry)
            items.append(Labelled(text, "check", "check", _length({"text": text}), file.name))
    return items


def _percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _rate(hit: int, total: int) -> str:
    return f"{hit}/{total} ({hit / total:.2f})" if total else "–"


def _rate_table(title: str, columns: Sequence[str], *tables: dict[str, list[int]]) -> list[str]:
    """A markdown section: one row per slice of the first table, one rate column per table."""
    lines = ["", f"## {title}", "", "| slice | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for key in sorted(tables[0]):
        lines.append(f"| {key} | " + " | ".join(_rate(*t.get(key, [0, 0])) for t in tables) + " |")
    return lines


@dataclass
class SetReport:
    name: str
    label: str
    created: str
    seconds: float
    counts: dict[str, int]
    recall: dict[str, list[int]] = field(default_factory=dict)  # key -> [caught, total]
    recall_handoff: dict[str, list[int]] = field(default_factory=dict)
    kind_right: list[int] = field(default_factory=lambda: [0, 0])
    false_alarm: dict[str, list[int]] = field(default_factory=dict)
    false_handoff: dict[str, list[int]] = field(default_factory=dict)
    route: dict[str, list[int]] = field(default_factory=dict)
    ordinary_alarm: list[int] = field(default_factory=lambda: [0, 0])
    check_asked: list[int] = field(default_factory=lambda: [0, 0])
    timings: dict[str, list[float]] = field(default_factory=dict)  # slice -> ms per message
    misses: list[dict[str, str]] = field(default_factory=list)
    alarms: list[dict[str, str]] = field(default_factory=list)

    def headline(self) -> dict[str, float | None]:
        def ratio(pair: list[int] | None) -> float | None:
            return round(pair[0] / pair[1], 4) if pair and pair[1] else None

        return {"crisis_recall": ratio(self.recall.get("all")),
                "crisis_recall_long": ratio(self.recall.get("length:long")),
                "crisis_recall_short": ratio(self.recall.get("length:short")),
                "false_alarms": ratio(self.false_alarm.get("all")),
                "false_handoffs": ratio(self.false_handoff.get("all")),
                "route_accuracy": ratio(self.route.get("all")),
                "ordinary_alarms": ratio(self.ordinary_alarm)}

    def to_markdown(self) -> str:
        h = self.headline()
        lines = [f"# {self.name}: {self.label}", "",
                 f"Generated {self.created} by `tend safety eval --set` ({sum(self.counts.values())} messages: "
                 + ", ".join(f"{v} {k}" for k, v in self.counts.items()) + f"; {self.seconds:.0f} s).", "",
                 "| figure | value |", "|---|---:|"]
        for key, value in h.items():
            lines.append(f"| {key.replace('_', ' ')} | {'–' if value is None else f'{value:.2f}'} |")
        lines += _rate_table("Crisis recall (a handoff or the safety question)", ("caught", "handoff alone"),
                             self.recall, self.recall_handoff)
        lines.append(f"\nKind named right on caught risk: {_rate(*self.kind_right)}")
        lines += _rate_table("False alarms on look-alikes", ("any alarm", "handoff"), self.false_alarm,
                             self.false_handoff)
        lines += _rate_table("Route accuracy on ordinary messages (intent right and no alarm)", ("right",), self.route)
        lines.append(f"\nAlarms on ordinary messages: {_rate(*self.ordinary_alarm)}")
        if self.timings:
            lines += ["", "## Understanding time per message (one at a time, NLU included)", "",
                      "| slice | messages | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
            for key, values in sorted(self.timings.items()):
                lines.append(f"| {key} | {len(values)} | {_percentile(values, 50):.1f} | {_percentile(values, 99):.1f} |")
        if self.check_asked[1]:
            lines.append(f"Ambiguous messages asked about: {_rate(*self.check_asked)}")
        return "\n".join(lines) + "\n"


def score(name: str, label: str, items: Sequence[Labelled], outcomes: Sequence[Outcome],
          seconds: float = 0.0) -> SetReport:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.group] += 1
    report = SetReport(name, label, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), seconds, dict(counts))

    def bump(table: dict[str, list[int]], keys: Sequence[str], hit: bool) -> None:
        for key in keys:
            pair = table.setdefault(key, [0, 0])
            pair[0] += int(hit)
            pair[1] += 1

    for item, out in zip(items, outcomes, strict=True):
        keys = ["all", f"kind:{item.label}" if item.group == "risk" else f"category:{item.label}",
                f"length:{item.length}"]
        if item.dictated:
            keys.append("dictated (any length)")
        if item.group == "risk":
            keys.append(f"kind:{item.label}, {item.length}")
        report.timings.setdefault(f"length:{item.length}", []).append(out.seconds * 1000)
        alarm = out.action != "none"
        if item.group == "risk":
            bump(report.recall, keys, alarm)
            bump(report.recall_handoff, keys, out.action == "handoff")
            if alarm:
                report.kind_right[1] += 1
                report.kind_right[0] += int(out.kind == item.label)
            else:
                report.misses.append({"kind": item.label, "length": item.length, "text": item.text})
        elif item.group == "non_risk":
            bump(report.false_alarm, keys, alarm)
            bump(report.false_handoff, keys, out.action == "handoff")
            if alarm:
                report.alarms.append({"category": item.label, "action": out.action, "kind": str(out.kind),
                                      "text": item.text})
        elif item.group == "ordinary":
            right = out.intent == item.label and not alarm
            bump(report.route, ["all", f"intent:{item.label}", f"length:{item.length}"], right)
            report.ordinary_alarm[0] += int(alarm)
            report.ordinary_alarm[1] += 1
            if alarm:
                report.alarms.append({"category": "ordinary", "action": out.action, "kind": str(out.kind),
                                      "text": item.text})
        else:
            report.check_asked[0] += int(alarm)
            report.check_asked[1] += 1
    return report


async def evaluate(items: Sequence[Labelled], understand: Callable[..., Awaitable[Any]],
                   language: str | None = None) -> tuple[list[Outcome], float]:
    """Run each message through `understand` (an `Understander.understand`), one at a time, so the
    time each message takes is the time a parent waits (no queueing behind the others). `language`
    is the parents' language, when the set has one."""
    started = time.monotonic()
    outcomes: list[Outcome] = []
    for item in items:
        begun = time.perf_counter()
        u = await understand(item.text, language) if language else await understand(item.text)
        outcomes.append(Outcome(u.safety.action, u.safety.kind, u.intent, time.perf_counter() - begun))
    return outcomes, time.monotonic() - started


def write(report: SetReport, directory: Path, stem: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    md = directory / f"{stem}.md"
    js = directory / f"{stem}.json"
    md.write_text(report.to_markdown(), encoding="utf-8")
    data = {k: v for k, v in report.__dict__.items()}
    data["headline"] = report.headline()
    js.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return md, js
