"""Long-polling mode, with a stop that survives a second signal.

Why not `Application.run_polling`: its signal handler raises `SystemExit` inside the event loop.
When a terminal or systemd signals the whole process group, `make` passes the same SIGTERM on
to its child, so the second one lands while PTB is still stopping the updater. That second
`SystemExit` escaped PTB's clean-up half-way ("coroutine 'Updater.stop' was never awaited"),
`post_shutdown` never ran, and the local Rasa server was left behind holding 1.2 GB and its
port. Here every stop signal only sets an event, so repeats are harmless and the shutdown
always runs to the end, as in webhook mode (`bot/webhook.py`).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
SHUTDOWN_BUDGET = 9.0  # seconds: the whole stop fits in the 10 s a supervisor gives after SIGTERM


def install_stop_signals(stop: asyncio.Event) -> None:
    """Every stop signal, however many arrive, just sets `stop`."""
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            log.info("%s received while already stopping; carrying on with the clean stop", sig.name)
        stop.set()

    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests drive `stop`)
            pass


async def serve_polling(application: Application, stop: asyncio.Event | None = None) -> None:
    """Poll Telegram until a stop signal (or `stop` is set), then shut down completely."""
    stop = stop or asyncio.Event()
    install_stop_signals(stop)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        if not stop.is_set():
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            await application.start()
            log.info("polling Telegram for updates")
            await stop.wait()
        log.info("stopping: no new updates; finishing the ones in flight")
    finally:
        try:
            await asyncio.wait_for(_shutdown(application), SHUTDOWN_BUDGET)
        except TimeoutError:
            log.error("shutdown took longer than %.0fs; exiting anyway", SHUTDOWN_BUDGET)


async def _shutdown(application: Application) -> None:
    updater = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    if application.running:
        await application.stop()  # processes what is already queued, then stops
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    await application.shutdown()
