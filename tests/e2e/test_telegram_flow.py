"""End to end: the real python-telegram-bot Application against the fake Bot API server."""

from __future__ import annotations

import asyncio

import pytest

from storage.models import PracticeSession, User
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e

PARENT = 424242


async def last_buttons(bot: RunningBot, chat_id: int = PARENT) -> dict[str, str]:
    for sent in reversed(bot.server.messages_to(chat_id)):
        if sent.buttons:
            return {b["text"]: b["callback_data"] for b in sent.buttons}
    return {}


async def exchange(bot: RunningBot, push, expect: int = 1, chat_id: int = PARENT):  # type: ignore[no-untyped-def]
    before = len(bot.server.messages_to(chat_id))
    push()
    return (await bot.server.wait_for_messages(chat_id, before + expect, timeout=15))[before:]


async def tap(bot: RunningBot, label: str, chat_id: int = PARENT):  # type: ignore[no-untyped-def]
    data = (await last_buttons(bot, chat_id))[label]
    return await exchange(bot, lambda: bot.server.push_callback(chat_id, data), chat_id=chat_id)


async def onboard(bot: RunningBot, chat_id: int = PARENT) -> None:
    await exchange(bot, lambda: bot.server.push_command(chat_id, "/start"), expect=1, chat_id=chat_id)
    await tap(bot, "I agree", chat_id)
    await tap(bot, "English", chat_id)
    await tap(bot, "GB", chat_id)
    await tap(bot, "Skip", chat_id)


async def rows(bot: RunningBot, model) -> list:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    async with bot.db.session() as session:
        return list((await session.execute(select(model))).scalars())


async def test_onboarding_then_self_critical_message_practice_and_close(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    (offer,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "I yelled at him again, I'm a terrible mum"))
    assert {"Yes, let's try", "Not now", "Something else"} == {b["text"] for b in offer.buttons}
    await tap(bot, "Yes, let's try")
    await tap(bot, "7")
    for _ in range(8):
        buttons = await last_buttons(bot)
        if "Next" in buttons:
            await tap(bot, "Next")
        elif "Done" in buttons:
            await tap(bot, "Done")
            break
    (close,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "3"))
    assert "from 7 to 3" in close.text
    (session,) = await rows(bot, PracticeSession)
    assert (session.rating_before, session.rating_after) == (7, 3) and session.finished_at is not None
    # the tapped keyboards were taken off their messages: one tap, one step
    assert "editMessageReplyMarkup" in bot.server.requests


async def test_stop_mid_practice(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    await exchange(bot, lambda: bot.server.push_command(PARENT, "/practice"))
    await tap(bot, "Yes, let's try")
    await tap(bot, "5")
    (reply,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "stop"))
    assert "stop here" in reply.text
    (session,) = await rows(bot, PracticeSession)
    assert session.abandoned_at is not None


async def test_restart_mid_practice_resumes(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    await exchange(bot, lambda: bot.server.push_command(PARENT, "/practice"))
    await tap(bot, "Yes, let's try")
    (step,) = await tap(bot, "6")
    await bot.restart()  # a new Application and engine; only the database survives
    (resumed,) = await exchange(bot, lambda: bot.server.push_command(PARENT, "/practice"))
    assert "pick up where we left off" in resumed.text
    assert step.text.split("\n")[0] in resumed.text
    (more,) = await tap(bot, "Next")
    assert more.text != resumed.text


@pytest.mark.parametrize("kind", ["sticker", "voice", "photo", "document"])
async def test_media_gets_a_kind_text_only_answer(running_bot: RunningBot, kind: str) -> None:
    (reply,) = await exchange(running_bot, lambda: running_bot.server.push_media(PARENT, kind))
    assert "only read text" in reply.text


async def test_edited_message_does_not_replay_a_step(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    message_id = 999
    before = len(bot.server.messages_to(PARENT))
    bot.server.push_edit(PARENT, message_id, "I yelled at him again, I'm a terrible mum")
    await bot.server.wait_for(lambda: bot.server.requests.count("getUpdates") > 3, timeout=5)
    import asyncio

    await asyncio.sleep(0.5)
    assert len(bot.server.messages_to(PARENT)) == before


async def test_edited_message_with_risk_still_hands_off(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    (reply,) = await exchange(bot, lambda: bot.server.push_edit(PARENT, 5, "actually i want to kill myself"))
    assert "116 123" in reply.text


async def test_very_long_and_empty_messages(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    replies = await exchange(bot, lambda: bot.server.push_text(PARENT, "so many forms and calls " * 400))
    assert replies and all(len(r.text or "") <= 4096 for r in replies)


async def test_group_chat_gets_a_polite_line_and_nothing_stored(running_bot: RunningBot) -> None:
    bot = running_bot
    group = -100123
    (reply,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "/start", chat_id=group,
                                                                chat_type="supergroup"), chat_id=group)
    assert "private chats" in reply.text
    assert await rows(bot, User) == []


async def test_blocked_user_is_marked_inactive(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    bot.server.block_user(PARENT)
    bot.server.push_text(PARENT, "hello")
    await bot.server.wait_for(lambda: False if not bot.server.requests.count("sendMessage") else True)
    import asyncio

    for _ in range(50):
        (user,) = await rows(bot, User)
        if not user.active:
            break
        await asyncio.sleep(0.1)
    assert user.active is False


async def test_dead_nlu_gets_a_kind_retry_and_crisis_still_works(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    bot.nlu.down = True
    (reply,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "I yelled at him again, I'm a terrible mum"))
    assert "again in a moment" in reply.text
    (crisis,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "my son isn't breathing"))
    assert "999" in crisis.text


async def test_crisis_first_reply_has_country_resources(running_bot: RunningBot) -> None:
    bot = running_bot
    (reply,) = await exchange(bot, lambda: bot.server.push_text(PARENT, "i want to end my life tonight"))
    assert "116 123" in reply.text  # en-GB language code, before any onboarding


async def test_429_is_honoured(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.server.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=PARENT)
    (reply,) = await exchange(bot, lambda: bot.server.push_command(PARENT, "/help"))
    assert "/practice" in reply.text


async def test_progress_sends_a_photo(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    replies = await exchange(bot, lambda: bot.server.push_command(PARENT, "/progress"), expect=2)
    photos = [r for r in replies if r.method == "sendPhoto"]
    assert photos and photos[0].photo and photos[0].photo[:4] == b"\x89PNG"


async def test_mydata_sends_a_document(running_bot: RunningBot) -> None:
    bot = running_bot
    await onboard(bot)
    (doc,) = await exchange(bot, lambda: bot.server.push_command(PARENT, "/mydata"))
    assert doc.method == "sendDocument" and b'"country": "GB"' in (doc.document or b"")


async def test_each_update_logs_where_its_time_went_without_the_words(
        running_bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="bot.telegram_app")
    await onboard(running_bot)
    await exchange(running_bot, lambda: running_bot.server.push_text(PARENT, "I'm a terrible mum, I yelled again"))
    for _ in range(100):  # the line is written once the reply has gone, a moment after it arrives
        lines = [r for r in caplog.records if r.getMessage().startswith("handled text")]
        if lines:
            break
        await asyncio.sleep(0.02)
    assert lines, "no per-update line for the text message"
    fields = lines[-1].fields  # type: ignore[attr-defined]
    assert fields["kind"] == "text"
    assert fields["telegram_ms"] > 0  # the reply went to the Bot API
    assert 0 <= fields["own_ms"] <= fields["ms"]
    assert "terrible" not in lines[-1].getMessage() and str(PARENT) not in lines[-1].getMessage()


async def test_typing_shows_only_when_the_answer_is_slow(running_bot: RunningBot,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import telegram_app

    await onboard(running_bot)
    await exchange(running_bot, lambda: running_bot.server.push_text(PARENT, "hello"))
    assert "sendChatAction" not in running_bot.server.requests  # a prompt answer needs no indicator

    monkeypatch.setattr(telegram_app, "TYPING_AFTER", 0.05)
    fast_parse = running_bot.nlu.parse

    async def slow_parse(text: str):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.3)
        return await fast_parse(text)

    monkeypatch.setattr(running_bot.nlu, "parse", slow_parse)
    await exchange(running_bot, lambda: running_bot.server.push_text(PARENT, "everything is too much"))
    methods = [m for m in running_bot.server.requests if m in ("sendChatAction", "sendMessage")]
    assert methods[-2:] == ["sendChatAction", "sendMessage"]  # the indicator came first, then the reply
