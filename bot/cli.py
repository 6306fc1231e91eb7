"""`tend`: the one console script (chat, run, classify, nlu, safety).

Sub-commands only parse arguments and hand over; the work lives in the packages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from bot.settings import Settings


def _configure_logging(level: str) -> None:
    from bot.log_format import configure

    configure(level)


# ---------------------------------------------------------------- classify
async def classify_stream(understander, lines: Sequence[str], out: TextIO, batch: int = 16) -> None:
    """Classify lines concurrently in small batches, writing answers strictly in input order."""
    for start in range(0, len(lines), batch):
        chunk = lines[start : start + batch]
        results = await asyncio.gather(*(understander.understand(text) for text in chunk))
        for text, understanding in zip(chunk, results):
            record = {
                "text": text,
                "intent": understanding.intent,
                "confidence": round(understanding.confidence, 4),
                "crisis": understanding.safety.crisis,
                "crisis_kind": understanding.safety.kind if understanding.safety.crisis else None,
                "safety": understanding.safety.action,
                "language": understanding.language,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()


async def _classify(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    """Messages in any of Tend's languages, mixed in one stream, no flag: each is placed by its own
    words, read by every language's crisis net and parsed by its language's model."""
    from bot.nlu_runtime import nlu_clients
    from nlu.understanding import Understander

    lines = [line.rstrip("\r\n") for line in stdin]
    async with nlu_clients(settings) as clients:
        await classify_stream(Understander(clients), lines, stdout)
    return 0


# ---------------------------------------------------------------- nlu
def _nlu_train(args: argparse.Namespace) -> int:
    """Each language's model trains in its own `rasa train` process, side by side: training is
    mostly single-threaded (scikit-learn, CRF), so on 2 cores two languages take about as long as
    the slower one instead of the sum (the largest step of `make test` from a bare machine)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from nlu import rasa_service

    languages = [args.language] if args.language else rasa_service.languages()
    with ThreadPoolExecutor(max_workers=max(1, min(len(languages), os.cpu_count() or 1))) as pool:
        outcomes = list(pool.map(lambda language: rasa_service.train(language, force=args.force), languages))
    for outcome in outcomes:
        if outcome.trained:
            print(f"trained {outcome.model} in {outcome.seconds:.1f}s ({outcome.size_bytes / 1e6:.1f} MB)")
        else:
            print(f"model {outcome.model} is up to date (data and config unchanged); not retraining")
    return 0


def _nlu_augment(args: argparse.Namespace) -> int:
    from nlu import augment

    path = augment.write(args.language)
    print(f"wrote {path} (long training messages built from nlu/augment_data/{args.language}/filler.yml)")
    return 0


async def _nlu_fold(args: argparse.Namespace, settings: Settings) -> int:
    """A recorded blind set joins the training data (nlu/fold_blind.py)."""
    from pathlib import Path

    from bot import set_eval
    from bot.nlu_runtime import nlu_clients
    from nlu import fold_blind
    from nlu.intents import CRISIS_INTENTS

    path = Path(args.set)
    items = [(i.group, i.label, i.text, i.route) for i in set_eval.load_set(path) if i.group != "check"]
    async with nlu_clients(settings) as clients:
        client = clients[args.lang]

        async def best_other(text: str) -> str:
            result = await client.parse(text)
            others = [s.name for s in result.ranking if s.name not in CRISIS_INTENTS]
            return others[0] if others else "inform"

        per_intent = await fold_blind.intents_for(items, best_other)
    out = fold_blind.write(Path(args.out), per_intent, path.name)
    print(f"wrote {out}: " + ", ".join(f"{k} {len(v)}" for k, v in per_intent.items()))
    return 0


def _nlu_serve(args: argparse.Namespace, settings: Settings) -> int:
    from nlu import rasa_service

    if args.host not in rasa_service.LOCAL_HOSTS and not args.allow_remote:
        print("Refusing to bind the NLU server beyond this machine without --allow-remote.", file=sys.stderr)
        return 2
    rasa_service.train(args.language)
    server = rasa_service.NluServer(
        args.language, host=args.host, port=args.port, token=settings.nlu_token or None
    )
    server.start()
    try:
        server.wait_ready()
        print(f"NLU server ready at {server.url} (model {server.model.name}); Ctrl-C stops it", flush=True)
        while server.running():
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


async def _nlu_eval(settings: Settings, language: str) -> int:
    from bot.nlu_runtime import nlu_clients
    from nlu import evaluation, rasa_service

    pairs = evaluation.load_examples(rasa_service.test_data_dir(language))
    texts = [t for t, _ in pairs]
    gold = [g for _, g in pairs]
    async with nlu_clients(settings) as clients:
        if language not in clients:
            print(f"No {language} model: train it with `tend nlu train --lang {language}`.", file=sys.stderr)
            return 2
        client = clients[language]

        async def parse(text: str) -> str:
            return (await client.parse(text)).intent

        predicted = await evaluation.predict_all(texts, parse)
    report = evaluation.score(gold, predicted, texts)
    md, _ = evaluation.write_report(
        report, rasa_service.NLU_DIR / "results", f"eval-{language}", f"NLU evaluation ({language})"
    )
    print(
        f"{report.examples} held-out examples: accuracy {report.accuracy:.3f}, macro F1 {report.macro_f1:.3f}, "
        f"crisis recall (Rasa alone) {report.crisis_recall:.3f}; report in {md}"
    )
    return 0


def _nlu_compare(args: argparse.Namespace) -> int:
    from nlu.pipeline_comparison import compare

    path = compare(args.configs, args.language)
    print(f"comparison written to {path}")
    return 0


# ---------------------------------------------------------------- chat / run
def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import run_console

    return asyncio.run(run_console(settings, start_nlu=not args.no_nlu))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram_app import run_telegram

    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set. Use `tend chat` to talk to Tend in the terminal.", file=sys.stderr)
        return 2
    return run_telegram(settings, start_nlu=args.with_nlu, webhook=args.webhook)


async def _admin(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime, timedelta

    from storage.database import Database
    from storage.migrate import upgrade_to_head
    from storage.report import programme_report, render_report
    from storage.repositories import EventRepo

    await upgrade_to_head(settings.database_url)
    db = Database.from_url(settings.database_url)
    try:
        async with db.session() as session:
            if args.admin_command == "stats":
                report = await programme_report(session, datetime.now(UTC))
                print(json.dumps(report, indent=2) if args.json else render_report(report))
            elif args.admin_command == "purge":
                days = args.days or settings.event_retention_days
                if not days:
                    print("Give --days N or set EVENT_RETENTION_DAYS.", file=sys.stderr)
                    return 2
                removed = await EventRepo(session).purge_before(datetime.now(UTC) - timedelta(days=days))
                print(f"removed {removed} events older than {days} days")
    finally:
        await db.dispose()
    return 0


def _safety_eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.set:
        return asyncio.run(_set_eval(args, settings))
    from bot.safety_eval_cli import run_safety_eval

    return asyncio.run(run_safety_eval(settings, net_only=args.net_only, do_sweep=args.sweep))


async def _set_eval(args: argparse.Namespace, settings: Settings) -> int:
    """First-sight figures of the whole stack on a labelled set (see bot/set_eval.py)."""
    from pathlib import Path

    from bot import set_eval
    from bot.nlu_runtime import nlu_clients
    from nlu.understanding import Understander

    path = Path(args.set)
    items = set_eval.load_set(path)
    name = path.name if path.is_dir() else f"{path.parent.name}-{path.stem}"
    label = args.label or ("net alone" if args.net_only else "whole stack")
    hint = args.lang  # the parent's language for every message of the set; None: each message's own words
    if args.net_only:
        outcomes, seconds = await set_eval.evaluate(items, Understander(None).understand, hint)
    else:
        async with nlu_clients(settings) as clients:
            outcomes, seconds = await set_eval.evaluate(items, Understander(clients).understand, hint)
    report = set_eval.score(name, label, items, outcomes, seconds)
    # The net alone is its own result beside the whole stack's, whatever the label says: the same
    # label for both runs of a round must never overwrite the whole stack's first-sight figure.
    suffix = "-net-alone" if args.net_only and "net alone" not in label else ""
    stem = f"{name}-{label.replace(' ', '-')}{suffix}"
    md, _ = set_eval.write(report, set_eval.RESULTS_DIR, stem)
    print(report.to_markdown())
    if args.show_misses:
        for miss in report.misses:
            print("MISS", miss)
        for alarm in report.alarms:
            print("ALARM", alarm)
    print(f"written to {md}")
    return 0


def _resources(args: argparse.Namespace) -> int:
    """Tab-separated, one service per line; exit 1 while any line is due, so a deployment script
    can refuse to go live on numbers nobody has confirmed."""
    from datetime import UTC, datetime

    from dialogues.crisis_resources import audit

    lines, due = audit(datetime.now(UTC).date(), only_due=args.due)
    print("\n".join(lines))
    print(f"{due} line(s) to verify before going live" if due else "every line verified in the last six months",
          file=sys.stderr)
    return 1 if due else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tend", description="Tend, a self-compassion coach for parents.")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to the coach in the terminal")
    chat.add_argument("--no-nlu", action="store_true", help="do not start an NLU server (safety net only)")

    run = sub.add_parser("run", help="run the Telegram bot")
    run.add_argument("--with-nlu", action="store_true", help="start a local NLU server if none answers")
    run.add_argument("--webhook", action="store_true", help="webhook mode (see WEBHOOK_* in .env.example)")

    sub.add_parser("classify", help="classify stdin lines, one JSON object per line on stdout")

    nlu = sub.add_parser("nlu", help="train, serve and evaluate the Rasa NLU model")
    nlu_sub = nlu.add_subparsers(dest="nlu_command", required=True)
    train = nlu_sub.add_parser("train", help="train when data or config changed")
    train.add_argument("--force", action="store_true")
    train.add_argument("--language", "--lang", dest="language", default=None,
                       help="one language (default: every language with data)")
    aug = nlu_sub.add_parser("augment", help="rebuild the long training messages (nlu/data/<lang>/composites.yml)")
    aug.add_argument("--language", "--lang", dest="language", default="en")
    fold = nlu_sub.add_parser("fold", help="a recorded blind set joins the training data")
    fold.add_argument("--set", required=True, help="the blind-set directory")
    fold.add_argument("--out", required=True, help="the training file to write (nlu/data/<lang>/blind_*.yml)")
    fold.add_argument("--lang", default="en", help="the set's language (whose model routes look-alikes)")
    serve = nlu_sub.add_parser("serve", help="rasa run --enable-api on 127.0.0.1 with an auth token")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5005)
    serve.add_argument("--language", "--lang", dest="language", default="en")
    serve.add_argument("--allow-remote", action="store_true")
    evaluate = nlu_sub.add_parser("eval", help="evaluate on the held-out split, report to nlu/results/")
    evaluate.add_argument("--language", "--lang", dest="language", default="en")
    compare = nlu_sub.add_parser("compare", help="compare candidate pipelines on the held-out split")
    compare.add_argument("configs", nargs="+")
    compare.add_argument("--language", default="en")

    admin = sub.add_parser("admin", help="programme report and data retention")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    stats = admin_sub.add_parser("stats", help="counts only; cells under 5 parents suppressed")
    stats.add_argument("--json", action="store_true")
    purge = admin_sub.add_parser("purge", help="delete events older than N days")
    purge.add_argument("--days", type=int)

    resources = sub.add_parser("resources", help="list the crisis lines a programme must verify before going live")
    resources.add_argument("--due", action="store_true",
                           help="only the lines marked needs_verification or not verified in six months")

    safety = sub.add_parser("safety", help="the crisis safety stack")
    safety_sub = safety.add_subparsers(dest="safety_command", required=True)
    sev = safety_sub.add_parser("eval", help="recall and false alarms on tests/data/safety_eval.yml")
    sev.add_argument("--net-only", action="store_true", help="layer 1 alone (as when Rasa is down)")
    sev.add_argument("--sweep", action="store_true", help="also sweep layer-2 thresholds")
    sev.add_argument("--set", help="a labelled set (file or directory, blind-set format) instead of the safety set")
    sev.add_argument("--label", help="names the run in nlu/results/blind/ (e.g. before, after)")
    sev.add_argument("--lang", default=None,
                     help="the parents' language (decides a message whose words do not; default: each message's words)")
    sev.add_argument("--show-misses", action="store_true", help="print each miss and false alarm (never on a blind set you tune against)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    _configure_logging(settings.log_level if args.command in ("run",) else "WARNING")
    if args.command == "classify":
        return asyncio.run(_classify(settings, sys.stdin, sys.stdout))
    if args.command == "chat":
        return _chat(args, settings)
    if args.command == "run":
        return _run(args, settings)
    if args.command == "nlu":
        nlu_commands: dict[str, Callable[[], int]] = {
            "train": lambda: _nlu_train(args),
            "augment": lambda: _nlu_augment(args),
            "fold": lambda: asyncio.run(_nlu_fold(args, settings)),
            "serve": lambda: _nlu_serve(args, settings),
            "eval": lambda: asyncio.run(_nlu_eval(settings, args.language)),
            "compare": lambda: _nlu_compare(args),
        }
        return nlu_commands[args.nlu_command]()
    if args.command == "admin":
        return asyncio.run(_admin(args, settings))
    if args.command == "safety":
        return _safety_eval(args, settings)
    if args.command == "resources":
        return _resources(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
