"""`make bench`: every benchmark in one invocation, written to BENCHMARKS.md and
tests/bench/results/results.json (raw figures, beside the benchmarks that make them).

Figures are p50/p95/p99 and ratios between runs made in this same invocation on this machine;
nothing here is asserted by `make test`. Sections that cannot run (no PostgreSQL, say) say so
in the report instead of disappearing.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS_JSON = Path(__file__).resolve().parent / "results" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(pct(values, 50), 2), "p95": round(pct(values, 95), 2),
            "p99": round(pct(values, 99), 2), "mean": round(statistics.fmean(values), 2) if values else 0.0}


def bench_messages(limit: int = 500) -> list[str]:
    from nlu.evaluation import load_examples

    held_out = [t for t, _ in load_examples(ROOT / "nlu" / "test_data" / "en")]
    training = [t for t, _ in load_examples(ROOT / "nlu" / "data" / "en")]
    messages = held_out + training[:: max(1, len(training) // (limit - len(held_out) + 1))]
    return messages[:limit]


# ---------------------------------------------------------------------------------------------- NLU
async def nlu_http(server: Any, messages: list[str]) -> dict[str, Any]:
    from nlu.client import RasaClient

    async with RasaClient(server.url, server.token, read_timeout=30) as client:
        for text in messages:  # one untimed pass: TensorFlow traces each new input shape once
            await client.parse(text)
        timings = []
        for text in messages:
            start = time.perf_counter()
            await client.parse(text)
            timings.append((time.perf_counter() - start) * 1000)
        # throughput with concurrency (what the bot does under load)
        start = time.perf_counter()
        semaphore = asyncio.Semaphore(16)

        async def one(text: str) -> None:
            async with semaphore:
                await client.parse(text)

        await asyncio.gather(*(one(t) for t in messages))
        throughput = len(messages) / (time.perf_counter() - start)
    return {"latency_ms": summary(timings), "throughput_per_s": round(throughput, 1), "rasa_rss_mb": _rss_of_tree(server)}


async def end_to_end(rasa: Any) -> dict[str, Any]:
    """200 parents against a real `tend run`: with a fake NLU (the bot's own capacity), with the
    real Rasa server, and with Telegram's pacing switched on as in production."""
    from tests.bench import e2e
    from tests.fakes.fake_nlu import rasa_answer
    from tests.fakes.fake_rasa import FakeRasaServer

    out: dict[str, Any] = {}
    fake = FakeRasaServer("bench-token", rasa_answer)
    await fake.start()
    try:
        print("end to end: fake NLU", file=sys.stderr)
        out["fake_nlu"] = await e2e.run(fake.url, fake.token, summary=summary)
        print("end to end: fake NLU, production pacing", file=sys.stderr)
        out["paced_by_limiter"] = await e2e.run(fake.url, fake.token, summary=summary, rate_limit=True,
                                                loads=("capacity",))
    finally:
        await fake.stop()
    print("end to end: real Rasa", file=sys.stderr)
    out["rasa"] = await e2e.run(rasa.url, rasa.token, summary=summary)
    out["rasa"]["rasa_rss_mb_after"] = _rss_of_tree(rasa)
    rasa_process = getattr(rasa, "_process", None)
    if (os.cpu_count() or 1) >= 2 and rasa_process is not None:
        print("end to end: real Rasa, busy pace, the bot on a core of its own", file=sys.stderr)
        out["rasa_isolated"] = await e2e.run(rasa.url, rasa.token, summary=summary, loads=("paced",),
                                             isolate_from=[rasa_process.pid])
    return out


def _rss_of_tree(server: Any) -> float | None:
    process = getattr(server, "_process", None)
    if process is None:
        return None
    try:
        with open(f"/proc/{process.pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def nlu_inprocess(messages: list[str]) -> dict[str, Any]:
    from nlu.rasa_service import model_path, python_for_rasa, rasa_env

    payload = "\n".join(json.dumps({"text": t}) for t in messages)
    result = subprocess.run([python_for_rasa(), str(Path(__file__).with_name("nlu_inprocess.py")),
                             str(model_path("en"))], input=payload, capture_output=True, text=True,
                            env=rasa_env(serving=True), cwd=ROOT, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    timings = json.loads(result.stdout.strip().splitlines()[-1])["ms"]
    return {"latency_ms": summary(timings)}


# ---------------------------------------------------------------------------------------------- bot overhead
async def bot_overhead(turns: int = 2000) -> dict[str, Any]:
    """Everything but NLU and the network: safety net, engine, database, reply rendering."""
    from bot.conversation import Conversation, merge_replies
    from dialogues.clock import FixedClock
    from dialogues.engine import Engine
    from dialogues.events import UserRef
    from nlu.understanding import Understander
    from storage.database import Database
    from storage.migrate import upgrade_to_head
    from tests.fakes.fake_nlu import FakeNlu

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade_to_head(url)
        db = Database.from_url(url)
        clock = FixedClock(datetime(2026, 11, 24, 12, tzinfo=UTC))
        conversation = Conversation(Engine(db, clock), Understander(FakeNlu()))
        parents = [UserRef(10_000 + i, "en-GB") for i in range(200)]
        for who in parents:
            await conversation.command(who, "start")
            await conversation.button(who, "ob:consent:yes")
            await conversation.button(who, "ob:country:GB")
            await conversation.button(who, "ob:checkin:skip")
        script: list[Callable[[UserRef], Any]] = [
            lambda w: conversation.text(w, "I yelled at him again, I'm a terrible mum"),
            lambda w: conversation.button(w, "of:yes:self_compassion_break"),
            lambda w: conversation.text(w, "7"),
            lambda w: conversation.text(w, "ok"),
            lambda w: conversation.text(w, "ok"),
            lambda w: conversation.text(w, "ok"),
            lambda w: conversation.text(w, "4"),
            lambda w: conversation.text(w, "thank you"),
            lambda w: conversation.text(w, "everything is too much today"),
            lambda w: conversation.button(w, "of:no"),
        ]
        timings: list[float] = []
        rss_before = _self_rss()
        for i in range(turns):
            who = parents[i % len(parents)]
            step = script[(i // len(parents)) % len(script)]
            start = time.perf_counter()
            merge_replies(await step(who))
            timings.append((time.perf_counter() - start) * 1000)
        rss_after = _self_rss()
        await db.dispose()
    return {"per_message_ms": summary(timings), "rss_mb_before": rss_before, "rss_mb_after": rss_after,
            "sequential_messages_per_s": round(1000 / statistics.fmean(timings), 1)}


def _self_rss() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------------------------------------- check-ins
async def checkins_at_scale(url: str, users: int = 100_000) -> dict[str, Any]:
    from dialogues.checkin_dispatcher import lease, queue_due
    from storage.database import Database
    from storage.migrate import upgrade_to_head
    from tests.bench.population import insert_due_parents

    await upgrade_to_head(url)
    db = Database.from_url(url)
    now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    due = now - timedelta(seconds=30)
    await insert_due_parents(db, users, now=now, due=due, zone="Europe/London", checkin_time="18:00")
    started = time.perf_counter()
    queued = await queue_due(db, now, batch=5000)
    claim_seconds = time.perf_counter() - started
    started = time.perf_counter()
    leased = 0
    while True:
        batch = await lease(db, now, limit=5000)
        if not batch:
            break
        leased += len(batch)
    lease_seconds = time.perf_counter() - started
    await db.dispose()
    return {"users": users, "queued": queued, "claim_and_queue_s": round(claim_seconds, 2),
            "lease_all_s": round(lease_seconds, 2), "total_s": round(claim_seconds + lease_seconds, 2)}


async def postgres_url() -> tuple[str | None, str | None]:
    """A throwaway PostgreSQL database for the benchmark, or the reason there is none."""
    import uuid

    import asyncpg

    admin = (os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres").replace(
        "postgresql+asyncpg://", "postgresql://")
    name = f"tend_bench_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(admin, timeout=3)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    base = admin.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}", None


async def drop_postgres(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgresql+asyncpg://", "postgresql://") + "/postgres"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


# ---------------------------------------------------------------------------------------------- report
def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu,
            "platform": platform.platform(), "when": datetime.now(UTC).isoformat(timespec="seconds")}


def row(figure: str, target: str, measured: str, ok: bool | None) -> str:
    verdict = "n/a" if ok is None else ("pass" if ok else "miss")
    return f"| {figure} | {target} | {measured} | {verdict} |"


async def nlu_only() -> int:
    """`python -m tests.bench.run_all nlu`: rerun the NLU comparison, keep the other figures."""
    from nlu.rasa_service import NluServer

    results = json.loads(RESULTS_JSON.read_text())
    messages = bench_messages()
    rasa = NluServer("en", token="bench-token")
    await asyncio.to_thread(rasa.__enter__)
    try:
        results["nlu_http"] = await nlu_http(rasa, messages)
    finally:
        rasa.stop()
    results["nlu_inprocess"] = nlu_inprocess(messages)
    results["machine"]["nlu_rerun"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")
    REPORT.write_text(render(results))
    return 0


async def main() -> int:
    results: dict[str, Any] = {"machine": machine()}
    messages = bench_messages()
    from nlu.rasa_service import NluServer

    rasa = NluServer("en", token="bench-token")
    await asyncio.to_thread(rasa.__enter__)
    try:
        print(f"NLU: {len(messages)} messages over HTTP and in-process", file=sys.stderr)
        results["nlu_http"] = await nlu_http(rasa, messages)
        results["end_to_end"] = await end_to_end(rasa)
    finally:
        rasa.stop()
    results["nlu_inprocess"] = nlu_inprocess(messages)
    print("bot overhead", file=sys.stderr)
    results["bot_overhead"] = await bot_overhead()
    print("check-ins at scale (SQLite)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        results["checkins_sqlite"] = await checkins_at_scale(f"sqlite+aiosqlite:///{tmp}/scale.db")
    pg, reason = await postgres_url()
    if pg:
        print("check-ins at scale (PostgreSQL)", file=sys.stderr)
        try:
            results["checkins_postgres"] = await checkins_at_scale(pg)
        finally:
            await drop_postgres(pg)
    else:
        results["checkins_postgres"] = {"skipped": reason}
    print("check-in send rate from a 100,000-deep outbox (60 s, SIGTERM and restart half-way)", file=sys.stderr)
    from tests.bench import send_rate

    results["send_rate"] = await send_rate.run()

    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")
    REPORT.write_text(render(results))
    print(f"wrote {REPORT.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)}", file=sys.stderr)
    return 0


def render(r: dict[str, Any]) -> str:
    http, local = r["nlu_http"]["latency_ms"], r["nlu_inprocess"]["latency_ms"]
    ratio = http["p99"] / local["p99"] if local["p99"] else float("nan")
    over = r["bot_overhead"]
    lines = [
        "# Benchmarks",
        "",
        f"`make bench`, {r['machine']['when']} — {r['machine']['cpus']} cores ({r['machine']['cpu']}), "
        f"Python {r['machine']['python']}. Raw figures: `tests/bench/results/results.json`.",
        "",
        "| figure | target | measured | verdict |",
        "|---|---|---|---|",
        row("NLU p99 over HTTP ÷ in-process (same model, same 500 messages)", "≤ 1.5×",
            f"{ratio:.2f}× ({http['p99']} ms vs {local['p99']} ms)", ratio <= 1.5),
        row("NLU p50 over HTTP / in-process", "—", f"{http['p50']} ms / {local['p50']} ms", None),
        row("NLU throughput over HTTP, 16 in flight", "—", f"{r['nlu_http']['throughput_per_s']} msg/s", None),
        row("Bot overhead per message p99 (no NLU, no network; SQLite)", "< 10 ms",
            f"{over['per_message_ms']['p99']} ms (p50 {over['per_message_ms']['p50']} ms)",
            over["per_message_ms"]["p99"] < 10),
        row("Bot process RSS after 2,000 turns", "< 150 MB", f"{over['rss_mb_after']} MB", over["rss_mb_after"] < 150),
        row("Rasa server RSS", "reported", f"{r['nlu_http']['rasa_rss_mb']} MB", None),
    ]
    for backend in ("sqlite", "postgres"):
        c = r[f"checkins_{backend}"]
        if "skipped" in c:
            lines.append(row(f"100,000 due check-ins claimed and queued ({backend})", "< 10 s",
                             f"not run: {c['skipped']}", None))
        else:
            lines.append(row(f"100,000 due check-ins claimed and queued ({backend})", "< 10 s",
                             f"{c['claim_and_queue_s']} s (+ {c['lease_all_s']} s to lease for sending)",
                             c["claim_and_queue_s"] < 10))
    lines += _end_to_end_rows(r["end_to_end"]) + _send_rate_rows(r["send_rate"])
    lines += MISSES
    if ratio > 1.5:
        lines += NLU_MISS
    return "\n".join(lines)


def _ms(figures: dict[str, float]) -> str:
    return f"{figures['p50']} / {figures['p99']} ms"


def _end_to_end_rows(e: dict[str, Any]) -> list[str]:
    rasa, fake, paced = e["rasa"], e["fake_nlu"], e["paced_by_limiter"]
    peak = max(x for run in (rasa, fake) for x in (run["capacity"]["bot_rss_mb_peak"],
                                                  run["paced"]["bot_rss_mb_peak"]))
    return [
        row("End to end, 200 parents, real Rasa in the loop: messages/s (closed loop)", "≥ 100",
            f"{rasa['capacity']['messages_per_s']} msg/s ({_mix(rasa['capacity'])})",
            rasa["capacity"]["messages_per_s"] >= 100),
        row("End to end, 200 parents, fake NLU: messages/s (closed loop)", "—",
            f"{fake['capacity']['messages_per_s']} msg/s ({_mix(fake['capacity'])})", None),
        row("Capacity with real Rasa ÷ with fake NLU (same invocation)", "—",
            f"{rasa['capacity']['messages_per_s'] / fake['capacity']['messages_per_s']:.2f}×", None),
        row("Reply latency p50 / p99 at a busy programme's pace (parents think 2–6 s), real Rasa", "—",
            f"{_ms(rasa['paced']['reply_latency_ms'])} at {rasa['paced']['messages_per_s']} msg/s", None),
        row("Reply latency p50 / p99 at capacity (mostly queueing), real Rasa", "—",
            _ms(rasa["capacity"]["reply_latency_ms"]), None),
        row("Bot's own time per update p50 / p99 (no NLU, no Bot API), busy pace, real Rasa", "p99 < 10 ms",
            _ms(rasa["paced"]["bot_own_ms"]), rasa["paced"]["bot_own_ms"]["p99"] < 10),
        row("Bot's own time per update p50 / p99, busy pace, fake NLU", "p99 < 10 ms",
            _ms(fake["paced"]["bot_own_ms"]), fake["paced"]["bot_own_ms"]["p99"] < 10),
        *_isolated_rows(rasa, e.get("rasa_isolated")),
        row("Bot CPU per message at capacity, real Rasa / fake NLU", "—",
            f"{rasa['capacity']['bot_cpu_ms_per_message']} / {fake['capacity']['bot_cpu_ms_per_message']} ms "
            f"(bot process at {rasa['capacity']['bot_cpu_share_of_2_cores']:.0%} / "
            f"{fake['capacity']['bot_cpu_share_of_2_cores']:.0%} of 2 cores)", None),
        row("With Telegram's pacing on, as in production (fake NLU): messages/s", "≤ 30 sends/s",
            f"{paced['capacity']['messages_per_s']} msg/s, reply p50 / p99 "
            f"{_ms(paced['capacity']['reply_latency_ms'])}", None),
        row("Bot process RSS idle / peak under the end-to-end load", "< 150 MB",
            f"{rasa['bot_rss_mb_idle']} / {peak} MB", peak < 150),
        row("Rasa server RSS after the end-to-end load", "reported", f"{rasa.get('rasa_rss_mb_after')} MB", None),
        row("Turns that got no reply within 30 s / bot warnings and errors", "0 / none",
            f"{sum(run[k]['timeouts'] for run in (rasa, fake) for k in ('capacity', 'paced'))} / "
            f"{_problems(rasa, fake)}",
            not any(run[k]["timeouts"] for run in (rasa, fake) for k in ("capacity", "paced"))),
    ]


def _isolated_rows(shared: dict[str, Any], isolated: dict[str, Any] | None) -> list[str]:
    """The same busy pace with the bot on a core of its own, and how long the bot's threads
    waited for a core in each run: the share of its time that belongs to the machine."""
    def waited(run: dict[str, Any]) -> str:
        return f"{run['paced'].get('bot_waited_for_a_core_ms_per_message', 'n/a')} ms"

    if isolated is None:
        return [row("Bot's own time, busy pace, real Rasa, bot on a core of its own", "p99 < 10 ms",
                    "not run: fewer than 2 cores", None)]
    own = isolated["paced"]["bot_own_ms"]
    return [
        row("Bot's own time per update p50 / p99, busy pace, real Rasa, the bot on a core of its own "
            "(Rasa, simulated parents and Telegram on the other)", "p99 < 10 ms", _ms(own), own["p99"] < 10),
        row("Bot threads waiting for a core per message, busy pace, real Rasa: cores shared / bot on its own",
            "—", f"{waited(shared)} / {waited(isolated)}", None),
    ]


def _mix(load: dict[str, Any]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(load["mix"].items()))


def _problems(*runs: dict[str, Any]) -> str:
    counts: dict[str, int] = {}
    for run in runs:
        for message, n in run.get("bot_log_problems", {}).items():
            if "TEND_RATE_LIMIT is off" not in message:  # the benchmark's own choice
                counts[message] = counts.get(message, 0) + n
    return "; ".join(f"{n}× {m}" for m, n in counts.items()) or "none"


def _send_rate_rows(s: dict[str, Any]) -> list[str]:
    return [
        row("Check-in sends from a 100,000-deep outbox: most in any sliding second", "≤ 30",
            str(s["max_in_any_second"]), s["max_in_any_second"] <= 30),
        row("Whole seconds with more than 30 sends", "0", str(s["seconds_above_30"]), s["seconds_above_30"] == 0),
        row("Parents sent a check-in twice (SIGTERM and restart mid-stream)", "0", str(s["parents_sent_twice"]),
            s["parents_sent_twice"] == 0),
        row("Check-ins delivered but not marked sent when the process stopped", "0",
            str(s["delivered_not_marked"]), s["delivered_not_marked"] == 0),
        row("Send rate over the window / projected time to drain 100,000", "—",
            f"{s['per_second']}/s over {s['window_s']} s / {s['projected_drain_min']} min", None),
        row("SIGTERM to exit while sending", "< 10 s", " and ".join(f"{x} s" for x in s["sigterm_exit_s"]),
            max(s["sigterm_exit_s"]) < 10),
    ]


NLU_MISS = """
- **NLU over HTTP against in-process**: the first row. The HTTP path adds Sanic, Rasa's request
  handling and JSON both ways to the same model call, and our httpx client its request: against
  the same server a bare aiohttp client measured 0.3–0.9 ms less than httpx at p50. The overhead
  is fixed per request (1–2.5 ms) and the model call is only about 5 ms, so the ratio sits near
  the target; cutting it further means changing Rasa's server, which is not ours.
""".splitlines()


MISSES = """
## Misses found and fixed

Before/after figures come from runs on the machine of the day (2026-11-25: 2 AMD EPYC cores;
2026-12-01: 2 Intel Xeon cores, about a fifth slower); each "after" is the same benchmark
straight after the change, on the same machine.

- **100,000 due check-ins**: the first run (00:09) took 46.5 s on SQLite and 15.0 s on
  PostgreSQL to claim and queue, because the dispatcher loaded whole ORM rows and flushed them
  one by one. It now selects only the columns it decides on and writes one bulk UPDATE and
  one bulk INSERT per batch (`dialogues/checkin_dispatcher.py`): 5.8 s and 7.8 s then, figures
  above now.
- **End to end, the bot ran out of its one core first.** With the fake NLU, 200 parents got
  103.5 msg/s and the bot process used 9.4 ms of CPU per message; with real Rasa 86.3 msg/s
  (11.2 ms), the bot at 96% of a core while Rasa had room. py-spy on the running process:
  - 23% of the bot's busy samples were httpcore importing `sniffio` on every request: anyio no
    longer installs it, so each import failed after searching sys.path on disk. `sniffio` is now
    a dependency: 9.5 -> 7.7 ms CPU per message, 108 -> 132 msg/s (fake NLU).
  - most of the rest was httpx itself (connection-pool scans, response streaming): 2.6 ms of
    CPU per call at 50 in flight against 0.1 ms for aiohttp, client and server included (a
    throwaway microbenchmark: 2,000 POSTs to a local aiohttp server, same machine). python-telegram-bot now talks to the Bot API through
    `bot/bot_api_request.py` on aiohttp (already the webhook server): 7.7 -> 6.4 ms per message,
    132 -> 156 msg/s with the fake NLU; with real Rasa 86 -> 105 msg/s, 11.2 -> 8.7 ms.
  - every written message also sent a "typing…" action, a third of its Bot API calls; it is now
    sent only when the answer takes longer than 0.8 s (a loading or overloaded NLU). The CPU
    change was within run-to-run noise (9.4 vs 9.5 ms); it stays for the calls it saves.
  - a smaller Bot API connection pool (32 instead of 256) was tried and made no difference
    beyond noise in four alternating runs (117–136 vs 118–125 msg/s); not kept.
- **Bot's own time p99 at a busy pace**: 18–19.5 ms with the fake NLU in two runs. Concurrent
  units of work on several SQLite connections met in SQLite's busy handler, which sleeps in
  steps of up to 100 ms. One connection per process (writers queue in asyncio instead): 10.5 and
  10.7 ms in two runs, reply latency p99 30 -> 19–21 ms (`storage/database.py`). The
  one-message-at-a-time overhead went from 10.4 ms p99 (this report's previous run) to the
  figure above.
- **The engine wrote a parent's state up to three times a turn** (2026-12-01). py-spy on the
  one-message-at-a-time benchmark put 21% of all samples in SQLAlchemy flushes: every query a
  dialogue made first autoflushed the state changed so far, and recording the event flushed
  again before the final save. A turn now runs without autoflush, the event goes out with the
  state's one flush, and a returning parent and their state load in one joined query (the
  state row still locked on PostgreSQL): 5–7 statements a turn -> 4–5, overhead mean 4.9 ->
  4.2 -> 3.5 ms in paired runs (before and after each change, three of each); the bot's CPU
  per message at the busy pace 6.4–6.8 -> 6.0–6.4 ms in three runs each
  (`dialogues/engine.py`, `storage/repositories.py`).
- **The bot's threads waited for a core on an idle machine** (2026-12-01). With the fake NLU at
  a busy pace the bot used 12% of the 2 cores, yet its own time had a p99 of 14–20 ms and the
  kernel counted 1.4 ms per message of its threads waiting for a core. They woke 111 times per
  message (`/proc/<pid>/task/*/status`), half of it aiosqlite's worker thread: SQLAlchemy's
  adapter hands it a cursor, the execute, the rows and the close one at a time, four wake-ups
  and GIL passes per SELECT. `storage/sqlite_driver.py` runs the four as one call in that
  thread (tests/unit/test_sqlite_driver.py): hand-offs per turn 12–19 -> 5–7, wake-ups per
  message 111 -> 51, overhead one message at a time mean 3.5 -> 2.2–2.4 ms, own time p99 at a
  busy pace 14.6 -> 10.9 ms (fake NLU) and 21.3 -> 14.8 ms (real Rasa), and with the bot on a
  core of its own 9.7 -> 6.9 ms, in runs straight after each other.
- **Tend's rate limiter woke every waiter on every send.** With Telegram's pacing on and 200
  parents queued behind 30 sends/s, `SlidingWindow.slot` was 19% of the bot's busy samples and
  the bot spent 10.2 ms of CPU per message. Waiters now queue first come, first served and a
  freed slot wakes one of them (`bot/rate_limit.py`, `tests/unit/test_rate_limit.py`): 5.9 ms.
  In that run the bot's own time still had a p95 of about 0.5 s for the 200 simultaneous
  `/start`s: that is the burst queueing for the one SQLite connection (200 × 2.5 ms), which
  PostgreSQL would run side by side.
- **NLU over HTTP vs in-process**: 1.41× in the previous session's run, 1.83× in this
  session's first (both paths faster on this machine: in-process p99 14.4 -> 7.2 ms, HTTP
  20.4 -> 13.2 ms). Two causes, both measured: the comparison warmed up on 20 messages, so the HTTP pass (run first) paid for
  TensorFlow tracing each new input shape (a second pass over the same 500 messages: p50 9.6 ->
  6.8 ms); both paths now get one untimed pass first (1.55×). And TensorFlow ran a thread pool
  per core for a model this small, adding hand-offs and taking the bot's core: the served model
  now gets one thread (`nlu/rasa_service.py`, `TF_*_PARALLELISM_THREADS`, operator can override),
  HTTP p50 7.61 -> 5.91 ms, throughput at 16 in flight 151 -> 202 msg/s, ratio 1.55× -> 1.10×.
- **Check-ins and SIGTERM**: the first send-rate run found a process sending check-ins did not
  stop on SIGTERM (it waited for the whole outbox and was killed after 30 s) and that 650
  check-ins delivered before the signal were not yet marked sent, so each would have gone out
  again when its lease expired. The sender now checks between sends that the application is
  still running and records outcomes every 30 sends; the rest is handed back at once
  (`bot/checkin_sender.py`; tests `test_stopping_mid_tick_marks_what_went_and_hands_back_the_rest`
  and `test_the_application_stops_promptly_while_its_job_is_sending`, which took 8.0 s to stop
  without the check).

## Misses that remain, and why

- **Bot's own time p99 at a busy pace when the bot shares the 2 cores** with Rasa, the
  simulated parents and the fake Bot API (the two shared-cores rows; before the two fixes above
  20–25 ms with real Rasa and 14–20 ms with the fake NLU on this machine). It is wall time inside
  the handler minus the NLU and Bot API waits, so it counts the time the bot's threads were
  ready to run but had no core, which the kernel counts too (`/proc/<pid>/task/*/schedstat`, the
  run-queue row): more than a millisecond per message with the cores shared, even when they are
  mostly idle, a third of that with the bot on a core of its own. Given a core of its own, with
  Rasa, the parents and the fake Telegram on the other, the bot meets the target (the "core of
  its own" row). Renicing Rasa and the load generator by +10 did not help (23.1 and 23.9 ms
  before the fixes), and PostgreSQL instead of SQLite did not either (19.3 ms; its server is
  one more process on the same cores). On 2 cores this benchmark cannot give the bot a core
  without putting its own load generator beside Rasa; in production the parents and Telegram
  are not on the machine, and the README's one-machine deployment pins the bot and Rasa to
  different cores (`CPUAffinity=`).
- **With Telegram's pacing on**, replies queue behind 30 sends/s: 200 parents answering instantly
  is about seven times what one bot may send, so the latency in that row is the queue, not Tend.
  Real parents think for seconds to minutes between messages.
""".splitlines()


if __name__ == "__main__":
    sys.exit(asyncio.run(nlu_only() if sys.argv[1:] == ["nlu"] else main()))
