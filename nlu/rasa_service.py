"""The Rasa model's life cycle: train only when something changed, serve it, stop it.

Rasa runs in its own Python 3.10 environment (`.venv-nlu`), so everything here drives the
`rasa` executable as a subprocess. A model is keyed by a hash of its training data, the
pipeline configuration and the pinned Rasa requirements; the hash is written beside the model,
so `tend nlu train` is a no-op when nothing changed and `make run` starts in seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = PROJECT_ROOT / "nlu"
CONFIG_PATH = PROJECT_ROOT / "config.yml"
MODELS_DIR = PROJECT_ROOT / "models"
VAR_DIR = PROJECT_ROOT / "var"
REQUIREMENTS = NLU_DIR / "requirements-rasa.txt"
#: Tend's own pipeline components: their code changes what a model learns, like its data.
COMPONENTS_DIR = NLU_DIR / "rasa_components"
DEFAULT_PORT = 5005
#: Host names that mean "this machine" wherever an NLU address is judged (one list, used everywhere).
LOCAL_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})


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


def _model_id_path(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".model_id")


def model_id(model: Path) -> str | None:
    """The id Rasa gave a model when it was trained (`model_id` in the package's metadata.json).

    A running server reports the same id on `GET /status`, which is how a leftover server is told
    apart from one serving the current model: after retraining the file name is unchanged, the id
    is not. Read once from the archive and cached beside it (keyed by the archive's mtime).
    """
    if not model.exists():
        return None
    cache = _model_id_path(model)
    stamp = f"{model.stat().st_mtime_ns}:{model.stat().st_size}"
    if cache.exists():
        cached_stamp, _, cached_id = cache.read_text().strip().partition(" ")
        if cached_stamp == stamp and cached_id:
            return cached_id
    found: str | None = None
    with tarfile.open(model, "r:gz") as archive:
        for member in archive:
            if member.name.rsplit("/", 1)[-1] == "metadata.json":
                handle = archive.extractfile(member)
                if handle is not None:
                    found = str(json.load(handle).get("model_id") or "") or None
                break
    if found:
        cache.write_text(f"{stamp} {found}\n")
    return found


def config_path(language: str = "en") -> Path:
    """A language's pipeline: `nlu/config/<lang>.yml` when it has its own, else the top-level
    `config.yml` (English)."""
    own = NLU_DIR / "config" / f"{language}.yml"
    return own if own.is_file() else CONFIG_PATH


def languages() -> list[str]:
    """Every language with training data: each gets its own model (`models/nlu-<lang>.tar.gz`)."""
    root = NLU_DIR / "data"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.yml")))


def training_hash(language: str = "en", config: Path | None = None) -> str:
    """Hash of everything that changes what the model learns."""
    config = config or config_path(language)
    digest = hashlib.sha256()
    files = [config, REQUIREMENTS, *sorted(COMPONENTS_DIR.glob("*.py")), *sorted(data_dir(language).glob("*.yml"))]
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
    # The pipeline names Tend's own components (`nlu.rasa_components`) by module path.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
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
    config: Path | None = None,
    out: Path | None = None,
    data: Path | None = None,
) -> TrainOutcome:
    """Train the NLU model unless the recorded hash says it is up to date.

    Trains into a temporary directory and moves the result into place, so an interrupted
    training never leaves a half-written model that the server would then try to load.
    """
    target = out or model_path(language)
    custom = out is not None or data is not None or (config is not None and config != config_path(language))
    config = config or config_path(language)
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


def served_model(url: str, token: str | None, timeout: float = 2.0) -> str | None:
    """The id of the model a server at `url` has loaded; None when none answers or none is loaded."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/status", params={"token": token or ""}, timeout=timeout)
        if response.status_code != 200:
            return None
        status = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if not status.get("model_file"):
        return None
    return str(status.get("model_id") or "?")


def model_loaded(url: str, token: str | None, timeout: float = 2.0) -> bool:
    """Synchronous readiness probe: `GET /status` names a model file once one is loaded."""
    return served_model(url, token, timeout) is not None


ServerState = Literal["absent", "current", "stale"]


def server_state(url: str, token: str | None, model: Path) -> ServerState:
    """Is there a server at `url`, and does it serve `model` (the one trained from today's data)?"""
    served = served_model(url, token)
    if served is None:
        return "absent"
    return "current" if served == model_id(model) else "stale"


# -- the server's life is tied to ours ---------------------------------------------------------------
#: Run by the NLU environment's Python just before it becomes `rasa run`: asks Linux to SIGTERM
#: the server the moment the process that started it dies, however it dies (`kill -9`
#: included), so a server is never left behind holding 1.2 GB and its port. Done in a fresh
#: single-threaded interpreter that then exec()s Rasa (the setting survives exec), rather than
#: in a `preexec_fn`, which is unsafe in our multi-threaded process.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(0)  # the parent already died before the request took effect\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def _pid_file(port: int) -> Path:
    return VAR_DIR / "run" / f"rasa-{port}.pid"


def stop_leftover(port: int, timeout: float = 15.0) -> bool:
    """Stop a Rasa server an earlier `tend` process started on `port` and left behind (it wrote
    a pid file when it started). Returns True when one was stopped. Nothing else is touched: a
    pid is only signalled when its command line is that of a `rasa run` on this port."""
    pid_file = _pid_file(port)
    try:
        pid = int(pid_file.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        pid_file.unlink(missing_ok=True)
        return False
    words = [w.decode(errors="replace") for w in cmdline]
    if not any("rasa" in w for w in words) or "run" not in words or str(port) not in words:
        pid_file.unlink(missing_ok=True)
        return False
    log.warning("stopping a leftover NLU server (pid %d) that serves an old model", pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        if _is_zombie(pid):
            break
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


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
        tied_to_parent: bool = True,
    ) -> None:
        #: The server dies with the process that started it, even on `kill -9` (False only for a
        #: caller that deliberately hands the server on).
        self.tied_to_parent = tied_to_parent
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
        """Start the server. Call it from a thread that lives as long as the server should (the
        main thread): Linux ties the server's life to the thread that started it."""
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
        if self.tied_to_parent and sys.platform.startswith("linux"):
            cmd = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]
        with open(self.log_file, "ab") as sink:
            self._process = subprocess.Popen(
                cmd, env=rasa_env(serving=True), cwd=PROJECT_ROOT, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid_file = _pid_file(self.port)
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(f"{self._process.pid}\n")

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
        if process is None:
            return
        _pid_file(self.port).unlink(missing_ok=True)
        if process.poll() is not None:
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
