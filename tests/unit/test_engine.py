"""The conversation engine as transcripts: events in, replies out, a fake NLU, a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.conversation import Conversation
from dialogues.clock import FixedClock
from dialogues.engine import Engine
from dialogues.events import UserRef
from dialogues.replies import Reply, load_texts
from nlu.understanding import Understander
from storage.database import Database
from storage.migrate import upgrade_to_head
from storage.models import ConversationState, CrisisEvent, Event, PracticeSession, User
from tests.fakes.fake_nlu import FakeNlu

PARENT = UserRef(4242, "en-GB")


class Chat:
    """Drives a Conversation like a parent would, remembering the last buttons shown."""

    def __init__(self, conversation: Conversation, who: UserRef = PARENT) -> None:
        self.conversation = conversation
        self.who = who
        self.buttons: dict[str, str] = {}
        self.last: list[Reply] = []

    def _remember(self, replies: list[Reply]) -> list[Reply]:
        self.last = replies
        for reply in replies:
            if reply.buttons:
                self.buttons = {b.label: b.data for b in reply.button_list}
        return replies

    async def say(self, text: str) -> list[Reply]:
        return self._remember(await self.conversation.text(self.who, text))

    async def tap(self, label: str) -> list[Reply]:
        assert label in self.buttons, f"no button {label!r}; have {list(self.buttons)}"
        return self._remember(await self.conversation.button(self.who, self.buttons[label]))

    async def command(self, name: str, *args: str) -> list[Reply]:
        return self._remember(await self.conversation.command(self.who, name, args))

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


@pytest.fixture
async def db(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}"
    await upgrade_to_head(url)
    database = Database.from_url(url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))


@pytest.fixture
def nlu() -> FakeNlu:
    return FakeNlu()


@pytest.fixture
def conversation(db, clock, nlu) -> Conversation:
    return Conversation(Engine(db, clock, retry_delay=0.01), Understander(nlu))


@pytest.fixture
async def onboarded(conversation) -> Chat:
    chat = Chat(conversation)
    await chat.command("start")
    await chat.tap("I agree")
    await chat.tap("GB")  # GB has one time zone, so that step answers itself
    await chat.tap("Skip")  # check-in time
    return chat


async def rows(db: Database, model) -> list:
    from sqlalchemy import select

    async with db.session() as session:
        return list((await session.execute(select(model))).scalars())


# ---------------------------------------------------------------- onboarding
async def test_start_explains_what_tend_is_and_asks_consent(conversation) -> None:
    chat = Chat(conversation)
    await chat.command("start")
    assert "not a person" in chat.text and "not therapy" in chat.text
    assert "/sos" in chat.text
    assert {"I agree", "No thanks"} <= set(chat.buttons)


async def test_onboarding_stores_settings(onboarded: Chat, db) -> None:
    assert "All set" in onboarded.text
    (user,) = await rows(db, User)
    assert user.consent and user.onboarded and user.country == "GB" and user.timezone == "Europe/London"


async def test_onboarding_accepts_typed_answers(conversation, db) -> None:
    chat = Chat(conversation)
    await chat.command("start")
    await chat.say("yes")
    await chat.say("usa")
    await chat.say("America/Chicago")
    await chat.say("8:30pm")
    (user,) = await rows(db, User)
    assert (user.country, user.timezone, user.checkin_time) == ("US", "America/Chicago", "20:30")
    assert user.next_checkin_at is not None


async def test_declining_consent_stores_no_events(conversation, db) -> None:
    chat = Chat(conversation)
    await chat.command("start")
    await chat.tap("No thanks")
    assert "won't keep anything" in chat.text
    await chat.say("I yelled at him again, I'm a terrible mum")
    assert await rows(db, Event) == []


async def test_free_text_before_start_begins_onboarding(conversation) -> None:
    chat = Chat(conversation)
    await chat.say("hello")
    assert "I agree" in chat.buttons


# ---------------------------------------------------------------- the core flow
async def test_self_critical_message_reflect_offer_practice_ratings_close(onboarded: Chat, db) -> None:
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    assert len(onboarded.last) == 2
    assert "hard on yourself" in onboarded.text or "harsh" in onboarded.text or "blame" in onboarded.text \
        or "judging" in onboarded.text
    assert {"Yes, let's try", "Not now", "Something else"} == set(onboarded.buttons)
    await onboarded.tap("Yes, let's try")
    assert "0" in onboarded.buttons and "10" in onboarded.buttons
    await onboarded.tap("7")
    steps_seen = 0
    while "Next" in onboarded.buttons or "Done" in onboarded.buttons:
        steps_seen += 1
        await onboarded.tap("Done" if "Done" in onboarded.buttons else "Next")
        assert steps_seen < 10
    assert steps_seen >= 2
    await onboarded.say("4")
    assert "from 7 to 4" in onboarded.text
    (session,) = await rows(db, PracticeSession)
    assert (session.rating_before, session.rating_after) == (7, 4)
    assert session.finished_at is not None and session.local_date is not None


async def test_something_else_offers_a_different_practice(onboarded: Chat) -> None:
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    first = onboarded.buttons["Yes, let's try"]
    await onboarded.tap("Something else")
    assert onboarded.buttons["Yes, let's try"] != first


async def test_not_now_ends_kindly(onboarded: Chat, db) -> None:
    await onboarded.say("everything is too much today")
    await onboarded.tap("Not now")
    texts = load_texts("en")
    assert onboarded.text in {texts.get("offer_declined", variant=i) for i in range(texts.variants("offer_declined"))}
    (state,) = await rows(db, ConversationState)
    assert state.dialogue == "idle"


async def test_stop_mid_practice_ends_gently_and_abandons(onboarded: Chat, db) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.tap("5")
    await onboarded.say("stop")
    assert "stop here" in onboarded.text
    (session,) = await rows(db, PracticeSession)
    assert session.abandoned_at is not None and session.finished_at is None


async def test_cancel_mid_practice(onboarded: Chat, db) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.command("cancel")
    (session,) = await rows(db, PracticeSession)
    assert session.abandoned_at is not None


async def test_double_tap_never_runs_a_step_twice(onboarded: Chat) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.tap("6")
    next_data = onboarded.buttons.get("Next") or onboarded.buttons["Done"]
    first = await onboarded.conversation.button(PARENT, next_data)
    second = await onboarded.conversation.button(PARENT, next_data)
    assert first and second == []


async def test_restart_mid_practice_resumes_at_same_step(onboarded: Chat, db, clock, nlu) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.tap("8")
    await onboarded.tap("Next")
    step_text = onboarded.text
    # A new engine on the same database is a restarted process.
    fresh = Chat(Conversation(Engine(db, clock), Understander(nlu)))
    await fresh.command("practice")
    assert step_text.split("\n")[0] in fresh.text


async def test_rating_must_be_a_number(onboarded: Chat) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.say("pretty bad")
    assert "0 to 10" in onboarded.text


# ---------------------------------------------------------------- small talk and fallbacks
@pytest.mark.parametrize(
    ("text", "expected"),
    [("hello", "How"), ("thank you", "welcome"), ("bye now", "care"), ("what's the weather", "can't help")],
)
async def test_small_talk(onboarded: Chat, text: str, expected: str) -> None:
    await onboarded.say(text)
    assert expected in onboarded.text


async def test_low_confidence_asks_instead_of_guessing(onboarded: Chat) -> None:
    await onboarded.say("hmm")
    assert "understand" in onboarded.text
    assert "Something else" in onboarded.buttons


async def test_replies_vary(onboarded: Chat) -> None:
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    first = onboarded.last[0].text
    await onboarded.tap("Not now")
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    assert onboarded.last[0].text != first


async def test_dead_nlu_gets_a_kind_retry_message(onboarded: Chat, nlu: FakeNlu) -> None:
    nlu.down = True
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    assert "again in a moment" in onboarded.text


async def test_empty_message(onboarded: Chat) -> None:
    await onboarded.say("   ")
    assert "didn't catch" in onboarded.text


async def test_no_message_text_is_stored(onboarded: Chat, db) -> None:
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    events = await rows(db, Event)
    assert events and events[-1].intent == "self_criticism"
    for event in events:
        assert "terrible" not in str(vars(event))


# ---------------------------------------------------------------- crisis inside the conversation
async def test_crisis_mid_practice_hands_off_and_pauses(onboarded: Chat, db) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.tap("6")
    await onboarded.say("honestly I want to kill myself")
    assert onboarded.last[0].kind == "crisis"
    assert "116 123" in onboarded.text  # Samaritans, the parent is in GB
    (session,) = await rows(db, PracticeSession)
    assert session.abandoned_at is None  # paused, not lost
    (event,) = await rows(db, CrisisEvent)
    assert event.kind == "self_harm" and event.layer == "net"
    await onboarded.command("practice")
    assert "pick up where we left off" in onboarded.text


async def test_crisis_during_onboarding_before_consent(conversation) -> None:
    chat = Chat(conversation)
    await chat.command("start")
    await chat.say("my son isn't breathing")
    assert chat.last[0].kind == "crisis"


async def test_crisis_when_nlu_is_down(onboarded: Chat, nlu: FakeNlu) -> None:
    nlu.down = True
    await onboarded.say("i have the pills ready and i'm going to take them all tonight")
    assert onboarded.last[0].kind == "crisis"


async def test_no_offers_for_24_hours_after_a_handoff(onboarded: Chat, clock: FixedClock) -> None:
    await onboarded.say("i want to die")
    await onboarded.say("everything is too much today")
    assert "Yes, let's try" not in {b.label for r in onboarded.last for b in r.button_list}
    await onboarded.command("practice")  # asking for one is always fine
    assert "Yes, let's try" in onboarded.buttons
    clock.advance(hours=25)
    await onboarded.tap("Not now")
    await onboarded.say("everything is too much today")
    assert "Yes, let's try" in onboarded.buttons


async def test_sos_before_onboarding(conversation) -> None:
    chat = Chat(conversation)
    await chat.command("sos")
    assert chat.last[0].kind == "crisis" and "116 123" in chat.text  # en-GB language code
