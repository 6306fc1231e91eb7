"""Logs never carry raw Telegram ids: a keyed hash lets one trace a chat without naming it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

_KEY_FILE = Path(__file__).resolve().parents[1] / "var" / "log_key"


@lru_cache(maxsize=1)
def _key() -> bytes:
    configured = os.environ.get("TEND_LOG_KEY")
    if configured:
        return configured.encode()
    if _KEY_FILE.exists():
        return _KEY_FILE.read_bytes().strip()
    _KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def hashed_id(external_id: int | str) -> str:
    return hmac.new(_key(), str(external_id).encode(), hashlib.sha256).hexdigest()[:12]
