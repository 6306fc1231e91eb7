"""Check-ins at Telegram's pace: a 100,000-deep outbox pushed by a real `tend run` process.

The outbox is filled first (claiming is measured separately in run_all), then the real command
runs with its check-in sender and Tend's rate limiter against the fake Bot API, which stamps
every send. Half-way, the process gets a real SIGTERM and is started again, because a deploy in
the middle of the evening's check-ins is exactly when a parent could get one twice.

Reported: sends per second over the window, the most sends in any sliding one-second window,
whole seconds above 30, parents who got a check-in twice, check-ins delivered but not marked
sent in the database (they would go out again once their lease expires), and the time to stop.
"""

from __future__ import annotations

import asyncio
import bisect
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.bench.e2e import ROOT, CountingTelegram
from tests.bench.population import FIRST_CHAT, insert_due_parents


async def _fill(url: str, users: int) -> float:
    from dialogues.checkin_dispatcher import queue_due
    from storage.database import Database
    from storage.migrate import upgrade_to_head

    await upgrade_to_head(url)
    db = Database.from_url(url)
    now = datetime.now(UTC)
    due = now - timedelta(seconds=30)
    await insert_due_parents(db, users, now=now, due=due, zone="UTC", checkin_time=due.strftime("%H:%M"))
    started = time.perf_counter()
    await queue_due(db, now, batch=5000)
    seconds = time.perf_counter() - started
    await db.dispose()
    return seconds


async def _outbox_state(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from storage.database import Database
    from storage.models import Outbox

    db = Database.from_url(url)
    async with db.session() as session:
        total = (await session.execute(select(func.count()).select_from(Outbox))).scalar_one()
        sent = (await session.execute(select(func.count()).where(Outbox.sent_at.is_not(None)))).scalar_one()
        claimed = (await session.execute(
            select(func.count()).where(Outbox.sent_at.is_(None), Outbox.claimed_at.is_not(None)))).scalar_one()
    await db.dispose()
    return {"queued": total, "marked_sent": sent, "leased_unsent": claimed}


def _start(server: CountingTelegram, url: str, log: Path) -> subprocess.Popen[bytes]:
    import os

    env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
           "TELEGRAM_BASE_FILE_URL": server.base_file_url, "DATABASE_URL": url, "NLU_URL": "http://127.0.0.1:9",
           "TEND_NLU_TOKEN": "unused", "TEND_LOG_KEY": "bench", "LOG_LEVEL": "INFO", "CHECKIN_INTERVAL": "1",
           "TEND_SEND_CHECKINS": "true", "TEND_RATE_LIMIT": "true"}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _checkins(server: CountingTelegram) -> list[tuple[float, int]]:
    return [(s.at, s.chat_id) for s in server.sent
            if s.method == "sendMessage" and s.chat_id is not None and s.chat_id >= FIRST_CHAT]


async def _stop(process: subprocess.Popen[bytes]) -> float:
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    while process.poll() is None:
        if time.perf_counter() - started > 30:
            process.kill()
            break
        await asyncio.sleep(0.05)
    return round(time.perf_counter() - started, 2)


def max_in_any_second(stamps: list[float]) -> int:
    best = 0
    for i, start in enumerate(stamps):
        best = max(best, bisect.bisect_left(stamps, start + 1.0, lo=i) - i)
    return best


async def run(users: int = 100_000, first: float = 40.0, second: float = 20.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/sends.db"
        fill_seconds = await _fill(url, users)
        server = CountingTelegram()
        await server.start()
        log = Path(tmp) / "bot.log"
        try:
            windows: list[tuple[float, float]] = []
            stops: list[float] = []
            for length in (first, second):
                process = _start(server, url, log)
                deadline = time.monotonic() + 60
                while not _checkins(server) or (windows and _checkins(server)[-1][0] < windows[-1][1]):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"no check-ins went out: {log.read_text()[-2000:]}")
                    await asyncio.sleep(0.05)
                begin = time.monotonic()
                await asyncio.sleep(length)
                windows.append((begin, time.monotonic()))  # sending until the SIGTERM
                stops.append(await _stop(process))
            state = await _outbox_state(url)
        finally:
            await server.stop()
    sends = _checkins(server)
    stamps = sorted(at for at, _ in sends)
    per_chat = Counter(chat for _, chat in sends)
    buckets = Counter(int(at - stamps[0]) for at in stamps) if stamps else Counter()
    sending = sum(end - begin for begin, end in windows)
    in_windows = sum(1 for at in stamps if any(b <= at <= e for b, e in windows))
    rate = in_windows / sending if sending else 0.0
    return {
        "outbox": users, "fill_and_queue_s": round(fill_seconds, 1), "window_s": round(sending, 1),
        "sent": len(sends), "per_second": round(rate, 2), "max_in_any_second": max_in_any_second(stamps),
        "seconds_above_30": sum(1 for n in buckets.values() if n > 30),
        "parents_sent_twice": sum(1 for n in per_chat.values() if n > 1),
        "delivered_not_marked": len(per_chat) - state["marked_sent"],
        "sigterm_exit_s": stops, "outbox_after": state,
        "projected_drain_min": round(users / rate / 60, 1) if rate else None,
    }
