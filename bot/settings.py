"""Configuration from the environment (every variable is listed in `.env.example`).

Read once at start-up and passed down explicitly: domain code never reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _load_dotenv(path: Path) -> None:
    """Minimal `.env` support (KEY=VALUE lines); the real environment always wins."""
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        value = value.strip().strip('"').strip("'")
        if key and key not in os.environ:
            os.environ[key] = value


def _int_set(raw: str) -> frozenset[int]:
    return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)


def _flag(raw: str) -> bool:
    return raw.strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = None
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'tend.db'}"
    nlu_url: str = "http://127.0.0.1:5005"
    #: Servers of the other languages' models (NLU_URL_ES=...). A language not listed here is served
    #: on the English server's host at the next ports, in the order of `nlu.rasa_service.languages()`.
    nlu_urls: dict[str, str] = field(default_factory=dict)
    nlu_token: str | None = None
    nlu_connect_timeout: float = 1.0
    nlu_read_timeout: float = 5.0
    log_level: str = "INFO"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    facilitator_chat_id: int | None = None
    checkin_interval: float = 30.0
    #: Only one process of a deployment should push check-ins: the outbox already stops a
    #: check-in going out twice, but Telegram's 30 messages/s is per bot, and each process
    #: paces only its own sends.
    send_checkins: bool = True
    #: Off only against a fake Bot API (benchmarks measure capacity past Telegram's 30/s);
    #: real Telegram answers 429 and then blocks a bot that ignores it.
    rate_limit: bool = True
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram"
    event_retention_days: int | None = None

    def nlu_url_for(self, language: str, languages: list[str] | tuple[str, ...] = ("en",)) -> str:
        """The URL of a language's NLU server: English at NLU_URL, others at NLU_URL_<LANG>, else
        at NLU_URL's port plus the language's place among the other languages."""
        if language == "en":
            return self.nlu_url
        if language in self.nlu_urls:
            return self.nlu_urls[language]
        from urllib.parse import urlparse

        parsed = urlparse(self.nlu_url)
        others = [lang for lang in languages if lang != "en"]
        offset = others.index(language) + 1 if language in others else len(others) + 1
        port = (parsed.port or 5005) + offset
        return parsed._replace(netloc=f"{parsed.hostname}:{port}").geturl()

    @classmethod
    def from_env(cls, dotenv: Path | None = PROJECT_ROOT / ".env") -> Settings:
        if dotenv is not None:
            _load_dotenv(dotenv)
        env = os.environ
        facilitator = env.get("TEND_FACILITATOR_CHAT_ID", "").strip()
        return cls(
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_base_url=env.get("TELEGRAM_BASE_URL") or None,
            telegram_base_file_url=env.get("TELEGRAM_BASE_FILE_URL") or None,
            database_url=env.get("DATABASE_URL") or cls.database_url,
            nlu_url=env.get("NLU_URL") or cls.nlu_url,
            nlu_urls={key[len("NLU_URL_"):].lower(): value for key, value in env.items()
                      if key.startswith("NLU_URL_") and value and key[len("NLU_URL_"):].isalpha()},
            nlu_token=env.get("TEND_NLU_TOKEN") or None,
            nlu_connect_timeout=float(env.get("NLU_CONNECT_TIMEOUT", cls.nlu_connect_timeout)),
            nlu_read_timeout=float(env.get("NLU_READ_TIMEOUT", cls.nlu_read_timeout)),
            log_level=env.get("LOG_LEVEL", cls.log_level).upper(),
            admin_ids=_int_set(env.get("TEND_ADMIN_IDS", "")),
            facilitator_chat_id=int(facilitator) if facilitator else None,
            checkin_interval=float(env.get("CHECKIN_INTERVAL", cls.checkin_interval)),
            send_checkins=_flag(env.get("TEND_SEND_CHECKINS", "true")),
            rate_limit=_flag(env.get("TEND_RATE_LIMIT", "true")),
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_secret=env.get("WEBHOOK_SECRET") or None,
            webhook_listen=env.get("WEBHOOK_LISTEN") or cls.webhook_listen,
            webhook_port=int(env.get("WEBHOOK_PORT") or cls.webhook_port),
            webhook_path=env.get("WEBHOOK_PATH") or cls.webhook_path,
            event_retention_days=int(env["EVENT_RETENTION_DAYS"]) if env.get("EVENT_RETENTION_DAYS") else None,
        )
