"""Webhook mode: an aiohttp server in front of the python-telegram-bot Application.

Why not PTB's built-in webhook server: Tend also needs `/healthz` (database and NLU reachable)
for a load balancer, and a shutdown that stops taking updates before finishing the ones in
flight. Every request must carry Telegram's secret-token header; several processes can sit
behind one load balancer because no conversation state lives in memory and each update id is
claimed once in the database.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from typing import Any

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.runtime import AppRuntime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ACCEPTING: web.AppKey[dict[str, bool]] = web.AppKey("accepting", dict)
SHUTDOWN_BUDGET = 9.0  # seconds: the whole stop fits in the 10 s a supervisor gives after SIGTERM


def make_web_app(application: Application, runtime: AppRuntime, secret: str, path: str) -> web.Application:
    accepting = {"on": True}

    async def receive(request: web.Request) -> web.StreamResponse:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        if not accepting["on"]:
            return web.Response(status=503)  # Telegram retries; another process takes it
        try:
            payload: Any = await request.json()
            update = Update.de_json(payload, application.bot)
        except Exception:
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)

    async def healthz(request: web.Request) -> web.StreamResponse:
        db_ok = True
        try:
            async with runtime.db.session() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            db_ok = False
        nlu_ok = await runtime.client.model_loaded()
        status = 200 if db_ok else 503
        return web.json_response({"database": db_ok, "nlu": nlu_ok, "accepting": accepting["on"]}, status=status)

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    app[ACCEPTING] = accepting
    return app


async def serve(application: Application, runtime: AppRuntime, *, listen: str, port: int, path: str,
                secret: str, public_url: str | None, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then shut down gracefully."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests)
            pass
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    web_app = make_web_app(application, runtime, secret, path)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, listen, port)
    await site.start()
    if public_url:
        await application.bot.set_webhook(public_url.rstrip("/") + path, secret_token=secret,
                                          allowed_updates=Update.ALL_TYPES)
    log.info("webhook server listening on %s:%d%s", listen, port, path)
    await stop.wait()
    log.info("stopping: no new updates; finishing the ones in flight")
    web_app[ACCEPTING]["on"] = False
    try:
        await asyncio.wait_for(_shutdown(application, runner), SHUTDOWN_BUDGET)
    except TimeoutError:
        log.error("shutdown took longer than %.0fs; exiting anyway", SHUTDOWN_BUDGET)


async def _shutdown(application: Application, runner: web.AppRunner) -> None:
    await application.stop()  # processes what is already queued, then stops
    await runner.cleanup()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    await application.shutdown()
