"""Dialogue modules are domain code: they run on a Turn whose records are a plain fake, no session."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from dialogues import checkin, practice_runner
from dialogues.buttons import CheckinAnswer, Rating, parse
from dialogues.turn import Turn
from practices.library import load_library
from storage.kinds import Dialogue, EventKind
from storage.models import ConversationState, User

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


class FakeRecords:
    """What a dialogue may ask of storage, kept in lists."""

    def __init__(self) -> None:
        self.events: list[EventKind] = []
        self.started: list[str] = []
        self.ratings: list[tuple[int, int]] = []

    async def record_event(self, kind: EventKind, at: datetime, intent: str | None = None,
                           confidence: float | None = None) -> None:
        self.events.append(kind)

    async def start_practice(self, practice_id: str, now: datetime) -> int:
        self.started.append(practice_id)
        return len(self.started)

    async def rate_before(self, session_id: int, rating: int) -> None:
        self.ratings.append((session_id, rating))

    async def recent_practices(self, limit: int = 10) -> list[Any]:
        return []

    async def finished_practices(self, until: date, since: date | None = None) -> list[Any]:
        return []


def _turn(records: FakeRecords) -> Turn:
    user = User(id=1, external_id=42, consent=True, onboarded=True, language="en", timezone="Europe/London")
    state = ConversationState(user_id=1, dialogue=Dialogue.IDLE, step="", data={})
    return Turn.build(records, user, state, NOW)  # type: ignore[arg-type]


def test_a_middling_checkin_answer_offers_a_practice_and_a_rating_starts_it() -> None:
    records = FakeRecords()
    turn = _turn(records)
    asyncio.run(checkin.on_button(turn, CheckinAnswer("5")))
    assert records.events == [EventKind.CHECKIN_REPLY]
    assert turn.dialogue == Dialogue.OFFER and turn.data["pid"] == "breathing_space"
    asyncio.run(practice_runner.start(turn, load_library("en").get("breathing_space")))
    assert records.started == ["breathing_space"] and turn.dialogue == Dialogue.PRACTICE
    rating = next(parse(b.data) for b in turn.replies[-1].button_list if isinstance(parse(b.data), Rating))
    assert isinstance(rating, Rating)
    asyncio.run(practice_runner.on_button(turn, Rating(rating.session_id, "b", 7)))
    assert records.ratings == [(1, 7)] and turn.step.startswith("step:")
