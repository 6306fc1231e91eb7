"""End to end in Spanish: a parent whose Telegram app is set to Spanish (Mexico), on the real
python-telegram-bot Application against the fake Bot API, from /start to a crisis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.ext import ExtBot

from bot.checkin_sender import CheckinSender
from bot.telegram_app import set_command_menus
from dialogues.clock import FixedClock
from storage.models import PracticeSession, User
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e

MARIA = 515151
ES = "es-MX"


async def exchange(bot: RunningBot, push, expect: int = 1):  # type: ignore[no-untyped-def]
    before = len(bot.server.messages_to(MARIA))
    push()
    return (await bot.server.wait_for_messages(MARIA, before + expect, timeout=15))[before:]


async def buttons(bot: RunningBot) -> dict[str, str]:
    for sent in reversed(bot.server.messages_to(MARIA)):
        if sent.buttons:
            return {b["text"]: b["callback_data"] for b in sent.buttons}
    return {}


async def tap(bot: RunningBot, label: str, expect: int = 1):  # type: ignore[no-untyped-def]
    data = (await buttons(bot))[label]
    return await exchange(bot, lambda: bot.server.push_callback(MARIA, data, language_code=ES), expect)


async def say(bot: RunningBot, text: str, expect: int = 1):  # type: ignore[no-untyped-def]
    return await exchange(bot, lambda: bot.server.push_text(MARIA, text, language_code=ES), expect)


async def command(bot: RunningBot, text: str, expect: int = 1):  # type: ignore[no-untyped-def]
    return await exchange(bot, lambda: bot.server.push_command(MARIA, text, language_code=ES), expect)


async def rows(bot: RunningBot, model) -> list:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    async with bot.db.session() as session:
        return list((await session.execute(select(model))).scalars())


async def onboard(bot: RunningBot) -> None:
    (welcome,) = await command(bot, "/start")
    assert "Hola, soy Tend" in welcome.text and "Acepto" in {b["text"] for b in welcome.buttons}
    (language,) = await tap(bot, "Acepto")
    assert "¿En qué idioma" in language.text
    (country,) = await tap(bot, "Español")
    assert "¿En qué país estás?" in country.text
    (zone,) = await tap(bot, "MX")
    assert "zona horaria" in zone.text
    (checkin,) = await tap(bot, "Mexico City")
    assert "una vez al día" in checkin.text
    (done,) = await say(bot, "a las 8 de la noche")
    assert "Te escribiré a las 20:00" in done.text and "Todo listo" in done.text


async def test_a_spanish_parent_from_start_to_progress_and_a_checkin(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    (user,) = await rows(bot, User)
    assert (user.language, user.country, user.checkin_time) == ("es", "MX", "20:00")

    # a self-critical message, then a whole practice
    (offer,) = await say(bot, "le grité otra vez a mi hijo, soy una mala madre")
    assert {"Sí, probemos", "Ahora no", "Otra cosa"} == {b["text"] for b in offer.buttons}
    (rate,) = await tap(bot, "Sí, probemos")
    assert "10" in {b["text"] for b in rate.buttons}
    await tap(bot, "7")
    steps = 0
    while {"Siguiente", "Listo"} & set(await buttons(bot)) and steps < 10:
        steps += 1
        await tap(bot, "Listo" if "Listo" in await buttons(bot) else "Siguiente")
    (close,) = await say(bot, "4")
    assert "Pasaste de 7 a 4" in close.text
    (session,) = await rows(bot, PracticeSession)
    assert (session.rating_before, session.rating_after) == (7, 4)

    # /progress: the summary and a chart
    replies = await command(bot, "/progress", expect=2)
    assert any("Días seguidos de práctica: 1" in (r.text or "") for r in replies)
    assert any(r.method == "sendPhoto" and (r.photo or b"")[:4] == b"\x89PNG" for r in replies)

    # the daily check-in arrives in Spanish and its answer is heard in Spanish
    (user,) = await rows(bot, User)
    due = user.next_checkin_at
    assert due is not None
    sender_bot = ExtBot(bot.server.token, base_url=bot.server.base_url)
    await sender_bot.initialize()
    try:
        assert await CheckinSender(bot.db, FixedClock(due + timedelta(seconds=5))).tick(sender_bot) == 1
    finally:
        await sender_bot.shutdown()
    prompt = bot.server.messages_to(MARIA)[-1]
    assert "¿Cómo estás hoy" in prompt.text
    (answer,) = await tap(bot, "5")
    assert "Sí, probemos" in {b["text"] for b in answer.buttons}


async def test_a_crisis_in_spanish_with_rasa_up_and_with_rasa_down(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    (crisis,) = await say(bot, "tengo las pastillas guardadas para este fin de semana, ya lo decidí")
    assert "Línea de la Vida" in crisis.text and "800 911 2000" in crisis.text and "911" in crisis.text
    assert "¿Puedo escribirte en unas horas" in crisis.text
    bot.nlu.down = True
    (busy,) = await say(bot, "hoy estoy muy agotada")
    assert "call" not in busy.text.lower()
    (crisis,) = await say(bot, "me quiero quitar la vida")
    assert "Línea de la Vida" in crisis.text and "800 911 2000" in crisis.text


async def test_a_medical_emergency_before_onboarding_in_spanish(running_bot: RunningBot) -> None:
    bot = running_bot
    (reply,) = await say(bot, "mi hijo no respira y tiene los labios morados")
    assert reply.text.splitlines()[0] == "Llama ya a emergencias: 911."
    assert "800 009 2800" in reply.text


async def test_the_command_menu_in_english_and_in_spanish(running_bot: RunningBot) -> None:
    bot = running_bot
    assert bot.application is not None
    await set_command_menus(bot.application.bot)
    menus = bot.server.command_menus
    assert menus[""]["practice"] == "A short self-compassion practice"
    assert menus["es"]["practice"] == "Una práctica breve de autocompasión"
    assert set(menus[""]) == set(menus["es"])
