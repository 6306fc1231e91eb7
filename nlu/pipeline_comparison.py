"""Choose the Rasa pipeline by measurement: train each candidate, score it on the held-out split.

Every candidate is trained on the same data and evaluated through the same HTTP path as the
bot, one after another on the same machine, so training times are comparable. A language with no
held-out split of its own (`nlu/test_data/<lang>`) is scored on its dev sets
(`tests/data/dev/*-<lang>.yml`, written by helpers apart from the training data): each risk
message's gold intent is its kind's crisis intent, every other message's is its intent.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from nlu import evaluation, rasa_service
from nlu.client import RasaClient


DEV_DIR = rasa_service.PROJECT_ROOT / "tests" / "data" / "dev"


def held_out(language: str) -> tuple[list[tuple[str, str]], str]:
    """(text, gold intent) pairs to score a candidate on, and where they came from."""
    import yaml

    from nlu.intents import CRISIS_INTENT_KIND

    directory = rasa_service.test_data_dir(language)
    if directory.exists():
        return evaluation.load_examples(directory), directory.relative_to(rasa_service.PROJECT_ROOT).as_posix()
    intent_of = {str(kind): intent for intent, kind in CRISIS_INTENT_KIND.items()}
    pairs: list[tuple[str, str]] = []
    files = sorted(DEV_DIR.glob(f"*-{language}.yml"))
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        pairs += [(item["text"], intent_of[item["kind"]]) for item in document.get("risk") or []]
        for key in ("non_risk", "ordinary"):
            pairs += [(item["text"], item["intent"]) for item in document.get(key) or []]
    if not pairs:
        raise FileNotFoundError(f"no held-out split or dev set for {language!r}")
    return pairs, ", ".join(p.relative_to(rasa_service.PROJECT_ROOT).as_posix() for p in files)


async def _score_model(model: Path, language: str) -> evaluation.EvalReport:
    pairs, _ = held_out(language)
    texts = [t for t, _ in pairs]
    gold = [g for _, g in pairs]
    server = rasa_service.NluServer(language, model=model)
    await asyncio.to_thread(server.__enter__)
    try:
        async with RasaClient(server.url, server.token, read_timeout=30) as client:
            async def parse(text: str) -> str:
                return (await client.parse(text)).intent

            predicted = await evaluation.predict_all(texts, parse, concurrency=4)
    finally:
        server.stop()
    return evaluation.score(gold, predicted, texts)


def compare(configs: list[str], language: str = "en") -> Path:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            config_path = Path(config).resolve()
            out = Path(tmp) / f"{config_path.stem}.tar.gz"
            outcome = rasa_service.train(language, force=True, config=config_path, out=out)
            report = asyncio.run(_score_model(out, language))
            rows.append(
                {
                    "config": config_path.relative_to(rasa_service.PROJECT_ROOT).as_posix(),
                    "train_seconds": round(outcome.seconds, 1),
                    "model_mb": round(outcome.size_bytes / 1e6, 2),
                    "accuracy": report.accuracy,
                    "macro_f1": report.macro_f1,
                    "crisis_recall": report.crisis_recall,
                    "crisis_exact": report.crisis_as_crisis_intent,
                    "per_intent_f1": {k: v.f1 for k, v in report.per_intent.items()},
                }
            )
    results = rasa_service.NLU_DIR / "results"
    results.mkdir(parents=True, exist_ok=True)
    stem = "pipeline_comparison" if language == "en" else f"pipeline_comparison_{language}"
    # Keep earlier candidates' rows (same data, same machine) unless re-measured now.
    previous = results / f"{stem}.json"
    if previous.exists():
        measured = {r["config"] for r in rows}
        rows = [r for r in json.loads(previous.read_text()) if r["config"] not in measured] + rows
    (results / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n")
    path = results / f"{stem}.md"
    path.write_text(render(rows, language))
    return path


def _chosen(rows: list[dict], language: str = "en") -> str | None:
    """Which candidate the language's config currently is (same pipeline, comments aside)."""
    import yaml

    current = yaml.safe_load(rasa_service.config_path(language).read_text()).get("pipeline")
    for r in rows:
        candidate = rasa_service.PROJECT_ROOT / r["config"]
        if candidate.exists() and yaml.safe_load(candidate.read_text()).get("pipeline") == current:
            return r["config"]
    return None


def render(rows: list[dict], language: str = "en") -> str:
    _, scored_on = held_out(language)
    config = rasa_service.config_path(language).relative_to(rasa_service.PROJECT_ROOT).as_posix()
    lines = [
        f"# Pipeline comparison ({language})",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `tend nlu compare --language {language}`:",
        f"each candidate trained on `nlu/data/{language}`, scored on `{scored_on}` (never trained on)",
        "through the Rasa HTTP server, on this machine (2 cores). The model alone: no crisis net.",
        "",
        "| pipeline | train s | model MB | accuracy | macro F1 | crisis recall | crisis exact |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['config']}` | {r['train_seconds']} | {r['model_mb']} | {r['accuracy']:.3f} | "
            f"{r['macro_f1']:.3f} | {r['crisis_recall']:.3f} | {r['crisis_exact']:.3f} |"
        )
    intents = sorted({i for r in rows for i in r["per_intent_f1"]})
    lines += ["", "Per-intent F1:", "", "| intent | " + " | ".join(Path(r["config"]).stem for r in rows) + " |"]
    lines.append("|---|" + "---:|" * len(rows))
    for intent in intents:
        cells = " | ".join(f"{r['per_intent_f1'].get(intent, 0):.3f}" for r in rows)
        lines.append(f"| {intent} | {cells} |")
    chosen = _chosen(rows, language)
    lines += ["", "## Decision", ""]
    lines.append(f"`{config}` is `{chosen}`." if chosen else f"`{config}` matches none of the candidates.")
    lines.append("Rule: highest macro F1 and crisis recall on the held-out split among candidates that train "
                 "in under 5 minutes on 2 cores; training time breaks ties (it is paid on every data change "
                 "and in CI).")
    return "\n".join(lines) + "\n"
