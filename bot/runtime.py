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
from nlu.rasa_service import languages as nlu_languages
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
        #: One Rasa model and server per language with training data; English first.
        self.languages = sorted(nlu_languages() or ["en"], key=lambda lang: (lang != "en", lang))
        self.clients = {lang: make_client(settings, url=settings.nlu_url_for(lang, self.languages), token=self.token)
                        for lang in self.languages}
        self.parsers = {lang: WaitingParser(client) for lang, client in self.clients.items()}
        self.client = self.clients[self.languages[0]]
        self.parser = self.parsers[self.languages[0]]
        self.understander = Understander(self.parsers)
        self.engine = Engine(self.db, clock, options={"admin_ids": settings.admin_ids,
                                                       "facilitator_enabled": settings.facilitator_chat_id is not None})
        self.conversation = Conversation(self.engine, self.understander)
        self._servers: dict[str, NluServer] = {}
        self._server_tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await upgrade_to_head(self.settings.database_url)
        if self.start_nlu:
            for language in self.languages:
                url = self.settings.nlu_url_for(language, self.languages)
                state = await asyncio.to_thread(server_state, url, self.token, model_path(language))
                if state == "current":
                    log.info("reusing the %s NLU server at %s: it serves the current model", language, url)
                elif model_path(language).exists():
                    self._start_local_nlu(language, url, state)

    def _start_local_nlu(self, language: str, url: str, state: ServerState) -> None:
        if not is_local_url(url):
            log.warning("the %s NLU URL points elsewhere and %s; not starting a local server", language,
                        "serves an old model" if state == "stale" else "does not answer")
            return
        port = urlparse(url).port or DEFAULT_PORT
        if state == "stale" and not stop_leftover(port):
            log.error("the NLU server on port %d serves an old model and was not started by tend; "
                      "restart it with the current model (tend nlu serve --lang %s)", port, language)
            return
        server = NluServer(language, host="127.0.0.1", port=port, token=self.token)
        server.start()
        self._servers[language] = server
        parser = self.parsers[language]
        parser.ready = asyncio.Event()

        async def wait() -> None:
            assert parser.ready is not None
            try:
                await asyncio.to_thread(server.wait_ready)
            except Exception as exc:  # the coach carries on with the safety net alone
                log.error("local %s NLU server failed to start: %s", language, exc)
            finally:
                parser.ready.set()

        self._server_tasks.append(asyncio.create_task(wait()))

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
        """Stop the Rasa servers this process started, if any (idempotent, synchronous)."""
        for server in self._servers.values():
            server.stop()

    async def stop(self) -> None:
        for task in self._server_tasks:
            task.cancel()
        for server in self._servers.values():
            await asyncio.to_thread(server.stop)
        for client in self.clients.values():
            await client.aclose()
        await self.db.dispose()
