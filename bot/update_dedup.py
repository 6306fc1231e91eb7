"""Each Telegram update is handled once, even when several bot processes receive it.

Behind a load balancer (webhook mode) a retried delivery can land on another process. The
first handler group claims the update id in the database; whoever loses the claim stops.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from dialogues.clock import Clock
from storage.database import Database
from storage.repositories import UpdateDedup

log = logging.getLogger(__name__)


def dedup_handler(db: Database, clock: Clock) -> TypeHandler:
    async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            async with db.session() as session:
                first = await UpdateDedup(session).claim(update.update_id, clock.now())
        except Exception:  # a database hiccup must not drop a parent's message (the engine retries)
            log.warning("could not record update id; handling it anyway")
            return
        if not first:
            raise ApplicationHandlerStop

    return TypeHandler(Update, claim)
