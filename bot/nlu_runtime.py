"""Finding or starting the NLU server a command needs, for exactly as long as it needs it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from bot.settings import Settings
from nlu.client import RasaClient
from nlu.rasa_service import NluServer, load_or_create_token, model_path, server_state

log = logging.getLogger(__name__)


def nlu_token(settings: Settings) -> str:
    return settings.nlu_token or load_or_create_token()


def make_client(settings: Settings, url: str | None = None, token: str | None = None) -> RasaClient:
    return RasaClient(
        url or settings.nlu_url,
        token or nlu_token(settings),
        connect_timeout=settings.nlu_connect_timeout,
        read_timeout=settings.nlu_read_timeout,
    )


@contextlib.asynccontextmanager
async def nlu_client(settings: Settings, *, start_if_missing: bool = True) -> AsyncIterator[RasaClient]:
    """A client for the configured server; when none answers, or it serves a model older than the
    current training data, a local server (on a free port) for our lifetime.

    Only a server on this machine is ever started here (127.0.0.1); a configured remote URL
    that does not answer is reported, not replaced.
    """
    async with _language_client(settings, "en", start_if_missing=start_if_missing) as client:
        yield client


@contextlib.asynccontextmanager
async def nlu_clients(settings: Settings, *, start_if_missing: bool = True) -> AsyncIterator[dict[str, RasaClient]]:
    """One client per language with a trained model ({"en": ..., "es": ...}), each to the configured
    server of that language, or to a local server started for our lifetime."""
    from nlu.rasa_service import languages

    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, RasaClient] = {}
        for language in languages():
            if not model_path(language).exists():
                continue
            clients[language] = await stack.enter_async_context(
                _language_client(settings, language, start_if_missing=start_if_missing))
        yield clients


@contextlib.asynccontextmanager
async def _language_client(settings: Settings, language: str, *, start_if_missing: bool) -> AsyncIterator[RasaClient]:
    """A client for `language`'s configured server; when none answers, or it serves a model older than
    the current training data, a local server (on a free port) for our lifetime."""
    from nlu.rasa_service import languages

    token = nlu_token(settings)
    url = settings.nlu_url_for(language, languages())
    state = await asyncio.to_thread(server_state, url, token, model_path(language))
    if state == "current":
        client = make_client(settings, url=url, token=token)
        try:
            yield client
        finally:
            await client.aclose()
        return
    if not start_if_missing:
        raise RuntimeError(f"No NLU server with the current {language} model answers at {url}")
    if state == "stale":
        print(f"The {language} NLU server at {url} serves an old model; using a fresh one.", file=sys.stderr)
    print(f"Starting a local {language} NLU server for this command (Rasa takes ~20 s to load)...", file=sys.stderr)
    server = NluServer(token=token, language=language)
    server.start()
    try:
        await asyncio.to_thread(server.wait_ready)
        client = make_client(settings, url=server.url, token=token)
        try:
            yield client
        finally:
            await client.aclose()
    finally:
        server.stop()
