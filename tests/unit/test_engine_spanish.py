"""Every dialogue as a Spanish-speaking parent lives it: events in, replies out (fake NLU, real database).

The parent's Telegram app is set to Spanish (Mexico), so Tend greets them in Spanish from /start,
offers Mexico's numbers before they say where they are, and reads "a las 8 de la noche", "ya basta"
and "no, estoy bien" as it reads their English equivalents.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.conversation import Conversation
from dialogues.clock import FixedClock
from dialogues.engine import Engine
from dialogues.events import UserRef
from dialogues.replies import load_texts
from nlu.understanding import Understander
from storage.models import PracticeSession, User
from tests.fakes.fake_nlu import FakeNlu
from tests.unit.test_engine import Chat, clock, conversation, db, nlu, rows  # noqa: F401  (fixtures)

MARIA = UserRef(5151, "es-MX")


async def start_in_spanish(chat: Chat) -> None:
    await chat.command("start")
    await chat.tap("Acepto")
    await chat.tap("Español")


@pytest.fixture
async def maria(conversation) -> Chat:  # noqa: F811
    chat = Chat(conversation, MARIA)
    await start_in_spanish(chat)
    await chat.tap("MX")
    await chat.tap("Mexico City")
    await chat.tap("Omitir")  # no daily check-in yet
    return chat


# ---------------------------------------------------------------- onboarding
async def test_a_spanish_client_is_greeted_in_spanish_from_start(conversation) -> None:  # noqa: F811
    chat = Chat(conversation, MARIA)
    await chat.command("start")
    assert "Soy un programa automático" in chat.text and "No soy una persona" in chat.text
    assert {"Acepto", "No, gracias"} <= set(chat.buttons)
    await chat.tap("Acepto")
    assert "¿En qué idioma" in chat.text and {"English", "Español"} <= set(chat.buttons)


async def test_onboarding_in_spanish_stores_the_choices(maria: Chat, db) -> None:  # noqa: F811
    (user,) = await rows(db, User)
    assert (user.language, user.country, user.timezone) == ("es", "MX", "America/Mexico_City")
    assert "Todo listo" in maria.text


async def test_onboarding_answers_typed_in_spanish(conversation, db) -> None:  # noqa: F811
    chat = Chat(conversation, MARIA)
    await chat.command("start")
    await chat.say("sí")
    await chat.say("espanol")
    await chat.say("México")
    await chat.say("America/Mexico_City")
    await chat.say("a las 8 de la noche")
    (user,) = await rows(db, User)
    assert (user.language, user.country, user.checkin_time) == ("es", "MX", "20:00")
    assert "Te escribiré a las 20:00" in chat.text


async def test_a_spanish_parent_can_choose_english(conversation, db) -> None:  # noqa: F811
    chat = Chat(conversation, MARIA)
    await chat.command("start")
    await chat.tap("Acepto")
    await chat.tap("English")
    assert "Language: English" in chat.text and "Which country" in chat.text


# ---------------------------------------------------------------- a self-critical message and a practice
async def test_self_critical_message_then_a_whole_practice_in_spanish(maria: Chat, db) -> None:  # noqa: F811
    await maria.say("le grité otra vez a mi hijo, soy una mala madre")
    assert "dureza" in maria.text or "culpa" in maria.text or "juzg" in maria.text
    assert {"Sí, probemos", "Ahora no", "Otra cosa"} == set(maria.buttons)
    await maria.tap("Sí, probemos")
    await maria.tap("7")
    steps = 0
    while "Siguiente" in maria.buttons or "Listo" in maria.buttons:
        steps += 1
        await maria.tap("Listo" if "Listo" in maria.buttons else "Siguiente")
        assert steps < 10
    assert steps >= 2
    await maria.say("como un cuatro")
    assert "Pasaste de 7 a 4" in maria.text
    (session,) = await rows(db, PracticeSession)
    assert (session.rating_before, session.rating_after) == (7, 4) and session.finished_at is not None


async def test_ya_basta_stops_a_practice(maria: Chat, db) -> None:  # noqa: F811
    await maria.command("practice")
    await maria.tap("Sí, probemos")
    await maria.tap("5")
    await maria.say("ya basta")
    (session,) = await rows(db, PracticeSession)
    assert session.finished_at is None
    assert "Siguiente" not in maria.buttons or not maria.last[-1].buttons


# ---------------------------------------------------------------- progress
async def test_progress_in_spanish(maria: Chat) -> None:
    await maria.command("practice")
    await maria.tap("Sí, probemos")
    await maria.tap("6")
    while "Siguiente" in maria.buttons or "Listo" in maria.buttons:
        await maria.tap("Listo" if "Listo" in maria.buttons else "Siguiente")
    await maria.tap("3")
    await maria.command("progress")
    assert "Días seguidos de práctica: 1" in maria.text and "de 6.0 antes a 3.0 después" in maria.text
    images = [r.image for r in maria.last if r.image]
    assert images and images[0][:4] == b"\x89PNG"


# ---------------------------------------------------------------- check-ins
async def test_checkin_set_in_spanish_words_and_shown_with_spanish_dates(maria: Chat, db) -> None:  # noqa: F811
    await maria.command("checkin", "a", "las", "8", "de", "la", "noche")
    (user,) = await rows(db, User)
    assert user.checkin_time == "20:00"
    assert "Tu mensaje diario llega a las 20:00" in maria.text
    assert any(day in maria.text for day in ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"))
    assert not any(day in maria.text for day in ("Mon", "Tue", "Wed", "Thu", "Fri"))


async def test_pause_three_days_in_spanish(maria: Chat, db, clock: FixedClock) -> None:  # noqa: F811
    await maria.command("checkin", "19:00")
    await maria.command("pause", "3", "días")
    (user,) = await rows(db, User)
    assert user.paused_until is not None and user.next_checkin_at > clock.now() + timedelta(days=3)
    assert "en pausa hasta" in maria.text
    await maria.command("checkin", "apagar")
    (user,) = await rows(db, User)
    assert user.checkin_time is None


async def test_a_checkin_answered_in_spanish(maria: Chat) -> None:
    maria._remember(await maria.conversation.button(MARIA, "ci:5"))
    assert maria.buttons.get("Sí, probemos", "").startswith("of:yes:")
    replies = await maria.conversation.button(MARIA, "ci:no")
    assert "Hoy no te escribo más" in replies[0].text


# ---------------------------------------------------------------- crisis
async def test_a_crisis_in_spanish_gets_mexicos_lines(maria: Chat) -> None:
    await maria.say("tengo las pastillas guardadas para este fin de semana, ya lo decidí")
    first = maria.last[0]
    assert first.kind == "crisis"
    assert "Línea de la Vida" in first.text and "800 911 2000" in first.text and "911" in first.text
    assert "call " not in first.text and "Samaritans" not in first.text
    assert "¿Puedo escribirte en unas horas" in first.text and {"Sí, por favor", "No, gracias"} <= set(maria.buttons)


async def test_a_crisis_in_spanish_with_rasa_down(maria: Chat, nlu: FakeNlu) -> None:  # noqa: F811
    nlu.down = True
    await maria.say("me quiero quitar la vida")
    assert maria.last[0].kind == "crisis" and "800 911 2000" in maria.last[0].text


async def test_a_medical_emergency_before_onboarding_puts_mexicos_emergency_number_first(conversation) -> None:  # noqa: F811
    chat = Chat(conversation, UserRef(5252, "es-MX"))
    await chat.say("mi hijo no respira y tiene los labios morados")
    first = chat.last[0]
    assert first.kind == "crisis" and first.text.splitlines()[0] == "Llama ya a emergencias: 911."
    assert "800 009 2800" in first.text  # SINTOX, for anything swallowed


async def test_the_real_risk_message_while_a_practice_is_on_offer_gets_the_question(maria: Chat) -> None:
    """Issue 15: "ya no aguanto más, quiero desaparecer", sent while a practice was on offer, was
    once taken as a "no, thanks". It must be asked about, in Spanish, with Mexico's number."""
    await maria.say("le grité otra vez a mi hijo, soy una mala madre")
    assert "Sí, probemos" in maria.buttons
    await maria.say("ya no aguanto más, quiero desaparecer")
    assert {"Sí", "No", "No lo sé"} <= set(maria.buttons)
    assert "¿estás pensando en quitarte la vida" in maria.text and "911" in maria.text
    await maria.say("no, estoy bien, solo muy cansada")
    assert "Qué alivio" in maria.text


async def test_ya_basta_while_a_practice_is_on_offer_ends_the_offer(maria: Chat) -> None:
    """The stop words are read in the parent's language (a TypeError here once failed every such turn)."""
    await maria.say("le grité otra vez a mi hijo, soy una mala madre")
    assert "Sí, probemos" in maria.buttons
    await maria.say("ya basta")
    texts = load_texts("es")
    assert maria.text in {texts.get("offer_declined", variant=i) for i in range(texts.variants("offer_declined"))}


async def test_an_unclear_answer_to_the_question_in_spanish_hands_off(maria: Chat) -> None:
    await maria.say("ya no puedo seguir así")
    assert {"Sí", "No", "No lo sé"} <= set(maria.buttons)
    await maria.say("no sé, a veces sí lo pienso")
    assert maria.last[0].kind == "crisis" and "800 911 2000" in maria.last[0].text


async def test_a_spanish_parent_set_to_english_in_crisis_is_answered_in_spanish(conversation) -> None:  # noqa: F811
    chat = Chat(conversation, UserRef(5353, "en-US"))
    await chat.command("start")
    await chat.tap("I agree")
    await chat.tap("English")
    await chat.tap("US")
    await chat.say("me quiero quitar la vida")
    first = chat.last[0]
    assert first.kind == "crisis" and "988, opción 2" in first.text and "llama al" in first.text


async def test_a_parent_set_to_english_who_writes_spanish_is_offered_spanish(conversation, db) -> None:  # noqa: F811
    chat = Chat(conversation, UserRef(5454, "en-US"))
    await chat.command("start")
    await chat.tap("I agree")
    await chat.tap("English")
    await chat.tap("US")
    replies = await chat.say("hoy estoy muy agotada con todo lo de mi hija")
    assert "Escribiste en español" in chat.text
    switch = next(b for r in replies for b in r.button_list if b.label == "Sí, en español, por favor")
    await chat.conversation.button(chat.who, switch.data)
    (user,) = await rows(db, User)
    assert user.language == "es"


# ---------------------------------------------------------------- settings and privacy
async def test_language_command_switches_between_spanish_and_english(maria: Chat, db) -> None:  # noqa: F811
    await maria.command("language")
    await maria.tap("English")
    (user,) = await rows(db, User)
    assert user.language == "en" and "Language: English" in maria.text
    await maria.command("language")
    await maria.tap("Español")
    assert "Idioma: español" in maria.text


async def test_help_and_mydata_in_spanish(maria: Chat) -> None:
    await maria.command("help")
    assert "Esto es lo que puedo hacer" in maria.text
    await maria.command("mydata")
    assert any(r.document for r in maria.last)


async def test_delete_in_spanish(maria: Chat, db) -> None:  # noqa: F811
    await maria.command("delete")
    await maria.tap("Sí, borrar todo")
    assert await rows(db, User) == []


def test_engine_remembers_the_language_as_a_hint_only_in_memory(db, clock) -> None:  # noqa: F811
    engine = Engine(db, clock)
    assert engine.language_hint(UserRef(1, "es-AR")) == "es"
    assert engine.language_hint(UserRef(2, "en-GB")) == "en"
    assert engine.language_hint(UserRef(3, None)) == "en"
    Conversation(engine, Understander(FakeNlu()))


async def test_a_parent_who_chooses_usted_is_spoken_to_with_usted(conversation, db) -> None:  # noqa: F811
    chat = Chat(conversation, UserRef(5555, "es-CO"))
    await chat.command("start")
    await chat.tap("Acepto")
    assert {"English", "Español", "Español (usted)"} <= set(chat.buttons)
    await chat.tap("Español (usted)")
    assert "Idioma: español (de usted)" in chat.text and "¿En qué país está?" in chat.text
    (user,) = await rows(db, User)
    assert user.language == "es-usted"
    await chat.tap("CO")
    await chat.tap("Omitir")
    await chat.say("le grité otra vez a mi hijo, soy una mala madre")
    await chat.tap("Sí, probemos")
    await chat.tap("6")
    assert "usted" in chat.text.lower() or "su " in chat.text or "le " in chat.text
    assert " tu " not in f" {chat.text.lower()} "
    await chat.say("me quiero quitar la vida")  # a crisis is in Spanish, with usted, and Colombia's lines
    assert chat.last[0].kind == "crisis" and "llame al" in chat.text and "123" in chat.text


@pytest.mark.parametrize("nlu", [FakeNlu(time_entities=False)])
async def test_checkin_in_spanish_words_without_an_entity_reads_the_time(maria: Chat, db, nlu: FakeNlu) -> None:  # noqa: F811
    """Tend's Rasa pipeline gives no entities since round 10: the words carry the time, in Spanish too."""
    await maria.say("escríbeme a las 8 de la noche porfa")
    (user,) = await rows(db, User)
    assert user.checkin_time == "20:00"
