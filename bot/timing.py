"""Where one update's time went: waiting on the NLU, waiting on Telegram, and Tend's own work.

A slow reply has three possible owners, and only one of them is Tend's code. Each update gets a
timer in a context variable; calls out to the NLU and to the Bot API are recorded as spans, and
Tend's own time is the wall time not covered by any span. Spans may overlap (the typing
indicator is sent while the NLU thinks), so they are merged before subtracting; otherwise a
busy update could report negative work.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

_current: ContextVar[UpdateTimer | None] = ContextVar("tend_update_timer", default=None)


@dataclass
class UpdateTimer:
    started: float = field(default_factory=time.perf_counter)
    ended: float | None = None
    spans: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        end = self.ended if self.ended is not None else time.perf_counter()
        return (end - self.started) * 1000

    def waited_ms(self, kind: str | None = None) -> float:
        """Wall time inside spans (of one kind, or of any kind with overlaps merged)."""
        intervals = sorted((s, e) for k, s, e in self.spans if kind is None or k == kind)
        covered, reach = 0.0, float("-inf")
        for start, end in intervals:
            if end <= reach:
                continue
            covered += end - max(start, reach)
            reach = end
        return covered * 1000

    @property
    def own_ms(self) -> float:
        return max(0.0, self.total_ms - self.waited_ms())

    def fields(self) -> dict[str, float]:
        return {"ms": round(self.total_ms, 2), "own_ms": round(self.own_ms, 2),
                "nlu_ms": round(self.waited_ms("nlu"), 2), "telegram_ms": round(self.waited_ms("telegram"), 2)}


@contextlib.contextmanager
def timed_update() -> Iterator[UpdateTimer]:
    timer = UpdateTimer()
    token = _current.set(timer)
    try:
        yield timer
    finally:
        timer.ended = time.perf_counter()
        _current.reset(token)


@contextlib.contextmanager
def waiting_on(kind: str) -> Iterator[None]:
    """Mark time spent waiting on something outside Tend; a no-op outside an update."""
    timer = _current.get()
    if timer is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timer.spans.append((kind, started, time.perf_counter()))
