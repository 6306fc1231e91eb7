"""A small reverse proxy / load balancer on 127.0.0.1, standing in for nginx in front of Tend.

It forwards every request round-robin to a list of upstream bot processes, passes the headers
through (Telegram's secret-token header must survive the hop), adds X-Forwarded-For and
X-Forwarded-Proto as a real proxy does, and tries the next upstream when one refuses the
connection or answers 503 (nginx's `proxy_next_upstream error http_503`). When no upstream
takes the request it answers 502, which Telegram treats as "retry later".
"""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

from tests.fakes.local_http import serve_local

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host",
              "content-length"}


class ReverseProxy:
    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = list(upstreams)
        self.forwarded: list[tuple[str, int]] = []  # (upstream, status) per attempt
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote or "127.0.0.1"
        headers["X-Forwarded-Proto"] = "https"
        start = next(self._turn)
        for offset in range(len(self.upstreams)):
            upstream = self.upstreams[(start + offset) % len(self.upstreams)]
            try:
                async with self._session.request(request.method, upstream + request.rel_url.path_qs,
                                                 data=body, headers=headers) as response:
                    payload = await response.read()
                    self.forwarded.append((upstream, response.status))
                    if response.status == 503 and offset < len(self.upstreams) - 1:
                        continue
                    content_type = response.headers.get("Content-Type")
                    return web.Response(status=response.status, body=payload,
                                        headers={"Content-Type": content_type} if content_type else None)
            except aiohttp.ClientError:
                self.forwarded.append((upstream, 0))
        return web.Response(status=502, text="no upstream answered")

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner, self.port = await serve_local(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None
