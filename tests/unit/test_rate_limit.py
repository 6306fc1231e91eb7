"""The sliding-window limiter: never above the limit in any window, first come first served."""

from __future__ import annotations

import asyncio
import bisect
import time

import pytest

from bot.rate_limit import SlidingWindow


def most_in_any_window(stamps: list[float], period: float) -> int:
    stamps = sorted(stamps)
    return max(bisect.bisect_left(stamps, s + period, lo=i) - i for i, s in enumerate(stamps))


async def test_never_more_than_the_limit_in_any_window_and_in_arrival_order() -> None:
    window = SlidingWindow(5, period=0.2)
    started: list[float] = []
    order: list[int] = []

    async def send(n: int) -> None:
        async with window.slot():
            started.append(time.monotonic())
            order.append(n)
            await asyncio.sleep(0.005)

    tasks = []
    for n in range(23):
        tasks.append(asyncio.create_task(send(n)))
        await asyncio.sleep(0)  # arrive one after another
    began = time.monotonic()
    await asyncio.gather(*tasks)
    assert order == list(range(23))
    assert most_in_any_window(started, 0.2) <= 5
    assert time.monotonic() - began >= 4 * 0.2  # 23 at 5 per 0.2 s needs four full windows


async def test_a_cancelled_waiter_does_not_take_a_slot_for_ever() -> None:
    window = SlidingWindow(1, period=0.05)
    release = asyncio.Event()

    async def holder() -> None:
        async with window.slot():
            await release.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    impatient = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    release.set()
    await first

    async def quick() -> None:
        async with window.slot():
            pass

    await asyncio.wait_for(quick(), timeout=1.0)  # the slot came back
    assert window._in_flight == 0

