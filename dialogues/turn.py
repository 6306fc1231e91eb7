"""One turn of conversation: the user, their saved state, the clock reading, and the replies.

Every dialogue module is a set of functions taking a `Turn`; the engine opens a turn in one
database session, lets a dialogue act on it, and saves the state at the end. State therefore
lives in the database between turns, never in process memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dialogues.buttons import Payload
from dialogues.parent import Parent
from dialogues.replies import Button, Reply, Texts, language_of, load_texts, rows
from dialogues.schedule import zone_of
from practices.library import PracticeLibrary, load_library
from storage.kinds import Dialogue
from storage.models import ConversationState, User
from storage.records import ParentRecords


@dataclass
class Turn:
    #: The parent's records (practices, events, their data), bound to this turn's unit of work.
    records: ParentRecords
    #: The parent: what they chose, changed only through its methods; saved with the turn.
    user: Parent
    state: ConversationState
    now: datetime
    library: PracticeLibrary
    texts: Texts
    replies: list[Reply] = field(default_factory=list)
    #: The language this turn speaks (the parent's choice, else their Telegram app's language).
    language: str = "en"
    #: set by the engine from its configuration (e.g. facilitator alerts), read by dialogues
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls, records: ParentRecords, user: User, state: ConversationState, now: datetime,
        options: dict[str, Any] | None = None,
    ) -> Turn:
        language = language_of(user.language, user.telegram_language_code)
        return cls(
            records=records, user=Parent(user), state=state, now=now,
            library=load_library(language), texts=load_texts(language), options=dict(options or {}),
            language=language,
        )

    def use_language(self, language: str) -> None:
        """Speak `language` from this reply on (the parent just chose it)."""
        self.language = language
        self.texts = load_texts(language)
        self.library = load_library(language)

    # -- replies --------------------------------------------------------------------------
    def t(self, key: str, **values: Any) -> str:
        return self.texts.get(key, **values)

    def varied(self, key: str, **values: Any) -> str:
        """A rotating variant of `key`, so repeated replies do not read identically."""
        counter = int(self.data.get("_v", 0))
        self.data["_v"] = counter + 1
        return self.texts.get(key, variant=counter, **values)

    def say(self, text: str, *buttons: Button, per_row: int = 3, kind: str = "message") -> None:
        self.replies.append(Reply(text=text, buttons=rows(*buttons, per_row=per_row), kind=kind))

    def say_rows(self, text: str, button_rows: tuple[tuple[Button, ...], ...], kind: str = "message") -> None:
        self.replies.append(Reply(text=text, buttons=button_rows, kind=kind))

    def button(self, key: str, payload: Payload) -> Button:
        return Button(self.t(f"buttons.{key}"), payload.encode())

    # -- state ------------------------------------------------------------------------------
    @property
    def dialogue(self) -> str:
        return self.state.dialogue

    @property
    def step(self) -> str:
        return self.state.step

    @property
    def data(self) -> dict[str, Any]:
        if self.state.data is None:
            self.state.data = {}
        return self.state.data

    def go(self, dialogue: str, step: str = "", data: dict[str, Any] | None = None) -> None:
        """Move to another dialogue; the rotation counter survives so variants keep rotating, and so
        does the language already offered (a parent is offered a language once, not every turn)."""
        kept = {k: v for k, v in self.data.items() if k in ("_v", "_language_offered")}
        self.state.dialogue = dialogue
        self.state.step = step
        self.state.data = {"_v": 0, **kept, **(data or {})}

    def at_step(self, step: str) -> None:
        """Move on within the current dialogue (its data stays)."""
        self.state.step = step

    @property
    def paused(self) -> dict[str, Any] | None:
        """The dialogue a crisis handoff set aside, if any."""
        return self.state.paused

    def pause_current(self) -> None:
        """Keep the running dialogue aside (e.g. a practice during a crisis handoff)."""
        if self.state.dialogue in (Dialogue.IDLE, Dialogue.SAFETY_CHECK) or self.state.paused:
            return
        self.state.paused = {
            "dialogue": self.state.dialogue, "step": self.state.step, "data": dict(self.data),
        }

    def local_today(self) -> date:
        """The parent's calendar day (streaks count local days, not UTC ones)."""
        return self.now.astimezone(zone_of(self.user.timezone)).date()

    def take_paused(self) -> dict[str, Any] | None:
        paused, self.state.paused = self.state.paused, None
        return paused
