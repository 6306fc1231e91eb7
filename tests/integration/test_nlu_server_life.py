"""The NLU server that `tend` starts never outlives it, and a leftover one is reused only when it
serves the current model.

Reproduced before the fix: `tend run --with-nlu` on Telegram (polling), one parent writes, then
SIGTERM reaches the process twice (the process group's signal, then `make` passing it on). PTB's
own run loop raised a second `SystemExit` inside its clean-up ("coroutine 'Updater.stop' was
never awaited"), and the Rasa server was left running with parent 1 and port 5005.

The first two tests run the real Rasa server; the reuse tests use a stand-in `rasa` executable
(`tests/fakes/fake_rasa_cli.py`, a real OS process) so that an "old model" can be served without
training a second model.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nlu import rasa_service
from nlu.rasa_service import free_port, model_id, model_path, served_model
from tests.fakes.telegram_server import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "life-cycle-token"
PARENT = 4_242_4242


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _pid_on(port: int) -> int | None:
    path = rasa_service.VAR_DIR / "run" / f"rasa-{port}.pid"
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


async def _until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _start_tend(telegram: FakeTelegramServer, port: int, tmp_path: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url,
           "TELEGRAM_BASE_FILE_URL": telegram.base_file_url,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tend.db'}",
           "NLU_URL": f"http://127.0.0.1:{port}", "TEND_NLU_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1",
           "TEND_SEND_CHECKINS": "false", **extra}
    env.pop("WEBHOOK_URL", None)
    log = (tmp_path / "tend.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--with-nlu"], cwd=ROOT, env=env,
                            stdout=log, stderr=log, start_new_session=True)


async def _serving(port: int, timeout: float) -> int:
    """Wait for a server on `port` to serve the current model; its pid."""
    current = model_id(model_path())
    await _until(lambda: served_model(f"http://127.0.0.1:{port}", TOKEN, 1.0) == current, timeout,
                 "the NLU server to serve the current model")
    pid = _pid_on(port)
    assert pid is not None and _alive(pid)
    return pid


@pytest.mark.rasa
@pytest.mark.e2e
async def test_polling_stop_after_traffic_is_clean_even_with_a_second_sigterm(
        telegram: FakeTelegramServer, tmp_path: Path) -> None:
    port = free_port()
    tend = _start_tend(telegram, port, tmp_path)
    try:
        rasa_pid = await _serving(port, timeout=240)
        telegram.push_command(PARENT, "/start")
        await telegram.wait_for_messages(PARENT, 1, timeout=30)
        telegram.push_text(PARENT, "I yelled at him again, I'm a terrible mum")
        await telegram.wait_for_messages(PARENT, 2, timeout=30)

        started = time.monotonic()
        os.killpg(tend.pid, signal.SIGTERM)  # the terminal's or systemd's signal to the group
        await asyncio.sleep(0.05)
        tend.send_signal(signal.SIGTERM)  # ...and make passing the same signal on to its child
        await _until(lambda: tend.poll() is not None, 20, "tend to exit")
        seconds = time.monotonic() - started
    finally:
        if tend.poll() is None:
            tend.kill()
    log = (tmp_path / "tend.log").read_text(errors="replace")
    assert tend.returncode == 0, log[-3000:]
    assert "never awaited" not in log and "Task was destroyed" not in log, log[-3000:]
    await _until(lambda: not _alive(rasa_pid), 5, "the Rasa server to stop")
    assert _port_free(port)
    assert _pid_on(port) is None
    assert seconds < 20


@pytest.mark.rasa
@pytest.mark.e2e
async def test_no_orphan_server_after_kill_9(telegram: FakeTelegramServer, tmp_path: Path) -> None:
    port = free_port()
    tend = _start_tend(telegram, port, tmp_path)
    try:
        rasa_pid = await _serving(port, timeout=240)
        tend.kill()  # SIGKILL: no clean-up code of ours runs
        tend.wait(10)
        await _until(lambda: not _alive(rasa_pid), 20, "the orphaned Rasa server to die with its parent")
        await _until(lambda: _port_free(port), 5, "port to be released")
    finally:
        if tend.poll() is None:
            tend.kill()


def _fake_rasa_bin(tmp_path: Path) -> Path:
    script = tmp_path / "rasa"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} -m tests.fakes.fake_rasa_cli \"$@\"\n")
    script.chmod(0o755)
    return script


def _start_fake_server(bin_path: Path, port: int, model_id_override: str | None) -> subprocess.Popen[bytes]:
    """A server started as an earlier `tend` would have, pid file included, then left behind."""
    env = {**os.environ}
    if model_id_override:
        env["FAKE_RASA_MODEL_ID"] = model_id_override
    process = subprocess.Popen([str(bin_path), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port),
                                "-t", TOKEN, "-m", str(model_path())], cwd=ROOT, env=env,
                               start_new_session=True)
    pid_file = rasa_service.VAR_DIR / "run" / f"rasa-{port}.pid"
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{process.pid}\n")
    return process


@pytest.mark.e2e
async def test_a_leftover_server_with_an_old_model_is_replaced(telegram: FakeTelegramServer,
                                                                tmp_path: Path) -> None:
    if not model_path().exists():
        pytest.fail("No trained NLU model: run `make model` (make test does it for you).")
    port = free_port()
    bin_path = _fake_rasa_bin(tmp_path)
    old = _start_fake_server(bin_path, port, "a-model-from-before-retraining")
    tend = None
    try:
        await _until(lambda: served_model(f"http://127.0.0.1:{port}", TOKEN, 1.0) is not None, 30, "old server")
        tend = _start_tend(telegram, port, tmp_path, RASA_BIN=str(bin_path))
        new_pid = await _serving(port, timeout=60)
        assert new_pid != old.pid
        assert old.wait(10) is not None  # the leftover was stopped
        tend.send_signal(signal.SIGTERM)
        await _until(lambda: tend.poll() is not None, 20, "tend to exit")
        await _until(lambda: not _alive(new_pid), 10, "tend's own server to stop")
    finally:
        for process in (old, tend):
            if process is not None and process.poll() is None:
                process.kill()


@pytest.mark.e2e
async def test_a_running_server_with_the_current_model_is_reused(telegram: FakeTelegramServer,
                                                                  tmp_path: Path) -> None:
    if not model_path().exists():
        pytest.fail("No trained NLU model: run `make model` (make test does it for you).")
    port = free_port()
    bin_path = _fake_rasa_bin(tmp_path)
    existing = _start_fake_server(bin_path, port, None)
    tend = None
    try:
        await _serving(port, timeout=30)
        tend = _start_tend(telegram, port, tmp_path, RASA_BIN=str(bin_path))
        telegram.push_command(PARENT, "/start")
        await telegram.wait_for_messages(PARENT, 1, timeout=30)
        assert _pid_on(port) == existing.pid and existing.poll() is None  # reused, not replaced
        tend.send_signal(signal.SIGTERM)
        await _until(lambda: tend.poll() is not None, 20, "tend to exit")
        assert existing.poll() is None  # not ours to stop
    finally:
        for process in (existing, tend):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
        (rasa_service.VAR_DIR / "run" / f"rasa-{port}.pid").unlink(missing_ok=True)
