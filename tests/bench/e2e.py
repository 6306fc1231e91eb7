"""End to end: 200 simulated parents talking to a real `tend run` process through the fake Bot API.

The bot is the real command (`python -m bot.cli run`, long polling, SQLite), in its own OS
process so its CPU time and resident memory are its own. The parents live in this process with
the fake Bot API server: each reads what the bot last sent and answers it the way a parent would
(taps the rating, "next", "yes" to an offer; otherwise writes something from the held-out NLU
test set), so the mix of text, buttons and commands comes from the conversations themselves.

Two loads per NLU:
- capacity: every parent answers the moment the reply arrives (a closed loop), which is the most
  the whole machine can do; latency here is mostly queueing.
- paced: each parent thinks 2–6 s before answering (about 40 messages/s in all), which is what a
  busy programme looks like; latency here is what a parent feels.

The bot's own share of each update (everything but the NLU and the Bot API) comes from its
per-update log line (`bot.timing`), and its CPU per message from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.intents import CRISIS_INTENTS
from tests.fakes.telegram_server import FakeTelegramServer, Sent

ROOT = Path(__file__).resolve().parents[2]
REPLY_METHODS = {"sendMessage", "sendPhoto", "sendDocument"}
TICKS = os.sysconf("SC_CLK_TCK")


class CountingTelegram(FakeTelegramServer):
    """The fake Bot API, waking the one parent a reply is for instead of every waiter."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.last_reply: dict[int, Sent] = {}
        self.replies: Counter[int] = Counter()

    def _record(self, method: str, chat_id: int | None, params: dict, **extra: Any) -> dict[str, Any]:
        message = super()._record(method, chat_id, params, **extra)
        if chat_id is not None and method in REPLY_METHODS:
            self.last_reply[chat_id] = self.sent[-1]
            self.replies[chat_id] += 1
            self.waiters[chat_id].set()
        return message


def parent_messages() -> list[str]:
    """What parents write: the held-out test set (never trained on), crisis examples left out so
    the load is everyday conversation (the crisis path is measured by its own tests)."""
    from nlu.evaluation import load_examples

    return [text for text, intent in load_examples(ROOT / "nlu" / "test_data" / "en")
            if intent not in CRISIS_INTENTS and intent not in ("set_checkin", "stop_checkins")]


@dataclass
class Load:
    turns: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    practices_finished: int = 0
    timeouts: int = 0


class Parent:
    def __init__(self, chat_id: int, server: CountingTelegram, messages: list[str], rng: random.Random) -> None:
        self.chat_id = chat_id
        self.server = server
        self.messages = messages
        self.rng = rng

    def _choose(self) -> tuple[str, str]:
        """(kind, payload) answering the bot's last message as a parent would."""
        last = self.server.last_reply.get(self.chat_id)
        data = [str(b.get("callback_data")) for b in (last.buttons if last else [])]

        def first(prefix: str) -> str | None:
            return next((d for d in data if d.startswith(prefix)), None)

        ratings = [d for d in data if d.startswith("rt:")]
        if ratings:  # rt:<session>:<b|a>:<n>, before and after the practice
            wanted = self.rng.randint(6, 8) if ratings[0].split(":")[2] == "b" else self.rng.randint(2, 5)
            return "button", next(d for d in ratings if d.endswith(f":{wanted}"))
        for prefix in ("ob:consent:yes", "ob:language:en", "ob:country:GB", "ob:timezone:Europe/London",
                       "ob:checkin:skip", "cl:"):
            choice = first(prefix)
            if choice:
                return "button", choice
        if data and data[0].startswith("ob:"):  # an onboarding question this parent skips
            return "button", next((d for d in data if d.endswith(":skip")), data[0])
        offer = first("of:yes:")
        if offer:  # some parents take the practice, others would rather just write
            return ("button", offer) if self.rng.random() < 0.5 else ("text", self.rng.choice(self.messages))
        step = next((d for d in data if d.startswith("pr:") and d.endswith(":next")), None)
        if step:  # steps with a question get an answer in words about half the time
            asks = last is not None and "?" in (last.text or "")
            return ("text", self.rng.choice(self.messages)) if asks and self.rng.random() < 0.5 else ("button", step)
        return "text", self.rng.choice(self.messages)

    async def turn(self, load: Load | None, timeout: float = 30.0, command: str | None = None) -> None:
        kind, payload = ("command", command) if command else self._choose()
        event = self.server.waiters[self.chat_id]
        event.clear()
        before = self.server.replies[self.chat_id]
        started = time.perf_counter()
        if kind == "button":
            self.server.push_callback(self.chat_id, payload)
        elif kind == "command":
            self.server.push_command(self.chat_id, payload)
        else:
            self.server.push_text(self.chat_id, payload)
        try:
            while self.server.replies[self.chat_id] == before:
                await asyncio.wait_for(event.wait(), timeout)
                event.clear()
        except TimeoutError:
            if load is not None:
                load.timeouts += 1
            return
        if load is not None:
            load.turns += 1
            load.latencies_ms.append((time.perf_counter() - started) * 1000)
            load.kinds[kind] += 1
            if payload.startswith("rt:") and payload.split(":")[2] == "a":
                load.practices_finished += 1


class BotProcess:
    def __init__(self, server: CountingTelegram, nlu_url: str, nlu_token: str, workdir: Path,
                 rate_limit: bool) -> None:
        self.server = server
        self.log_path = workdir / "bot.log"
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
                    "TELEGRAM_BASE_FILE_URL": server.base_file_url,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/tend.db", "NLU_URL": nlu_url,
                    "TEND_NLU_TOKEN": nlu_token, "TEND_LOG_KEY": "bench", "LOG_LEVEL": "INFO",
                    "TEND_SEND_CHECKINS": "false", "TEND_RATE_LIMIT": "true" if rate_limit else "false",
                    "NLU_READ_TIMEOUT": "30"}
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=self.env,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while "getUpdates" not in self.server.requests:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bot did not start: {self.log_path.read_text()[-2000:]}")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self._log.close()

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return float("nan")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime

    def runqueue_wait_seconds(self) -> float:
        """Time the bot's threads were ready to run but waited for a core (the kernel's
        schedstat): the share of its latency that belongs to the machine, not to Tend."""
        assert self.process is not None
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):
                total += int((task / "schedstat").read_text().split()[1])
        return total / 1e9

    def log_lines(self) -> int:
        return len(self.log_path.read_bytes().splitlines())

    def problems(self) -> dict[str, int]:
        """Warnings and errors the bot logged (database retries, failed updates), by message."""
        counts: Counter[str] = Counter()
        for raw in self.log_path.read_bytes().splitlines():
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                counts[str(entry.get("message"))[:80]] += 1
        return dict(counts)

    def timings(self, skip: int) -> list[dict[str, Any]]:
        out = []
        for raw in self.log_path.read_bytes().splitlines()[skip:]:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict) and "own_ms" in entry:
                out.append(entry)
        return out


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of a process and of its children onto `cpus` (threads are scheduled one
    by one, so pinning only the process would leave its running threads where they were)."""
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(task.name), cpus)
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    pin(int(child), cpus)


@contextlib.contextmanager
def bot_on_its_own_core(bot: BotProcess, others: list[int]) -> Any:
    """The bot on core 0, everything else here (Rasa, the simulated parents and Telegram) on
    the rest: the machine a deployment gives the bot, where the parents and Telegram are not
    on the same two cores. Affinities are restored afterwards."""
    everything = set(range(os.cpu_count() or 1))
    assert bot.process is not None
    for pid in (os.getpid(), *others):
        pin(pid, everything - {0})
    pin(bot.process.pid, {0})  # last: the bot is a child of this process, pinned with it above
    try:
        yield
    finally:
        for pid in (os.getpid(), *others):
            pin(pid, everything)


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


async def _measure(bot: BotProcess, parents: list[Parent], seconds: float, think: tuple[float, float] | None,
                   summary: Any) -> dict[str, Any]:
    load = Load()
    stop_at = time.monotonic() + seconds
    rss: list[float] = []

    async def talk(parent: Parent) -> None:
        if think:  # spread the first messages too, as real parents would not all write at once
            await asyncio.sleep(parent.rng.uniform(0, think[1]))
        while time.monotonic() < stop_at:
            await parent.turn(load)
            if think:
                await asyncio.sleep(parent.rng.uniform(*think))

    async def sample() -> None:
        while time.monotonic() < stop_at:
            rss.append(bot.rss_mb())
            await asyncio.sleep(0.5)

    log_from, cpu_from, own_from = bot.log_lines(), bot.cpu_seconds(), _own_cpu()
    waited_from = bot.runqueue_wait_seconds()
    started = time.perf_counter()
    await asyncio.gather(sample(), *(talk(p) for p in parents))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.3)  # the last updates' log lines
    cpu, own_cpu = bot.cpu_seconds() - cpu_from, _own_cpu() - own_from
    waited = bot.runqueue_wait_seconds() - waited_from
    timings = bot.timings(log_from)
    return {
        "seconds": round(elapsed, 1), "messages": load.turns, "messages_per_s": round(load.turns / elapsed, 1),
        "mix": dict(load.kinds), "practices_finished": load.practices_finished, "timeouts": load.timeouts,
        "reply_latency_ms": summary(load.latencies_ms),
        "bot_own_ms": summary([t["own_ms"] for t in timings]),
        "nlu_wait_ms": summary([t["nlu_ms"] for t in timings if t.get("kind") == "text"]),
        "telegram_wait_ms": summary([t["telegram_ms"] for t in timings]),
        "bot_cpu_ms_per_message": round(cpu * 1000 / max(1, load.turns), 2),
        "bot_cpu_share_of_2_cores": round(cpu / elapsed / (os.cpu_count() or 1), 2),
        "bot_waited_for_a_core_ms_per_message": round(waited * 1000 / max(1, load.turns), 2),
        "fake_telegram_and_parents_cpu_share": round(own_cpu / elapsed / (os.cpu_count() or 1), 2),
        "bot_rss_mb_peak": max(rss) if rss else None,
    }


async def run(nlu_url: str, nlu_token: str, *, summary: Any, parents: int = 200, seconds: float = 30.0,
              rate_limit: bool = False, loads: tuple[str, ...] = ("capacity", "paced"),
              isolate_from: list[int] | None = None) -> dict[str, Any]:
    """One bot process, onboard `parents`, then each load in turn for `seconds`.

    With `isolate_from` (process ids: the Rasa server), the loads run with the bot on a core
    of its own and those processes and this one on the others.
    """
    messages = parent_messages()
    result: dict[str, Any] = {"parents": parents, "rate_limit": rate_limit}
    with tempfile.TemporaryDirectory() as tmp:
        server = CountingTelegram()
        await server.start()
        bot = BotProcess(server, nlu_url, nlu_token, Path(tmp), rate_limit)
        try:
            await bot.start()
            await asyncio.sleep(1.0)
            result["bot_rss_mb_idle"] = bot.rss_mb()
            crowd = [Parent(900_000 + i, server, messages, random.Random(i)) for i in range(parents)]
            onboarding = Load()

            async def onboard(parent: Parent) -> None:
                await parent.turn(onboarding, timeout=60, command="/start")
                for _ in range(6):  # consent, country, time zone/language, check-in
                    last = server.last_reply.get(parent.chat_id)
                    if not last or not any(str(b.get("callback_data")).startswith("ob:") for b in last.buttons):
                        break
                    await parent.turn(onboarding, timeout=60)

            started = time.perf_counter()
            await asyncio.gather(*(onboard(p) for p in crowd))
            result["onboarding"] = {"seconds": round(time.perf_counter() - started, 1), "turns": onboarding.turns,
                                    "timeouts": onboarding.timeouts}
            with bot_on_its_own_core(bot, isolate_from) if isolate_from is not None else contextlib.nullcontext():
                for name in loads:
                    think = None if name == "capacity" else (2.0, 6.0)
                    result[name] = await _measure(bot, crowd, seconds, think, summary)
            await asyncio.sleep(1.0)
            result["bot_rss_mb_after"] = bot.rss_mb()
            result["bot_log_problems"] = bot.problems()
        finally:
            bot.stop()
            await server.stop()
    return result
