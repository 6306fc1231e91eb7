"""The channel-agnostic conversation engine: (user, event) in, replies out.

Each call is one unit of work: load the parent and their conversation state, let the safety
stack speak first, route the event to the dialogue the parent is in, save, return replies.
State is never kept in process memory, so a restart mid-practice resumes at the same step and
several processes can serve one bot.

If the database cannot be reached, a crisis message still gets its handoff: safety never
waits on storage.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from dialogues import (
    bundle,
    buttons,
    checkin,
    checkin_dispatcher,
    checkin_settings,
    crisis_handoff,
    onboarding,
    practice_runner,
    privacy,
    progress,
    router,
)
from dialogues.clock import Clock, SystemClock
from dialogues.crisis_resources import compose_handoff, compose_resources, country_from_language_code
from dialogues.events import ButtonEvent, CommandEvent, Event, TextEvent, UserRef
from dialogues.replies import Button, Reply, available_languages, language_of, load_texts
from dialogues.turn import Turn
from nlu.intents import CrisisKind
from storage.database import Database
from storage.kinds import Dialogue, EventKind
from storage.records import ParentRecords
from storage.repositories import ERASED_USERS, StateRepo, load_parent

log = logging.getLogger(__name__)

TurnHook = Callable[[Turn], Awaitable[None]]


class Engine:
    def __init__(
        self,
        db: Database,
        clock: Clock | None = None,
        *,
        retries: int = 3,
        retry_delay: float = 0.2,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.retries = retries
        self.retry_delay = retry_delay
        self.options = dict(options or {})
        self._languages: OrderedDict[int, str] = OrderedDict()
        self.commands: dict[str, Callable[[Turn, tuple[str, ...]], Awaitable[None]]] = {
            "start": self._cmd_start,
            "help": self._cmd_help,
            "practice": self._cmd_practice,
            "cancel": self._cmd_cancel,
            "stop": self._cmd_cancel,
            "language": self._cmd_language,
            "country": self._cmd_country,
            "timezone": self._cmd_timezone,
            "sos": self._cmd_sos,
            "checkin": self._cmd_checkin,
            "pause": self._cmd_pause,
            "resume": self._cmd_resume,
            "progress": self._cmd_progress,
            "mydata": self._cmd_mydata,
            "delete": self._cmd_delete,
            "stats": self._cmd_stats,
        }

    async def handle(self, who: UserRef, event: Event) -> list[Reply]:
        last_error: Exception | None = None
        for attempt in range(self.retries):
            try:
                return await self._handle_once(who, event)
            except (OperationalError, DBAPIError, OSError) as exc:
                last_error = exc
                log.warning("database unavailable (attempt %d): %s", attempt + 1, type(exc).__name__)
                await asyncio.sleep(self.retry_delay * (attempt + 1))
        return self._without_storage(who, event, last_error)

    #: Parents whose language is remembered in memory, most recent first out last.
    LANGUAGE_HINTS = 10_000

    def language_hint(self, who: UserRef) -> str:
        """The language a parent is spoken to in, as last seen (else their Telegram app's), for
        the NLU to read a message that carries no word of any language ("ok", "911") in it. Kept
        in memory only, as the setting it is; never the text."""
        return self._languages.get(who.external_id) or language_of(None, who.language_code)

    def _remember_language(self, external_id: int, language: str | None) -> None:
        if language is None:
            self._languages.pop(external_id, None)
            return
        self._languages[external_id] = language
        self._languages.move_to_end(external_id)
        while len(self._languages) > self.LANGUAGE_HINTS:
            self._languages.popitem(last=False)

    async def mark_inactive(self, external_id: int) -> None:
        """The parent blocked the bot: stop scheduling anything for them."""
        try:
            await checkin_dispatcher.blocked(self.db, external_id)
        except (OperationalError, DBAPIError, OSError):
            log.warning("could not mark a blocked chat inactive")

    def _without_storage(self, who: UserRef, event: Event, error: Exception | None) -> list[Reply]:
        language = language_of(None, who.language_code)
        if isinstance(event, TextEvent) and event.understanding.language in available_languages():
            language = event.understanding.language  # a crisis is answered in the words it was written in
        texts = load_texts(language)
        if isinstance(event, TextEvent) and event.understanding.safety.crisis:
            kind = event.understanding.safety.kind or CrisisKind.SELF_HARM
            country = country_from_language_code(who.language_code)
            return [Reply(compose_handoff(kind, country, language), kind="crisis")]
        if isinstance(event, CommandEvent) and event.name == "sos":
            return [Reply(compose_resources(country_from_language_code(who.language_code), language),
                          kind="crisis")]
        return [Reply(texts.get("db_busy"))]

    async def _handle_once(self, who: UserRef, event: Event) -> list[Reply]:
        now = self.clock.now()
        async with self.db.session() as session:
            user, state = await load_parent(session, who.external_id, who.language_code, now)
            if who.language_code and user.telegram_language_code != who.language_code:
                user.telegram_language_code = who.language_code
            turn = Turn.build(ParentRecords(session, user.id), user, state, now, self.options)
            # Changes to the parent and their state are written once, by the save below, not
            # before every query the dialogue makes: the repositories flush what they insert
            # themselves, and each autoflush was one more UPDATE of the same row (a text turn
            # wrote conversation_states three times; the ORM flushes were most of the engine's
            # CPU, BENCHMARKS.md).
            with session.no_autoflush:
                await self._dispatch(turn, event)
                if user.id in session.info.get(ERASED_USERS, ()):
                    self._remember_language(who.external_id, None)
                    return turn.replies  # /delete ran: nothing of this parent is written back
                if user.consent:
                    await self._record(turn, event)
            await StateRepo(session).save(state, now)
            user.updated_at = now
            self._remember_language(who.external_id, bundle.base_of(language_of(user.language, who.language_code)))
        return turn.replies

    async def _record(self, turn: Turn, event: Event) -> None:
        """Only the kind of message, its intent and confidence, and the time. Never the text."""
        if isinstance(event, TextEvent):
            nlu = event.understanding.nlu
            await turn.records.record_event(EventKind.MESSAGE, turn.now, nlu.intent if nlu else None,
                                            nlu.confidence if nlu else None)
        elif isinstance(event, ButtonEvent):
            await turn.records.record_event(EventKind.BUTTON, turn.now)
        else:
            await turn.records.record_event(EventKind.COMMAND, turn.now)

    async def _dispatch(self, turn: Turn, event: Event) -> None:
        if isinstance(event, TextEvent):
            await self._on_text(turn, event)
        elif isinstance(event, ButtonEvent):
            await self._on_button(turn, event.data)
        else:
            handler = self.commands.get(event.name)
            if handler is None:
                turn.say(turn.t("help"))
            else:
                await handler(turn, event.args)

    # -- text -----------------------------------------------------------------------------------
    async def _on_text(self, turn: Turn, event: TextEvent) -> None:
        safety = event.understanding.safety
        written_in = event.understanding.language
        if safety.crisis and written_in != bundle.base_of(turn.language) and written_in in available_languages():
            # A parent in crisis is answered in the language they just wrote in, whatever the setting.
            turn.use_language(written_in)
        # Safety first, in every dialogue, before consent and before anything else.
        if safety.action == "handoff":
            await crisis_handoff.handoff(turn, safety.kind or CrisisKind.SELF_HARM, safety.layer or "net")
            return
        if turn.dialogue == Dialogue.SAFETY_CHECK:
            await crisis_handoff.on_text(turn, event.text)
            return
        if safety.action == "ask":
            crisis_handoff.ask(turn, safety)
            return
        if safety.reassurance is not None:
            # Believed, not questioned: one line, then the parent is heard like anyone else.
            crisis_handoff.believe(turn, safety.reassurance)
        if not event.text.strip():
            turn.say(turn.t("empty_message"))
            return
        if event.truncated:
            turn.say(turn.t("too_long"))
        self._offer_language(turn, event)
        result = event.understanding.nlu
        if turn.dialogue in (Dialogue.ONBOARDING, Dialogue.SETTINGS) and turn.user.consent and result is not None \
                and result.intent in router.OFFER_INTENTS and result.confidence >= 0.6:
            # The parent is telling us how they are, not answering the set-up question: listen.
            turn.user.finish_onboarding()
            turn.go(Dialogue.IDLE)
            await router.route(turn, result, event.text)
            return
        if turn.dialogue == Dialogue.ONBOARDING:
            await onboarding.on_text(turn, event.text, result)
            return
        if not turn.user.consent:
            if result is not None and result.intent == "greet":
                turn.say(turn.t("greet_new"))
            onboarding.start(turn)
            return
        if turn.dialogue == Dialogue.PRACTICE:
            await practice_runner.on_text(turn, event.text)
        elif turn.dialogue == Dialogue.SETTINGS:
            await onboarding.on_text(turn, event.text, result)
        elif turn.dialogue == Dialogue.OFFER:
            await router.on_offer_text(turn, result, event.text)
        else:
            await router.route(turn, result, event.text)

    @staticmethod
    def _offer_language(turn: Turn, event: TextEvent) -> None:
        """A parent who writes in another language Tend speaks is understood (the message is parsed
        by that language's model) and offered, once, to be answered in it, in that language."""
        written_in = event.understanding.language
        if written_in == bundle.base_of(turn.language) or written_in not in available_languages() \
                or len(event.text.split()) < 3 or turn.data.get("_language_offered") == written_in:
            return
        turn.data["_language_offered"] = written_in
        theirs = load_texts(written_in)
        turn.say(theirs.get("switch_offer"),
                 Button(theirs.get("buttons.switch_yes"), buttons.SwitchLanguage(written_in).encode()))

    # -- buttons ----------------------------------------------------------------------------------
    async def _on_button(self, turn: Turn, data: str) -> None:
        payload = buttons.parse(data)
        if isinstance(payload, buttons.Onboarding):
            await onboarding.on_button(turn, payload)
        elif isinstance(payload, buttons.CrisisCountry):  # crisis lines: before consent too (safety first)
            crisis_handoff.on_country_button(turn, payload)
        elif isinstance(payload, buttons.SwitchLanguage):  # before consent too: it is how they read the rest
            if payload.answer in available_languages():
                turn.user.choose_language(payload.answer)
                turn.use_language(payload.answer)
                turn.say(turn.t("language_set", language=turn.t(f"language_names.{payload.answer}")))
            else:
                turn.say(turn.t("stale_button"))
        elif payload is None:
            turn.say(turn.t("stale_button"))
        elif not turn.user.consent:
            onboarding.start(turn)
        elif isinstance(payload, (buttons.SafetyAnswer, buttons.Followup)):
            await crisis_handoff.on_button(turn, payload)
        elif isinstance(payload, buttons.Offer):
            await router.on_offer_button(turn, payload)
        elif isinstance(payload, (buttons.PracticeStep, buttons.Rating)):
            await practice_runner.on_button(turn, payload)
        elif isinstance(payload, buttons.CheckinAnswer):
            await checkin.on_button(turn, payload)
        elif isinstance(payload, buttons.DeleteConfirm):
            await privacy.on_delete_button(turn, payload)
        elif isinstance(payload, buttons.Clarify):
            await router.on_clarify_button(turn, payload)
        elif isinstance(payload, buttons.ContinuePaused):
            await self._cmd_practice(turn, ())

    # -- commands ---------------------------------------------------------------------------------
    async def _cmd_start(self, turn: Turn, args: tuple[str, ...]) -> None:
        if turn.user.consent and turn.user.onboarded:
            turn.go(Dialogue.IDLE)
            turn.say(turn.t("greet", variant=0))
            turn.say(turn.t("help"))
            return
        onboarding.start(turn)

    async def _cmd_help(self, turn: Turn, args: tuple[str, ...]) -> None:
        turn.say(turn.t("help"))

    async def _cmd_sos(self, turn: Turn, args: tuple[str, ...]) -> None:
        crisis_handoff.sos(turn)

    async def _cmd_practice(self, turn: Turn, args: tuple[str, ...]) -> None:
        if not turn.user.consent:
            onboarding.start(turn)
            return
        if turn.dialogue == Dialogue.PRACTICE:
            practice_runner.resume(turn)
            return
        paused = turn.paused
        if paused and paused.get("dialogue") == Dialogue.PRACTICE:
            turn.take_paused()
            turn.go(Dialogue.PRACTICE, paused.get("step", ""), paused.get("data") or {})
            practice_runner.resume(turn)
            return
        await router.offer(turn, "request_practice")

    async def _cmd_cancel(self, turn: Turn, args: tuple[str, ...]) -> None:
        if turn.dialogue == Dialogue.PRACTICE:
            await practice_runner.stop(turn)
        elif turn.dialogue == Dialogue.ONBOARDING and not turn.user.consent:
            turn.go(Dialogue.IDLE, "declined")
            turn.say(turn.t("consent_declined"))
        elif turn.dialogue == Dialogue.ONBOARDING:
            turn.user.finish_onboarding()
            turn.go(Dialogue.IDLE)
            turn.say(turn.t("cancel_done"))
        elif turn.dialogue == Dialogue.IDLE and not turn.paused:
            turn.say(turn.t("cancel_nothing"))
        else:
            turn.take_paused()
            turn.go(Dialogue.IDLE)
            turn.say(turn.t("cancel_done"))

    async def _setting(self, turn: Turn, step: str, args: tuple[str, ...]) -> None:
        if not turn.user.consent:
            onboarding.start(turn)
            return
        if args:
            onboarding.set_directly(turn, step, " ".join(args))
        else:
            onboarding.ask_setting(turn, step)

    async def _cmd_checkin(self, turn: Turn, args: tuple[str, ...]) -> None:
        if not turn.user.consent:
            onboarding.start(turn)
            return
        checkin_settings.command(turn, args)

    async def _cmd_pause(self, turn: Turn, args: tuple[str, ...]) -> None:
        if turn.user.consent:
            checkin_settings.pause(turn, args)

    async def _cmd_resume(self, turn: Turn, args: tuple[str, ...]) -> None:
        if turn.user.consent:
            checkin_settings.resume(turn)

    async def _cmd_progress(self, turn: Turn, args: tuple[str, ...]) -> None:
        if not turn.user.consent:
            onboarding.start(turn)
            return
        await progress.show(turn)

    async def _cmd_mydata(self, turn: Turn, args: tuple[str, ...]) -> None:
        await privacy.export(turn)

    async def _cmd_delete(self, turn: Turn, args: tuple[str, ...]) -> None:
        privacy.ask_delete(turn)

    async def _cmd_stats(self, turn: Turn, args: tuple[str, ...]) -> None:
        """Admins only (configured Telegram ids); for anyone else it is an unknown command."""
        from storage.report import render_report

        if turn.user.external_id not in self.options.get("admin_ids", frozenset()):
            turn.say(turn.t("help"))
            return
        turn.say(render_report(await turn.records.programme_report(turn.now)))

    async def _cmd_language(self, turn: Turn, args: tuple[str, ...]) -> None:
        await self._setting(turn, "language", args)

    async def _cmd_country(self, turn: Turn, args: tuple[str, ...]) -> None:
        await self._setting(turn, "country", args)

    async def _cmd_timezone(self, turn: Turn, args: tuple[str, ...]) -> None:
        await self._setting(turn, "timezone", args)
