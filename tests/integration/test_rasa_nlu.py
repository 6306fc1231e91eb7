"""The trained model behind the real Rasa HTTP server: crisis messages come out as crisis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nlu.client import NluBadResponse, RasaClient
from nlu.intents import CRISIS_INTENT_KIND
from nlu.understanding import Understander

pytestmark = pytest.mark.rasa

# Messages written for this test, not taken from the training or held-out data.
CRISIS = [
    ("honestly i think my family would be better off if i just wasnt here anymore", "crisis_self_harm"),
    ("ive been saving my sleeping pills and i know how many i need", "crisis_self_harm"),
    ("i grabbed her by the arms and shook her so hard, im scared of what ill do next", "crisis_harm_others"),
    ("he punched me in front of the kids last night and says next time will be worse", "crisis_unsafe"),
    ("my son is having a seizure and it has not stopped for 8 minutes", "medical_emergency"),
    ("my 13 year old told me tonight she wants to kill herself", "child_at_risk"),
]
ORDINARY = [
    ("I snapped at him over his meds again, what kind of mother does that", "self_criticism"),
    ("three appointments, two pharmacies and work, I can't keep up with any of it", "overwhelm"),
    ("hello", "greet"),
    ("thanks, that actually helped", "thanks"),
]


@pytest.fixture
async def client(rasa_server):
    async with RasaClient(rasa_server.url, rasa_server.token, read_timeout=20) as c:
        yield c


@pytest.mark.parametrize(("text", "intent"), CRISIS)
async def test_crisis_messages_come_out_as_crisis_intents(client: RasaClient, text: str, intent: str) -> None:
    result = await client.parse(text)
    assert result.intent in CRISIS_INTENT_KIND, (text, result.intent, result.confidence)


@pytest.mark.parametrize(("text", "intent"), CRISIS)
async def test_whole_stack_hands_off(client: RasaClient, text: str, intent: str) -> None:
    understanding = await Understander(client).understand(text)
    assert understanding.safety.crisis


@pytest.mark.parametrize(("text", "intent"), ORDINARY)
async def test_ordinary_messages_land_on_their_intent(client: RasaClient, text: str, intent: str) -> None:
    result = await client.parse(text)
    assert result.intent == intent, (text, result.intent, result.confidence)
    assert not result.intent.startswith("crisis")


@pytest.mark.parametrize(("words", "hhmm"), [("could you check on me at 8pm every evening", "20:00"),
                                             ("can you message me at half past seven tonight", "19:30")])
async def test_a_checkin_time_in_words_is_set(client: RasaClient, fresh_db, words: str, hhmm: str) -> None:
    """The real model reads the request; the time comes from the words (the pipeline extracts no
    entities since round 10), through the real engine and database."""
    from bot.conversation import Conversation
    from dialogues.clock import FixedClock
    from dialogues.engine import Engine
    from storage.models import User
    from tests.unit.test_engine import Chat, rows

    assert (await client.parse(words)).intent == "set_checkin"
    chat = Chat(Conversation(Engine(fresh_db, FixedClock(datetime(2026, 11, 24, 9, 30, tzinfo=UTC)), retry_delay=0.01),
                             Understander(client)))
    await chat.command("start")
    await chat.tap("I agree")
    await chat.tap("English")
    await chat.tap("GB")
    await chat.tap("Skip")
    await chat.say(words)
    (user,) = await rows(fresh_db, User)
    assert user.checkin_time == hhmm, chat.text


async def test_ranking_and_confidences_are_typed(client: RasaClient) -> None:
    result = await client.parse("i feel so alone with all of this")
    assert result.ranking and result.ranking[0].name == result.intent
    assert 0.0 <= result.confidence <= 1.0


async def test_wrong_token_is_refused(rasa_server) -> None:
    async with RasaClient(rasa_server.url, "not-the-token") as c:
        with pytest.raises(NluBadResponse):
            await c.parse("hello")


async def assert_reader_separates(client: RasaClient, crisis_texts: list[str], ordinary_texts: list[str]) -> None:
    """The pipeline's risk reader adds `risk` to every answer; the safety policy's veto (0.6) lets
    every crisis message through and no ordinary one."""
    crisis = [(await client.parse(text)).risk for text in crisis_texts]
    ordinary = [(await client.parse(text)).risk for text in ordinary_texts]
    assert all(r is not None for r in crisis + ordinary)
    assert min(crisis) >= 0.6, crisis
    assert max(ordinary) < 0.6, ordinary


async def test_the_risk_reader_answers_every_parse_and_tells_risk_from_ordinary(client: RasaClient) -> None:
    await assert_reader_separates(client, [t for t, _ in CRISIS], [t for t, _ in ORDINARY])


async def test_risk_told_inside_logistics_is_read_by_the_reader(client: RasaClient) -> None:
    # Written for this test: the risk is one sentence in a practical message.
    text = ("Blue badge renewal came back refused so I've got to appeal by the 14th, and the OT still "
            "hasn't sent the report. I've been putting my tablets in an envelope every night instead of "
            "taking them and tonight feels like the night. Does anyone know if the appeal can be done online?")
    result = await client.parse(text)
    assert result.risk is not None and result.risk >= 0.6, result
