"""Sending one message to Telegram: the only place that does, for replies and pushes alike.

Why one function: a reply to a parent and a check-in pushed at 21:00 meet the same Telegram. Both
honour a 429's `retry_after`, retry a network blip, and treat a blocked chat the same way (the
parent is marked inactive, so nothing more is scheduled for them). Before, the check-in sender had
its own copy of this policy, and the two had drifted apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.keyboards import inline_keyboard
from bot.log_ids import hashed_id
from dialogues.replies import Reply

log = logging.getLogger(__name__)

#: Attempts per message: a 429 or a network error is retried, anything else is not.
ATTEMPTS = 3


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the parent blocked Tend: never try again
    REFUSED = "refused"  # Telegram refused this message (bad request): trying again will not help
    RETRY = "retry"  # still failing after every attempt: worth trying later


async def deliver(bot: Bot, chat_id: int, reply: Reply,
                  on_blocked: Callable[[int], Awaitable[None]]) -> Delivery:
    """Send `reply` to `chat_id` (a document, a photo or a message with its buttons)."""
    for attempt in range(ATTEMPTS):
        try:
            if reply.document is not None:
                await bot.send_document(chat_id, reply.document, filename=reply.document_name,
                                        caption=reply.text[:1024] or None)
            elif reply.image is not None:
                await bot.send_photo(chat_id, reply.image, caption=reply.text[:1024] or None,
                                     reply_markup=inline_keyboard(reply))
            else:
                await bot.send_message(chat_id, reply.text, reply_markup=inline_keyboard(reply))
            return Delivery.SENT
        except RetryAfter as exc:
            delay = exc.retry_after
            await asyncio.sleep(delay if isinstance(delay, (int, float)) else delay.total_seconds())
        except Forbidden:
            await on_blocked(chat_id)
            log.info("chat %s blocked the bot", hashed_id(chat_id))
            return Delivery.BLOCKED
        except BadRequest as exc:
            log.warning("message to %s refused: %s", hashed_id(chat_id), exc.message)
            return Delivery.REFUSED
        except NetworkError:  # TimedOut is a NetworkError
            if attempt < ATTEMPTS - 1:
                await asyncio.sleep(0.5 * (attempt + 1))
    return Delivery.RETRY
