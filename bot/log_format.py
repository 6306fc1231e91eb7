"""Structured logs: one JSON object per line, with level and logger, and never message text.

Tend's own log calls never include what a parent wrote; Telegram ids are logged only through
`bot.log_ids.hashed_id`. Library loggers that could echo request bodies (httpx, telegram) are
kept at WARNING.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from pathlib import PurePath


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):  # numbers for log aggregation, e.g. the per-update timings
            entry.update({k: v for k, v in fields.items() if k not in entry})
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the type only: an exception's text can quote data
            # Where it happened, as code locations only (module:line in function), innermost last:
            # without them "update failed: TypeError" cannot be traced, and they hold no data.
            entry["where"] = [f"{'/'.join(PurePath(frame.filename).parts[-2:])}:{frame.lineno} in {frame.name}"
                              for frame in traceback.extract_tb(record.exc_info[2])[-8:]]
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
