"""Webhook mode: secret token, /healthz, two processes on one database, graceful stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.conversation import Conversation
from bot.runtime import AppRuntime
from bot.settings import Settings
from bot.telegram_app import build_application
from bot.update_dedup import dedup_handler
from bot.webhook import serve
from dialogues.clock import FixedClock
from nlu.rasa_service import free_port
from nlu.understanding import Understander
from storage.migrate import upgrade_to_head
from tests.fakes.fake_nlu import FakeNlu
from tests.fakes.telegram_server import FakeTelegramServer

pytestmark = pytest.mark.e2e
SECRET = "s3cret-token"


class WebhookProcess:
    """One bot process in webhook mode (its own runtime, Application and HTTP server)."""

    def __init__(self, telegram: FakeTelegramServer, url: str) -> None:
        settings = Settings(telegram_token=telegram.token, database_url=url, nlu_url="http://127.0.0.1:9",
                            nlu_token="t")
        self.runtime = AppRuntime(settings, clock=FixedClock(datetime(2026, 11, 24, 12, tzinfo=UTC)))
        self.runtime.conversation = Conversation(self.runtime.engine, Understander(FakeNlu()))
        self.app = build_application(telegram.token, self.runtime.conversation, base_url=telegram.base_url,
                                     dedup=dedup_handler(self.runtime.db, self.runtime.engine.clock))
        self.port = free_port()
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.task = asyncio.create_task(serve(self.app, self.runtime, listen="127.0.0.1", port=self.port,
                                              path="/telegram", secret=SECRET, public_url=None, stop=self.stop))
        for _ in range(100):
            try:
                async with aiohttp.ClientSession() as s, s.get(self.url + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise TimeoutError("webhook server did not start")

    async def shutdown(self) -> float:
        started = asyncio.get_running_loop().time()
        self.stop.set()
        assert self.task is not None
        await self.task
        await self.runtime.db.dispose()
        return asyncio.get_running_loop().time() - started


def update(update_id: int, user: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Sam", "language_code": "en-GB"},
        **({"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}
           if text.startswith("/") else {})}}


@pytest.fixture
async def two_processes(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'webhook.db'}"
    await upgrade_to_head(url)
    telegram = FakeTelegramServer()
    await telegram.start()
    first, second = WebhookProcess(telegram, url), WebhookProcess(telegram, url)
    await first.start()
    await second.start()
    yield telegram, first, second
    for process in (first, second):
        if not process.stop.is_set():
            await process.shutdown()
    await telegram.stop()


async def test_secret_is_required_and_healthz_reports(two_processes) -> None:
    telegram, first, _ = two_processes
    assert await telegram.post_update(first.url + "/telegram", update(1, 11, "/help"), None) == 403
    assert await telegram.post_update(first.url + "/telegram", update(1, 11, "/help"), "wrong") == 403
    async with aiohttp.ClientSession() as s, s.get(first.url + "/healthz") as r:
        body = await r.json()
    assert body["database"] is True and body["nlu"] is False


async def test_the_same_update_on_two_processes_is_answered_once(two_processes) -> None:
    telegram, first, second = two_processes
    for update_id in range(100, 110):
        the_update = update(update_id, 5000 + update_id, "/help")
        statuses = await asyncio.gather(
            telegram.post_update(first.url + "/telegram", the_update, SECRET),
            telegram.post_update(second.url + "/telegram", the_update, SECRET),
        )
        assert statuses == [200, 200]
    await telegram.wait_for(lambda: len([s for s in telegram.sent if s.method == "sendMessage"]) >= 10)
    await asyncio.sleep(0.5)
    answered = [s.chat_id for s in telegram.sent if s.method == "sendMessage"]
    assert sorted(answered) == [5000 + i for i in range(100, 110)]


async def test_stop_during_traffic_loses_no_update_and_is_quick(two_processes) -> None:
    telegram, first, _ = two_processes
    posted = []
    for update_id in range(200, 230):
        status = await telegram.post_update(first.url + "/telegram", update(update_id, 9000 + update_id, "/help"),
                                            SECRET)
        if status == 200:
            posted.append(9000 + update_id)
    seconds = await first.shutdown()
    assert seconds < 10
    answered = {s.chat_id for s in telegram.sent if s.method == "sendMessage"}
    assert set(posted) <= answered
    # after stopping, new deliveries are refused (Telegram retries them elsewhere)
    with pytest.raises(aiohttp.ClientError):
        await telegram.post_update(first.url + "/telegram", update(300, 9300, "/help"), SECRET)
