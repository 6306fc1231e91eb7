"""A tiny HTTP server that speaks the part of Rasa's API the client uses, with faults on demand.

It lets the client's unit tests exercise real sockets, timeouts and status codes without
TensorFlow. Answers are computed from the text by a caller-supplied function.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.local_http import serve_local


def keyword_answer(text: str) -> dict[str, Any]:
    """A plausible Rasa answer: 'die' -> crisis_self_harm, 'hi' -> greet, else out_of_scope."""
    lowered = text.lower()
    if "die" in lowered:
        ranking = [("crisis_self_harm", 0.91), ("sadness", 0.05), ("overwhelm", 0.04)]
    elif lowered.startswith("hi"):
        ranking = [("greet", 0.97), ("thanks", 0.02), ("goodbye", 0.01)]
    else:
        ranking = [("out_of_scope", 0.6), ("worry", 0.3), ("sadness", 0.1)]
    entities = []
    if "8pm" in lowered:
        start = lowered.index("8pm")
        entities.append({"entity": "time", "value": "8pm", "start": start, "end": start + 3,
                         "confidence_entity": 0.99, "extractor": "DIETClassifier"})
    return {
        "text": text,
        "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": entities,
    }


class FakeRasaServer:
    def __init__(self, token: str = "secret", answer: Callable[[str], Any] = keyword_answer) -> None:
        self.token = token
        self.answer = answer
        self.mode = "ok"          # ok | garbage | not_json | error500 | slow | unavailable_once
        self.delay = 0.0
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _parse(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if request.query.get("token") != self.token:
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        body = await request.json()
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "garbage":
            return web.json_response({"intent": {"name": None}, "entities": "nope"})
        if self.mode == "not_json":
            return web.Response(text="<html>proxy error</html>", content_type="text/html")
        if self.mode == "error500":
            return web.json_response({"status": "failure"}, status=500)
        if self.mode == "unavailable_once":
            self.mode = "ok"
            return web.json_response({"status": "loading"}, status=503)
        return web.json_response(self.answer(body.get("text", "")))

    async def _root(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def _status(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("token") != self.token:
            return web.json_response({"status": "failure"}, status=401)
        return web.json_response({"model_file": "fake.tar.gz", "num_active_training_jobs": 0})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self._parse)
        app.router.add_get("/", self._root)
        app.router.add_get("/status", self._status)
        self._runner, self.port = await serve_local(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
