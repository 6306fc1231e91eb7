"""The Telegram adapter: one factory that builds the python-telegram-bot Application.

Handlers are thin: unpack the update, call the shared `Conversation`, render the replies.
Updates are processed concurrently across parents and strictly in order for each parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.bot_api_request import AiohttpRequest
from bot.conversation import Conversation, merge_replies
from bot.delivery import Delivery, deliver
from bot.log_ids import hashed_id
from bot.rate_limit import StrictRateLimiter
from bot.timing import timed_update, waiting_on
from bot.update_dedup import dedup_handler
from dialogues import bundle
from dialogues.events import UserRef
from dialogues.replies import Recipient, Reply, Texts, available_languages, language_of, load_texts
from dialogues.words import command_descriptions

log = logging.getLogger(__name__)

#: Seconds a written message may take before the parent sees "typing…".
TYPING_AFTER = 0.8



async def set_command_menus(bot: Any) -> None:
    """The command menu in every language Tend speaks: the base language as the default menu, each
    other language for clients set to it (setMyCommands with language_code)."""
    for language in available_languages():
        commands = [BotCommand(name, text) for name, text in command_descriptions(language).items()]
        code = None if language == bundle.BASE else language
        await bot.set_my_commands(commands, language_code=code)


class _UserQueue:
    """One parent's FIFO lock and how many of their updates hold it or wait for it."""

    __slots__ = ("lock", "pending")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.pending = 0


class PerUserOrderedProcessor(BaseUpdateProcessor):
    """Concurrency across users, order within one: a FIFO lock per user (or chat).

    A user's lock lives only while one of their updates holds it or waits for it; the count of
    those is kept here, so nothing reads the lock's private state.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, _UserQueue] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_user is not None:
                return update.effective_user.id
            if update.effective_chat is not None:
                return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _UserQueue()
        queue.pending += 1
        try:
            async with queue.lock:
                await coroutine
        finally:
            queue.pending -= 1
            if queue.pending == 0:
                del self._queues[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None




async def _facilitator_blocked(chat_id: int) -> None:
    log.error("the facilitator chat %s blocked the bot: alerts cannot be delivered", hashed_id(chat_id))


class TelegramAdapter:
    def __init__(self, conversation: Conversation, facilitator_chat_id: int | None = None) -> None:
        self.conversation = conversation
        self.facilitator_chat_id = facilitator_chat_id

    @staticmethod
    def _texts(update: object) -> Texts:
        """Texts for the few replies the adapter writes itself (media, group chats, a failed update):
        in the Telegram app's language, since these come before or without the parent's stored
        choice (a failed update may be a failed database)."""
        user = update.effective_user if isinstance(update, Update) else None
        return load_texts(language_of(None, user.language_code if user else None))

    # -- sending --------------------------------------------------------------------------------
    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: list[Reply]) -> None:
        """The parent's replies, then (only where a facilitator chat is configured) any alert."""
        for reply in merge_replies([r for r in replies if r.to == Recipient.PARENT]):
            with waiting_on("telegram"):
                outcome = await deliver(context.bot, chat_id, reply, self.conversation.engine.mark_inactive)
            if outcome == Delivery.RETRY:
                log.warning("reply to chat %s not delivered after retries", hashed_id(chat_id))
            if outcome in (Delivery.BLOCKED, Delivery.RETRY):
                return  # the rest would fail the same way
        for reply in (r for r in replies if r.to == Recipient.FACILITATOR):
            if self.facilitator_chat_id is not None:  # after the parent's own reply, never before
                with waiting_on("telegram"):
                    await deliver(context.bot, self.facilitator_chat_id, reply, _facilitator_blocked)

    @staticmethod
    def _who(update: Update) -> UserRef:
        user = update.effective_user
        assert user is not None
        return UserRef(user.id, user.language_code)

    @staticmethod
    @contextlib.asynccontextmanager
    async def _handled(kind: str, chat_id: int) -> AsyncIterator[None]:
        """One log line per update (kind, hashed chat, where the milliseconds went): enough to
        watch a running programme's load and latency, and to tell a slow NLU or a slow Telegram
        from slow Tend, without a word of what anyone wrote."""
        with timed_update() as timer:
            try:
                yield
            finally:
                timer.ended = time.perf_counter()
                fields = timer.fields()
                log.info("handled %s for chat %s in %.1f ms (own %.1f, nlu %.1f, telegram %.1f)", kind,
                         hashed_id(chat_id), fields["ms"], fields["own_ms"], fields["nlu_ms"],
                         fields["telegram_ms"], extra={"fields": {"kind": kind, **fields}})

    async def _typing_if_slow(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, ready: asyncio.Event) -> None:
        """Show "typing…" only when the answer is not there within TYPING_AFTER seconds (a
        loading or busy NLU): a reply that arrives at once needs no indicator, and sending one
        anyway was a third of the Bot API calls of every written message."""
        try:
            await asyncio.wait_for(ready.wait(), TYPING_AFTER)
            return
        except TimeoutError:
            pass
        with contextlib.suppress(TelegramError), waiting_on("telegram"):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

    # -- handlers -------------------------------------------------------------------------------
    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        assert message is not None and chat is not None
        async with self._handled("text", chat.id):
            ready = asyncio.Event()
            typing = asyncio.create_task(self._typing_if_slow(context, chat.id, ready))
            try:
                replies = await self.conversation.text(self._who(update), message.text or "")
            finally:
                ready.set()
                await typing  # an indicator already on its way goes before the reply, not after
            await self.send(context, chat.id, replies)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        assert message is not None and chat is not None
        words = (message.text or "").split()
        name = words[0][1:].split("@", 1)[0].lower() if words else "help"
        async with self._handled("command", chat.id):
            replies = await self.conversation.command(self._who(update), name, tuple(words[1:]))
            await self.send(context, chat.id, replies)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None and chat is not None
        async with self._handled("button", chat.id):
            with contextlib.suppress(TelegramError), waiting_on("telegram"):
                await query.answer()
            # Take the keyboard off the message that was tapped: one tap, one step.
            if query.message is not None:
                with contextlib.suppress(BadRequest, TelegramError), waiting_on("telegram"):
                    await query.edit_message_reply_markup(None)
            replies = await self.conversation.button(self._who(update), query.data or "")
            await self.send(context, chat.id, replies)

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        message = update.effective_message
        caption = message.caption if message is not None else None
        if caption:  # a caption is text the parent wrote: it goes through the safety stack too
            replies = await self.conversation.text(self._who(update), caption)
            await self.send(context, chat.id, [Reply(self._texts(update).get("media_unsupported")), *replies])
            return
        await self.send(context, chat.id, [Reply(self._texts(update).get("media_unsupported"))])

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edit is screened for risk but never replays a dialogue step."""
        message = update.edited_message
        chat = update.effective_chat
        if message is None or chat is None or not message.text:
            return
        understanding = await self.conversation.understander.understand(
            message.text, self.conversation.engine.language_hint(self._who(update)))
        if understanding.safety.crisis:
            replies = await self.conversation.text(self._who(update), message.text)
            await self.send(context, chat.id, replies)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, self._texts(update).get("group_chat"))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error("update failed: %s", type(error).__name__, exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, self._texts(update).get("db_busy"))


def build_application(
    token: str,
    conversation: Conversation,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    rate_limit: bool = True,
    post_init: Any = None,
    post_shutdown: Any = None,
    checkin_sender: Any = None,
    checkin_interval: float = 30.0,
    retention: Any = None,
    dedup: Any = None,
    facilitator_chat_id: int | None = None,
) -> Application:
    builder = (ApplicationBuilder().token(token).concurrent_updates(PerUserOrderedProcessor())
               .request(AiohttpRequest(256)).get_updates_request(AiohttpRequest(1)))
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if rate_limit:
        builder = builder.rate_limiter(StrictRateLimiter())
    if post_init is not None:
        builder = builder.post_init(post_init)
    if post_shutdown is not None:
        builder = builder.post_shutdown(post_shutdown)
    application = builder.build()
    adapter = TelegramAdapter(conversation, facilitator_chat_id)
    if dedup is not None:
        application.add_handler(dedup, group=-1)
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, adapter.on_edited))
    application.add_handler(MessageHandler(~private & filters.UpdateType.MESSAGE &
                                           (filters.COMMAND | filters.Entity("mention")), adapter.on_group))
    application.add_handler(MessageHandler(filters.COMMAND & private & filters.UpdateType.MESSAGE,
                                           adapter.on_command))
    application.add_handler(MessageHandler(filters.TEXT & private & filters.UpdateType.MESSAGE, adapter.on_text))
    application.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.TEXT, adapter.on_media))
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    application.add_error_handler(adapter.on_error)
    if checkin_sender is not None and application.job_queue is not None:
        async def dispatch(context: ContextTypes.DEFAULT_TYPE) -> None:
            await checkin_sender.tick(context.bot, keep_going=lambda: application.running)

        application.job_queue.run_repeating(dispatch, interval=checkin_interval, first=1.0, name="checkins")
    if retention is not None and application.job_queue is not None:
        async def purge(context: ContextTypes.DEFAULT_TYPE) -> None:
            await retention()

        application.job_queue.run_repeating(purge, interval=6 * 3600, first=60.0, name="retention")
    return application


def run_telegram(settings: Any, *, start_nlu: bool = False, webhook: bool = False) -> int:
    """`tend run`: long polling by default, webhook mode with `--webhook` or WEBHOOK_URL."""
    from bot.runtime import AppRuntime

    runtime = AppRuntime(settings, start_nlu=start_nlu)
    if not settings.rate_limit:
        log.warning("TEND_RATE_LIMIT is off: sends are not paced; only for a fake Bot API")

    async def post_init(application: Application) -> None:
        await runtime.start()
        with contextlib.suppress(TelegramError):
            await set_command_menus(application.bot)

    async def post_shutdown(application: Application) -> None:
        await runtime.stop()

    from bot.checkin_sender import CheckinSender

    application = build_application(
        settings.telegram_token, runtime.conversation,
        base_url=settings.telegram_base_url, base_file_url=settings.telegram_base_file_url,
        post_init=post_init, post_shutdown=post_shutdown, rate_limit=settings.rate_limit,
        checkin_sender=CheckinSender(runtime.db, runtime.engine.clock) if settings.send_checkins else None,
        checkin_interval=settings.checkin_interval,
        dedup=dedup_handler(runtime.db, runtime.engine.clock),
        facilitator_chat_id=settings.facilitator_chat_id,
        retention=runtime.purge_old_data if settings.event_retention_days else None,
    )
    if webhook or settings.webhook_url:
        from bot.webhook import serve

        if not settings.webhook_secret:
            print("Webhook mode needs WEBHOOK_SECRET (the same value in every bot process).")
            return 2
        try:
            asyncio.run(serve(application, runtime, listen=settings.webhook_listen, port=settings.webhook_port,
                              path=settings.webhook_path, secret=settings.webhook_secret,
                              public_url=settings.webhook_url))
        finally:
            runtime.stop_local_nlu()  # even if the clean stop was cut short
        return 0
    from bot.polling import serve_polling

    try:
        asyncio.run(serve_polling(application))
    finally:
        runtime.stop_local_nlu()  # even if the clean stop was cut short
    return 0

