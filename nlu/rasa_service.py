"""The Rasa model's life cycle: train only when something changed, serve it, stop it.

Rasa runs in its own Python 3.10 environment (`.venv-nlu`), so everything here drives the
`rasa` executable as a subprocess. A model is keyed by a hash of its training data, the
pipeline configuration and the pinned Rasa requirements; the hash is written beside the model,
so `tend nlu train` is a no-op when nothing changed and `make run` starts in seconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = PROJECT_ROOT / "nlu"
CONFIG_PATH = PROJECT_ROOT / "config.yml"
MODELS_DIR = PROJECT_ROOT / "models"
VAR_DIR = PROJECT_ROOT / "var"
REQUIREMENTS = NLU_DIR / "requirements-rasa.txt"
DEFAULT_PORT = 5005


class NluSetupError(RuntimeError):
    """Something the NLU service needs is missing; the message says how to get it."""


def data_dir(language: str = "en") -> Path:
    return NLU_DIR / "data" / language


def test_data_dir(language: str = "en") -> Path:
    return NLU_DIR / "test_data" / language


def model_path(language: str = "en") -> Path:
    return MODELS_DIR / f"nlu-{language}.tar.gz"


def _hash_path(language: str) -> Path:
    return MODELS_DIR / f"nlu-{language}.sha256"


def training_hash(language: str = "en", config: Path = CONFIG_PATH) -> str:
    """Hash of everything that changes what the model learns."""
    digest = hashlib.sha256()
    files = [config, REQUIREMENTS, *sorted(data_dir(language).glob("*.yml"))]
    for path in files:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def model_is_current(language: str = "en") -> bool:
    hash_file = _hash_path(language)
    return (
        model_path(language).exists()
        and hash_file.exists()
        and hash_file.read_text().strip() == training_hash(language)
    )


def rasa_executable() -> Path:
    """The `rasa` of the NLU environment; RASA_BIN overrides it."""
    override = os.environ.get("RASA_BIN")
    candidate = Path(override) if override else PROJECT_ROOT / ".venv-nlu" / "bin" / "rasa"
    if not candidate.exists():
        raise NluSetupError(
            f"Rasa is not installed at {candidate}. Run `make setup` (it creates .venv-nlu with "
            "Python 3.10 and installs nlu/requirements-rasa.txt)."
        )
    return candidate


def rasa_env(*, serving: bool = False) -> dict[str, str]:
    """Environment for Rasa subprocesses: quiet, offline, no telemetry.

    A server parses one short message at a time with a small model: TensorFlow's default of a
    thread pool per core only adds hand-offs there, and takes the core the bot needs. One
    thread each parsed faster on 2 cores (p50 5.6 ms against 6.1–7.0 ms) and leaves the other
    core to the bot (BENCHMARKS.md). Training keeps TensorFlow's defaults. Set the variables
    yourself to override.
    """
    env = dict(os.environ)
    if serving:
        env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
        env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("LOG_LEVEL_LIBRARIES", "ERROR")
    return env


@dataclass(frozen=True)
class TrainOutcome:
    trained: bool
    model: Path
    seconds: float
    size_bytes: int


def train(
    language: str = "en",
    *,
    force: bool = False,
    config: Path = CONFIG_PATH,
    out: Path | None = None,
    data: Path | None = None,
) -> TrainOutcome:
    """Train the NLU model unless the recorded hash says it is up to date.

    Trains into a temporary directory and moves the result into place, so an interrupted
    training never leaves a half-written model that the server would then try to load.
    """
    target = out or model_path(language)
    custom = out is not None or data is not None or config != CONFIG_PATH
    if not force and not custom and model_is_current(language):
        return TrainOutcome(False, target, 0.0, target.stat().st_size)
    data = data or data_dir(language)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        cmd = [
            str(rasa_executable()), "train", "nlu",
            "--nlu", str(data),
            "--config", str(config),
            "--out", tmp,
            "--fixed-model-name", "model",
        ]
        log.info("training NLU model (%s)", language)
        result = subprocess.run(cmd, env=rasa_env(), cwd=PROJECT_ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
            raise RuntimeError(f"rasa train failed ({result.returncode}):\n{tail}")
        produced = Path(tmp) / "model.tar.gz"
        if not produced.exists():
            raise RuntimeError("rasa train finished but produced no model")
        shutil.move(str(produced), target)
    if not custom:
        _hash_path(language).write_text(training_hash(language) + "\n")
    return TrainOutcome(True, target, time.monotonic() - started, target.stat().st_size)


def load_or_create_token() -> str:
    """The NLU auth token: TEND_NLU_TOKEN, else a random one kept in the ignored var/ dir."""
    token = os.environ.get("TEND_NLU_TOKEN", "").strip()
    if token:
        return token
    token_file = VAR_DIR / "nlu_token"
    if token_file.exists():
        stored = token_file.read_text().strip()
        if stored:
            return stored
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def model_loaded(url: str, token: str | None, timeout: float = 2.0) -> bool:
    """Synchronous readiness probe: `GET /status` names a model file once one is loaded."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/status", params={"token": token or ""}, timeout=timeout)
        return response.status_code == 200 and bool(response.json().get("model_file"))
    except (httpx.HTTPError, ValueError):
        return False


class NluServer:
    """A `rasa run --enable-api` subprocess bound to one address, with an auth token.

    Used by `tend nlu serve`, by commands that need NLU for their own duration (`tend classify`,
    `tend chat`), and by the test suite, so all of them start Rasa the same way.
    """

    def __init__(
        self,
        language: str = "en",
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        token: str | None = None,
        model: Path | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.token = token or load_or_create_token()
        self.model = model or model_path(language)
        self.log_file = log_file or VAR_DIR / "log" / f"rasa-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        if not self.model.exists():
            raise NluSetupError(f"No NLU model at {self.model}. Run `tend nlu train` (or `make model`).")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(rasa_executable()), "run", "--enable-api",
            "-i", self.host, "-p", str(self.port),
            "-t", self.token,
            "-m", str(self.model),
            "--log-file", str(self.log_file),
        ]
        with open(self.log_file, "ab") as sink:
            self._process = subprocess.Popen(
                cmd, env=rasa_env(serving=True), cwd=PROJECT_ROOT, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None:
                raise RuntimeError("NLU server was stopped while starting")
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Rasa exited with code {self._process.returncode} while starting; see {self.log_file}"
                )
            if model_loaded(self.url, self.token):
                return
            time.sleep(0.5)
        raise TimeoutError(f"Rasa did not load its model within {timeout:.0f}s; see {self.log_file}")

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def __enter__(self) -> NluServer:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def python_for_rasa() -> str:
    """The interpreter of the NLU environment (for scripts that import rasa in-process)."""
    return str(rasa_executable().with_name("python"))


if __name__ == "__main__":  # pragma: no cover - convenience for debugging
    print(training_hash(sys.argv[1] if len(sys.argv) > 1 else "en"))
