"""Where an update's time went: the per-update log line must blame the right party."""

from __future__ import annotations

import asyncio
import json
import logging

from bot.log_format import JsonFormatter
from bot.runtime import WaitingParser
from bot.timing import UpdateTimer, timed_update, waiting_on
from nlu.client import NluResult


def test_overlapping_waits_are_merged_before_they_are_subtracted() -> None:
    timer = UpdateTimer(started=0.0, ended=0.100)
    timer.spans = [("nlu", 0.010, 0.060), ("telegram", 0.020, 0.030), ("telegram", 0.070, 0.090)]
    assert round(timer.waited_ms("nlu"), 3) == 50.0
    assert round(timer.waited_ms("telegram"), 3) == 30.0
    assert round(timer.waited_ms(), 3) == 70.0  # not 80: the typing send overlapped the NLU
    assert round(timer.own_ms, 3) == 30.0


def test_own_time_never_goes_negative() -> None:
    timer = UpdateTimer(started=0.0, ended=0.010)
    timer.spans = [("telegram", 0.0, 0.012)]
    assert timer.own_ms == 0.0


def test_waiting_outside_an_update_records_nothing_and_does_not_fail() -> None:
    with waiting_on("nlu"):
        pass


async def test_spans_from_tasks_started_inside_the_update_count_for_it() -> None:
    async def typing() -> None:
        with waiting_on("telegram"):
            await asyncio.sleep(0.03)

    with timed_update() as timer:
        task = asyncio.create_task(typing())
        await asyncio.sleep(0.01)
        await task
    assert timer.waited_ms("telegram") >= 25
    assert timer.own_ms < timer.total_ms


async def test_the_nlu_call_is_counted_as_waiting_on_the_nlu() -> None:
    class SlowClient:
        async def parse(self, text: str) -> NluResult:
            await asyncio.sleep(0.05)
            return NluResult("greet", 0.9)

    parser = WaitingParser(SlowClient())  # type: ignore[arg-type]
    with timed_update() as timer:
        await parser.parse("hello")
    assert timer.waited_ms("nlu") >= 45
    assert timer.fields()["nlu_ms"] >= 45
    assert timer.fields()["own_ms"] < 10


def test_timing_fields_reach_the_json_log_line_as_numbers() -> None:
    record = logging.LogRecord("bot.telegram_app", logging.INFO, __file__, 1, "handled %s", ("text",), None)
    record.fields = {"kind": "text", "ms": 12.5, "own_ms": 2.0, "message": "must not overwrite"}
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "handled text"
    assert entry["ms"] == 12.5 and entry["own_ms"] == 2.0 and entry["kind"] == "text"


def test_a_failed_update_is_logged_with_where_it_failed_and_never_what_the_error_quotes() -> None:
    """`make bench` logged "update failed: TypeError" 1,717 times with nothing to trace it by: the
    log now names the code locations, and still never the exception's own text (it can quote data)."""
    import logging
    import sys

    def fail(text: str) -> None:
        raise TypeError(f"cannot use {text!r}")

    try:
        fail("my private message")
    except TypeError:
        record = logging.LogRecord("bot.telegram_app", logging.ERROR, __file__, 1, "update failed: %s",
                                   ("TypeError",), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["error"] == "TypeError"
    assert entry["where"][-1].endswith("in fail") and "test_update_timing.py:" in entry["where"][-1]
    assert "private" not in json.dumps(entry)
