"""Updates run concurrently across parents and strictly in order for each parent.

`PerUserOrderedProcessor` keeps a lock per parent only while their updates hold or wait for it;
these tests pin that down without reading any lock's private state.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.telegram_app import PerUserOrderedProcessor


def update_from(user_id: int, update_id: int) -> Update:
    message = Message(message_id=update_id, date=datetime(2026, 12, 2, tzinfo=UTC),
                      chat=Chat(user_id, Chat.PRIVATE), from_user=User(user_id, "parent", False), text="hi")
    return Update(update_id, message=message)


async def test_one_parents_updates_run_in_order_and_parents_run_side_by_side() -> None:
    processor = PerUserOrderedProcessor()
    log: list[tuple[str, int, int]] = []
    running: set[int] = set()
    most_at_once = 0

    async def handle(user: int, n: int) -> None:
        nonlocal most_at_once
        assert user not in running, "two updates of one parent ran at once"
        running.add(user)
        log.append(("start", user, n))
        most_at_once = max(most_at_once, len(running))
        await asyncio.sleep(0.01)
        log.append(("end", user, n))
        running.discard(user)

    updates = [(user, n) for n in range(4) for user in (1, 2)]
    await asyncio.gather(*(processor.process_update(update_from(user, 10 * user + n), handle(user, n))
                           for user, n in updates))
    for user in (1, 2):
        assert [n for kind, u, n in log if u == user and kind == "start"] == [0, 1, 2, 3]
    assert most_at_once == 2  # the two parents were served side by side
    assert not processor._queues  # nothing kept once every update is done


async def test_a_cancelled_waiter_leaves_no_lock_behind() -> None:
    processor = PerUserOrderedProcessor()
    release = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        order.append("first")
        await release.wait()

    async def never() -> None:
        order.append("cancelled one ran")

    async def third() -> None:
        order.append("third")

    holder = asyncio.create_task(processor.process_update(update_from(7, 1), first()))
    await asyncio.sleep(0)
    cancelled = never()
    waiting = asyncio.create_task(processor.process_update(update_from(7, 2), cancelled))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    cancelled.close()  # it never started: the parent's update was dropped while it waited
    assert 7 in processor._queues  # the holder still has it
    release.set()
    await holder
    assert not processor._queues
    await processor.process_update(update_from(7, 3), third())
    assert order == ["first", "third"] and not processor._queues


async def test_updates_without_a_user_or_chat_are_not_queued() -> None:
    processor = PerUserOrderedProcessor()
    ran: list[bool] = []

    async def handle() -> None:
        ran.append(True)

    await processor.process_update(object(), handle())
    assert ran == [True] and not processor._queues
