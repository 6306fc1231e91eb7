"""Tend run as a programme would run it, tried as a new parent would use it.

Two real `tend run --webhook` OS processes on one PostgreSQL database, behind a reverse proxy
that balances between them; the fake Bot API delivers updates to the proxy's public URL as
Telegram does (retrying what is not accepted), and a fake Rasa server answers the NLU. A new
parent onboards, writes, does a whole practice, asks for /mydata and then /delete. Then one
process gets a real SIGTERM in the middle of traffic and is started again.

Afterwards: a `pg_dump` of the database holds nothing of that parent and none of the words any
parent wrote; the processes' logs hold neither the words nor a raw Telegram id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from nlu.rasa_service import free_port
from tests.fakes.fake_nlu import rasa_answer
from tests.fakes.fake_rasa import FakeRasaServer
from tests.fakes.reverse_proxy import ReverseProxy
from tests.fakes.telegram_server import FakeTelegramServer, Sent

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "webhook-secret-for-the-test"
LOG_KEY = "log-key-for-the-test"
PARENT = 7_314_159_265
#: What the new parent writes; none of these words may reach the database or the logs.
THEIR_WORDS = ["I shouted at Maya again before school, I'm a terrible mum", "Thank you, that helped a little"]
SEARCHED = ["Maya", "shouted", "school", "terrible mum", "helped a little"]


class BotProcess:
    """`tend run --webhook` in its own OS process, with its log on disk."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.env = {**env, "WEBHOOK_PORT": str(self.port)}
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--webhook"], cwd=ROOT,
                                        env=self.env, stdout=log, stderr=log)

    async def healthy(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.process is not None and self.process.poll() is None, self.log_path.read_text()[-3000:]
                try:
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return await response.json()
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} never became healthy")

    async def terminate(self) -> tuple[float, int]:
        """SIGTERM, as systemd or a container runtime sends it; seconds to exit and exit code."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        while self.process.poll() is None and time.monotonic() - started < 20:
            await asyncio.sleep(0.02)
        seconds = time.monotonic() - started
        if self.process.poll() is None:
            self.process.kill()
        return seconds, self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Deployment:
    def __init__(self, telegram: FakeTelegramServer, proxy: ReverseProxy, processes: dict[str, BotProcess],
                 database_url: str) -> None:
        self.telegram = telegram
        self.proxy = proxy
        self.processes = processes
        self.database_url = database_url

    def logs(self) -> str:
        return "".join(p.log_path.read_text(errors="replace") for p in self.processes.values()
                       if p.log_path.exists())


@pytest.fixture
async def deployment(new_database_url: Callable[[str], str], tmp_path: Path) -> AsyncIterator[Deployment]:
    database_url = new_database_url("postgresql")  # empty: the bot processes migrate it themselves
    telegram = FakeTelegramServer()
    await telegram.start()
    rasa = FakeRasaServer(token="nlu-token", answer=rasa_answer)
    await rasa.start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url,
           "TELEGRAM_BASE_FILE_URL": telegram.base_file_url, "DATABASE_URL": database_url,
           "NLU_URL": rasa.url, "TEND_NLU_TOKEN": rasa.token, "WEBHOOK_SECRET": SECRET,
           "WEBHOOK_LISTEN": "127.0.0.1", "LOG_LEVEL": "DEBUG", "TEND_LOG_KEY": LOG_KEY,
           "TEND_SEND_CHECKINS": "true", "PYTHONUNBUFFERED": "1"}
    env.pop("EVENT_RETENTION_DAYS", None)
    first = BotProcess("first", env, tmp_path)
    second = BotProcess("second", {**env, "TEND_SEND_CHECKINS": "false"}, tmp_path)
    proxy = ReverseProxy([first.url, second.url])
    await proxy.start()
    for process in (first, second):
        process.env["WEBHOOK_URL"] = proxy.url
        process.start()  # both at once: migrations take turns under an advisory lock
    try:
        await asyncio.gather(first.healthy(), second.healthy())
        await telegram.wait_for(lambda: telegram.webhook_url is not None, timeout=20)
        yield Deployment(telegram, proxy, {"first": first, "second": second}, database_url)
    finally:
        for process in (first, second):
            if process.process is not None and process.process.poll() is None:
                await process.terminate()
            process.kill()
        await proxy.stop()
        await rasa.stop()
        await telegram.stop()


class Parent:
    def __init__(self, telegram: FakeTelegramServer, user_id: int) -> None:
        self.telegram = telegram
        self.id = user_id

    async def _expect(self, push: Callable[[], int], count: int) -> list[Sent]:
        before = len(self.telegram.messages_to(self.id))
        push()
        return (await self.telegram.wait_for_messages(self.id, before + count, timeout=30))[before:]

    async def say(self, text: str, count: int = 1) -> list[Sent]:
        return await self._expect(lambda: self.telegram.push_text(self.id, text), count)

    def buttons(self) -> dict[str, str]:
        for sent in reversed(self.telegram.messages_to(self.id)):
            if sent.buttons:
                return {b["text"]: b["callback_data"] for b in sent.buttons}
        return {}

    async def tap(self, label: str) -> list[Sent]:
        data = self.buttons()[label]
        return await self._expect(lambda: self.telegram.push_callback(self.id, data), 1)


def database_dump(database_url: str) -> str:
    """The whole database as text: pg_dump where it is installed, else every table selected."""
    url = make_url(database_url)
    if shutil.which("pg_dump"):
        result = subprocess.run(["pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
                                 "-U", url.username or "postgres", "-d", url.database or "", "--no-owner"],
                                capture_output=True, text=True, timeout=60, check=False,
                                env={**os.environ, "PGPASSWORD": url.password or ""})
        assert result.returncode == 0, result.stderr
        return result.stdout

    async def select_all() -> str:
        import asyncpg

        conn = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables "
                                                                "WHERE schemaname = 'public'")]
            return "\n".join(f"{t}: {[dict(r) for r in await conn.fetch(f'SELECT * FROM {t}')]}" for t in tables)
        finally:
            await conn.close()

    return asyncio.run(select_all())


async def test_a_new_parent_behind_a_proxy_then_sigterm_under_traffic(deployment: Deployment) -> None:
    telegram = deployment.telegram
    parent = Parent(telegram, PARENT)

    # --- a whole first conversation, through the proxy, answered by whichever process gets it
    (welcome,) = await parent.say("/start")
    assert "I agree" in {b["text"] for b in welcome.buttons}
    await parent.tap("I agree")
    await parent.tap("English")
    await parent.tap("GB")
    await parent.tap("Skip")
    (checkin,) = await parent.say("/checkin 20:30")
    assert "20:30" in (checkin.text or "")
    (offer,) = await parent.say(THEIR_WORDS[0])
    assert "Yes, let's try" in {b["text"] for b in offer.buttons}
    await parent.tap("Yes, let's try")
    await parent.tap("7")
    for _ in range(10):
        buttons = parent.buttons()
        if "Next" in buttons:
            await parent.tap("Next")
        elif "Done" in buttons:
            await parent.tap("Done")
            break
    (close,) = await parent.say("3")
    assert "from 7 to 3" in (close.text or "")
    await parent.say(THEIR_WORDS[1])
    answered_by = {upstream for upstream, status in deployment.proxy.forwarded if status == 200}
    assert answered_by == {p.url for p in deployment.processes.values()}, "both processes took part"

    # --- /mydata: everything stored, and none of their words
    (export,) = await parent.say("/mydata")
    assert export.method == "sendDocument" and export.document
    data = json.loads(export.document)
    assert json.dumps(data).count('"rating_before": 7') == 1
    assert not any(word.lower() in export.document.decode().lower() for word in SEARCHED)

    # --- /delete, confirmed
    (confirm,) = await parent.say("/delete")
    assert "can't be undone" in (confirm.text or "")
    (done,) = await parent.tap("Yes, erase everything")
    assert "erased" in (done.text or "")

    # --- a steady stream from 120 other parents; SIGTERM to one process in the middle of it
    others = [8_000_000_000 + i for i in range(120)]

    async def stream() -> None:
        for other in others:
            telegram.push_text(other, "/help")
            await asyncio.sleep(0.015)

    traffic = asyncio.create_task(stream())
    await telegram.wait_for(lambda: len({s.chat_id for s in telegram.sent if s.chat_id in others}) >= 20, 30)
    first = deployment.processes["first"]
    at_sigterm = len(deployment.proxy.forwarded)
    seconds, code = await first.terminate()
    assert seconds < 10 and code == 0, first.log_path.read_text()[-3000:]
    await traffic
    await telegram.wait_for(lambda: {s.chat_id for s in telegram.sent if s.chat_id in others} == set(others), 60)
    await asyncio.sleep(1.0)  # anything sent twice would show up by now
    answers = Counter(s.chat_id for s in telegram.sent if s.chat_id in others and s.method == "sendMessage")
    assert set(answers) == set(others) and set(answers.values()) == {1}, "each update answered exactly once"
    assert telegram.undelivered == 0
    refused = [status for upstream, status in deployment.proxy.forwarded[at_sigterm:] if upstream == first.url]
    assert refused and set(refused[-3:]) <= {0, 503}, "the stopping process stopped taking updates"

    # --- restart resumes cleanly, and takes its share again
    restarted = deployment.processes["first"]
    restarted.start()
    await restarted.healthy()
    forwarded_before = len(deployment.proxy.forwarded)
    late = [8_100_000_000 + i for i in range(10)]
    for other in late:
        telegram.push_text(other, "/help")
    await telegram.wait_for(lambda: {s.chat_id for s in telegram.sent if s.chat_id in late} == set(late), 30)
    assert restarted.url in {u for u, status in deployment.proxy.forwarded[forwarded_before:] if status == 200}

    # --- Telegram retries an update it thinks was lost: still one answer
    before = len(telegram.messages_to(late[0]))
    update_id = telegram.push_text(late[0], "/help")
    await telegram.wait_for(lambda: len(telegram.messages_to(late[0])) == before + 1, 30)
    async with aiohttp.ClientSession() as session:
        retry = {"update_id": update_id, "message": {
            "message_id": 9, "date": 0, "text": "/help", "chat": {"id": late[0], "type": "private"},
            "from": {"id": late[0], "is_bot": False, "first_name": "Sam"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
        for process in deployment.processes.values():
            async with session.post(process.url + "/telegram", json=retry,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                assert response.status == 200
    await asyncio.sleep(1.0)
    assert len(telegram.messages_to(late[0])) == before + 1

    # --- stop everything, then look for the parent in the database and in the logs
    for process in deployment.processes.values():
        seconds, code = await process.terminate()
        assert seconds < 10 and code == 0
    dump = database_dump(deployment.database_url)
    assert "CREATE TABLE public.users" in dump or "users:" in dump
    for word in SEARCHED:
        assert word.lower() not in dump.lower(), f"{word!r} is in the database"
    assert str(PARENT) not in dump, "the deleted parent's id is still in the database"
    assert str(others[0]) in dump, "the other parents are still there (the scan can see ids)"

    logs = deployment.logs()
    lines = [line for line in logs.splitlines() if line.strip()]
    assert len(lines) > 20
    assert all(json.loads(line)["level"] for line in lines), "structured JSON log lines only"
    for word in SEARCHED:
        assert word.lower() not in logs.lower(), f"{word!r} is in the logs"
    for raw in (PARENT, *others[:5]):
        assert str(raw) not in logs, "a raw Telegram id is in the logs"
    hashed = hmac.new(LOG_KEY.encode(), str(PARENT).encode(), hashlib.sha256).hexdigest()[:12]
    assert f"chat {hashed}" in logs, "turns are logged under the keyed hash"
