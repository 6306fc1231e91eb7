"""Everything a running coach needs, built once: database, NLU client, engine, conversation.

Shared by `tend run` and `tend chat`. When asked to, it starts a local NLU server in the
background: the coach answers at once (the crisis net needs no NLU), and the first messages
wait briefly for Rasa to finish loading instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlparse

from bot.conversation import Conversation
from bot.nlu_runtime import make_client, nlu_token
from bot.settings import Settings
from bot.timing import waiting_on
from dialogues.clock import Clock
from dialogues.engine import Engine
from nlu.client import NluResult, NluUnavailable, RasaClient
from nlu.rasa_service import (
    DEFAULT_PORT,
    LOCAL_HOSTS,
    NluServer,
    ServerState,
    model_path,
    server_state,
    stop_leftover,
)
from nlu.understanding import Understander
from storage.database import Database
from storage.migrate import upgrade_to_head

log = logging.getLogger(__name__)


class WaitingParser:
    """Delegates to the Rasa client, first waiting (up to `patience` s) for a starting server."""

    def __init__(self, client: RasaClient, patience: float = 90.0) -> None:
        self.client = client
        self.patience = patience
        self.ready: asyncio.Event | None = None  # None: no server is starting, parse directly

    async def parse(self, text: str) -> NluResult:
        if self.ready is not None and not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), self.patience)
            except TimeoutError as exc:
                raise NluUnavailable("NLU server still starting") from exc
        with waiting_on("nlu"):
            return await self.client.parse(text)


class InsecureNluConfig(RuntimeError):
    """The NLU server is remote and no auth token is configured."""


def is_local_url(url: str) -> bool:
    """Whether the URL names this machine (by `nlu.rasa_service.LOCAL_HOSTS`, the one list)."""
    return urlparse(url).hostname in LOCAL_HOSTS


def check_nlu_security(settings: Settings) -> None:
    """Messages about parents' mental health must not travel to an NLU server anyone can call:
    a remote NLU URL needs an explicit token (a local one gets a generated token)."""
    if not is_local_url(settings.nlu_url) and not settings.nlu_token:
        host = urlparse(settings.nlu_url).hostname or ""
        raise InsecureNluConfig(
            f"NLU_URL points at {host}, but TEND_NLU_TOKEN is empty. Refusing to start: set the token the "
            "Rasa server was started with (rasa run -t ...)."
        )


class AppRuntime:
    def __init__(self, settings: Settings, *, start_nlu: bool = False, clock: Clock | None = None) -> None:
        check_nlu_security(settings)
        self.settings = settings
        self.start_nlu = start_nlu
        self.db = Database.from_url(settings.database_url)
        self.token = nlu_token(settings)
        self.client = make_client(settings, token=self.token)
        self.parser = WaitingParser(self.client)
        self.understander = Understander(self.parser)
        self.engine = Engine(self.db, clock, options={"admin_ids": settings.admin_ids,
                                                       "facilitator_enabled": settings.facilitator_chat_id is not None})
        self.conversation = Conversation(self.engine, self.understander)
        self._server: NluServer | None = None
        self._server_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await upgrade_to_head(self.settings.database_url)
        if self.start_nlu:
            state = await asyncio.to_thread(server_state, self.settings.nlu_url, self.token, model_path())
            if state == "current":
                log.info("reusing the NLU server at NLU_URL: it serves the current model")
            else:
                self._start_local_nlu(state)

    def _start_local_nlu(self, state: ServerState) -> None:
        if not is_local_url(self.settings.nlu_url):
            log.warning("NLU_URL points elsewhere and %s; not starting a local server",
                        "serves an old model" if state == "stale" else "does not answer")
            return
        port = urlparse(self.settings.nlu_url).port or DEFAULT_PORT
        if state == "stale" and not stop_leftover(port):
            log.error("the NLU server on port %d serves an old model and was not started by tend; "
                      "restart it with the current model (tend nlu serve)", port)
            return
        self._server = NluServer(host="127.0.0.1", port=port, token=self.token)
        self._server.start()
        self.parser.ready = asyncio.Event()

        async def wait() -> None:
            assert self._server is not None and self.parser.ready is not None
            try:
                await asyncio.to_thread(self._server.wait_ready)
            except Exception as exc:  # the coach carries on with the safety net alone
                log.error("local NLU server failed to start: %s", exc)
            finally:
                self.parser.ready.set()

        self._server_task = asyncio.create_task(wait())

    async def purge_old_data(self) -> int:
        """Retention: drop message events older than EVENT_RETENTION_DAYS, and old update ids."""
        from datetime import timedelta

        from storage.repositories import EventRepo, UpdateDedup

        days = self.settings.event_retention_days
        if not days:
            return 0
        now = self.engine.clock.now()
        async with self.db.session() as session:
            removed = await EventRepo(session).purge_before(now - timedelta(days=days))
            await UpdateDedup(session).prune(now - timedelta(days=2))
        log.info("retention: removed %d events older than %d days", removed, days)
        return removed

    def stop_local_nlu(self) -> None:
        """Stop the Rasa server this process started, if any (idempotent, synchronous)."""
        if self._server is not None:
            self._server.stop()

    async def stop(self) -> None:
        if self._server_task is not None:
            self._server_task.cancel()
        if self._server is not None:
            await asyncio.to_thread(self._server.stop)
        await self.client.aclose()
        await self.db.dispose()
