"""Starting an aiohttp app on 127.0.0.1 for the fakes: one place that knows how to find the port."""

from __future__ import annotations

from aiohttp import web


async def serve_local(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, int]:
    """Start `app` (port 0: any free one) and return its runner and the port it got."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
