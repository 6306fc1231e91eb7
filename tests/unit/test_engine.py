"""The conversation engine as transcripts: events in, replies out, a fake NLU, a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation import Conversation
from dialogues.clock import FixedClock
from dialogues.engine import Engine
from dialogues.events import UserRef
from dialogues.replies import Recipient, Reply, load_texts
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
def db(fresh_db):
    return fresh_db


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
    await chat.tap("English")
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
    await chat.say("english")
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


async def test_free_text_while_a_practice_is_on_offer_is_understood(onboarded: Chat, db) -> None:
    """`make bench` found every such turn failing with a TypeError (the stop-word check was called
    without the parent's language) and answered with the "busy" apology: a parent who writes
    anything but yes or no to an offer must be answered, and "stop" must end the offer."""
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    assert "Yes, let's try" in onboarded.buttons
    await onboarded.say("stop")
    texts = load_texts("en")
    assert onboarded.text in {texts.get("offer_declined", variant=i) for i in range(texts.variants("offer_declined"))}
    (state,) = await rows(db, ConversationState)
    assert state.dialogue == "idle"
    await onboarded.say("I yelled at him again, I'm a terrible mum")
    await onboarded.say("everything is too much today")  # neither yes nor no: routed as a new message
    assert onboarded.text and onboarded.text not in {texts.get("db_busy")}


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


# ---------------------------------------------------------------- check-ins, progress, privacy
async def test_checkin_command_sets_and_shows_next_local_time(onboarded: Chat, db) -> None:
    await onboarded.command("checkin", "20:30")
    assert "20:30" in onboarded.text and "Europe/London" in onboarded.text
    (user,) = await rows(db, User)
    assert user.checkin_time == "20:30" and user.next_checkin_at is not None
    await onboarded.command("checkin", "off")
    (user,) = await rows(db, User)
    assert user.checkin_time is None and user.next_checkin_at is None


async def test_skip_on_a_settings_question_is_answered(onboarded: Chat, db) -> None:
    """`make bench` found parents who tapped Skip on the check-in question asked from the settings
    left with no reply at all; a tap is always answered, and nothing changes."""
    await onboarded.command("timezone")
    before = len(onboarded.last)
    await onboarded.tap("Skip")
    assert onboarded.text == load_texts("en").get("setting_unchanged") and before
    (state,) = await rows(db, ConversationState)
    assert state.dialogue == "idle"


async def test_checkin_in_words_uses_the_time_entity(onboarded: Chat, db) -> None:
    await onboarded.say("can you check on me at 8pm")
    (user,) = await rows(db, User)
    assert user.checkin_time == "20:00"
    await onboarded.say("stop the reminders")
    (user,) = await rows(db, User)
    assert user.checkin_time is None


@pytest.mark.parametrize("nlu", [FakeNlu(time_entities=False)])
@pytest.mark.parametrize(("words", "hhmm"), [("can you check on me at 8pm", "20:00"),
                                             ("check on me every evening at half past seven", "19:30"),
                                             ("please check on me at 07:15 tomorrow", "07:15")])
async def test_checkin_in_words_without_an_entity_reads_the_time_from_the_words(
        onboarded: Chat, db, nlu: FakeNlu, words: str, hhmm: str) -> None:
    """Tend's Rasa pipeline gives no entities since round 10: the message's own words carry the time."""
    await onboarded.say(words)
    (user,) = await rows(db, User)
    assert user.checkin_time == hhmm


@pytest.mark.parametrize("nlu", [FakeNlu(time_entities=False)])
async def test_checkin_in_words_with_no_time_asks_for_one(onboarded: Chat, db, nlu: FakeNlu) -> None:
    await onboarded.say("can you check on me sometimes")
    (user,) = await rows(db, User)
    assert user.checkin_time is None
    assert "Skip" in onboarded.buttons


async def test_pause_and_resume(onboarded: Chat, db, clock: FixedClock) -> None:
    await onboarded.command("checkin", "19:00")
    await onboarded.command("pause", "3d")
    (user,) = await rows(db, User)
    assert user.paused_until is not None and user.next_checkin_at > clock.now() + timedelta(days=3)
    await onboarded.command("resume")
    (user,) = await rows(db, User)
    assert user.paused_until is None and user.next_checkin_at < clock.now() + timedelta(days=1)


@pytest.mark.parametrize(("answer", "expected_practice"), [("2", None), ("5", "breathing_space"), ("9", "savouring")])
async def test_checkin_answer_fits_the_rating(onboarded: Chat, answer: str, expected_practice: str | None) -> None:
    replies = await onboarded.conversation.button(PARENT, f"ci:{answer}")
    onboarded._remember(replies)
    offer = onboarded.buttons.get("Yes, let's try", "")
    assert offer.startswith("of:yes:")
    if expected_practice:
        assert offer == f"of:yes:{expected_practice}"


async def test_checkin_not_now_ends_kindly(onboarded: Chat) -> None:
    replies = await onboarded.conversation.button(PARENT, "ci:no")
    assert "No more nudges today" in replies[0].text


async def test_progress_shows_streak_and_a_chart(onboarded: Chat) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.tap("6")
    while "Next" in onboarded.buttons or "Done" in onboarded.buttons:
        await onboarded.tap("Done" if "Done" in onboarded.buttons else "Next")
    await onboarded.tap("3")
    await onboarded.command("progress")
    assert "in a row: 1" in onboarded.text and "6.0 before to 3.0 after" in onboarded.text
    images = [r.image for r in onboarded.last if r.image]
    assert images and images[0][:4] == b"\x89PNG"


async def test_mydata_exports_everything_without_text(onboarded: Chat) -> None:
    import json

    await onboarded.say("I yelled at him again, I'm a terrible mum")
    await onboarded.command("mydata")
    (doc,) = [r.document for r in onboarded.last if r.document]
    data = json.loads(doc)
    assert data["user"]["country"] == "GB" and data["events"]
    assert "terrible" not in doc.decode()


async def test_delete_erases_every_row(onboarded: Chat, db) -> None:
    from storage.models import Base

    await onboarded.say("I yelled at him again, I'm a terrible mum")
    await onboarded.command("delete")
    await onboarded.tap("Yes, erase everything")
    assert "erased" in onboarded.text
    for table in Base.metadata.sorted_tables:
        if table.name == "processed_updates":
            continue
        async with db.session() as session:
            from sqlalchemy import func, select

            assert (await session.execute(select(func.count()).select_from(table))).scalar_one() == 0, table.name


async def test_delete_can_be_declined(onboarded: Chat, db) -> None:
    await onboarded.command("delete")
    await onboarded.tap("No, keep it")
    assert len(await rows(db, User)) == 1


async def test_stats_only_for_admins(db, clock, nlu) -> None:
    admin = Chat(Conversation(Engine(db, clock, options={"admin_ids": frozenset({999})}), Understander(nlu)),
                 UserRef(999, "en"))
    await admin.command("stats")
    assert "programme report" in admin.text
    parent = Chat(Conversation(Engine(db, clock, options={"admin_ids": frozenset({999})}), Understander(nlu)))
    await parent.command("stats")
    assert "programme report" not in parent.text


@pytest.mark.parametrize(("country", "number"), [("US", "988"), ("GB", "116 123"), ("AU", "13 11 14"),
                                                 ("ES", "024"), ("MX", "800 911 2000")])
async def test_handoff_uses_the_parents_country(conversation, country: str, number: str) -> None:
    chat = Chat(conversation, UserRef(77, "en"))
    await chat.command("start")
    await chat.tap("I agree")
    await chat.tap("English")
    await chat.tap(country)
    await chat.say("i want to kill myself")
    assert number in chat.last[0].text


async def test_safety_question_no_resumes_practice(onboarded: Chat) -> None:
    await onboarded.command("practice")
    await onboarded.tap("Yes, let's try")
    await onboarded.tap("6")
    await onboarded.say("i can't go on like this")
    assert {"Yes", "No", "Not sure"} <= set(onboarded.buttons)
    assert "999" in onboarded.text
    await onboarded.tap("No")
    assert "relieved" in onboarded.text and "pick up where we left off" in onboarded.text


async def test_explicit_safety_is_believed_without_a_question(onboarded: Chat) -> None:
    await onboarded.say("i'm not suicidal, just exhausted")
    assert not {"Yes", "No", "Not sure"} & set(onboarded.buttons)
    assert all(r.kind != "crisis" for r in onboarded.last)
    assert "/sos" in onboarded.last[0].text  # one line that help is there
    assert len(onboarded.last) > 1  # and then the parent is heard like anyone else


async def test_a_past_crisis_that_is_over_gets_no_question(onboarded: Chat) -> None:
    await onboarded.say("two years ago i tried to end my life. i got help and i'm ok now, just exhausted")
    assert not {"Yes", "No", "Not sure"} & set(onboarded.buttons)
    assert all(r.kind != "crisis" for r in onboarded.last)
    assert "trusting me with that" in onboarded.last[0].text and "/sos" in onboarded.last[0].text


async def test_a_story_told_in_the_past_is_believed_over_when_life_has_gone_on(onboarded: Chat) -> None:
    """The date is given once; the rest of the story needs no date of its own."""
    await onboarded.say("Back in 2019 our daughter took an overdose. We spent two nights in intensive care. "
                        "She's at uni now and doing really well. Some days I still check on her at night.")
    assert not {"Yes", "No", "Not sure"} & set(onboarded.buttons)
    assert all(r.kind != "crisis" for r in onboarded.last)
    assert "trusting me with that" in onboarded.last[0].text


async def test_a_medical_event_that_has_ended_gets_no_emergency_line(onboarded: Chat) -> None:
    await onboarded.say("he had a seizure at school, about two minutes. he came round fine and the "
                        "nurse checked him, i'm just shaken")
    assert all(r.kind != "crisis" for r in onboarded.last)
    assert not {"Yes", "No", "Not sure"} & set(onboarded.buttons)
    assert "glad that's over" in onboarded.last[0].text


async def test_an_emergency_after_an_ended_one_still_hands_off(onboarded: Chat) -> None:
    await onboarded.say("he came round fine after the first seizure. now he's having another and his lips are blue")
    assert onboarded.last[0].kind == "crisis"


@pytest.mark.parametrize("answer", ["Yes", "Not sure"])
async def test_safety_question_yes_or_unsure_hands_off(onboarded: Chat, answer: str) -> None:
    await onboarded.say("what's the point of anything")
    await onboarded.tap(answer)
    assert onboarded.last[0].kind == "crisis" and "116 123" in onboarded.text


async def test_safety_question_free_text_that_is_not_a_clear_no_hands_off(onboarded: Chat) -> None:
    await onboarded.say("i can't go on like this")
    await onboarded.say("i don't know, maybe")
    assert onboarded.last[0].kind == "crisis"


async def test_followup_opt_in_is_stored(onboarded: Chat, db, clock: FixedClock) -> None:
    await onboarded.say("i want to die")
    await onboarded.tap("Yes, please")
    (user,) = await rows(db, User)
    assert user.followup_at is not None and user.followup_at > clock.now() + timedelta(hours=2)


async def test_facilitator_alert_only_with_consent_and_config(db, clock, nlu) -> None:
    engine = Engine(db, clock, options={"facilitator_enabled": True})
    chat = Chat(Conversation(engine, Understander(nlu)), UserRef(31337, "en-GB"))
    await chat.command("start")
    await chat.tap("I agree")
    assert "facilitator" in chat.text
    await chat.tap("I agree")
    await chat.tap("English")
    await chat.tap("GB")
    await chat.tap("Skip")
    replies = await chat.say("i want to kill myself")
    alerts = [r for r in replies if r.to == Recipient.FACILITATOR]
    assert len(alerts) == 1 and "kill" not in alerts[0].text and "#" in alerts[0].text
    # Without consent: no alert.
    other = Chat(Conversation(engine, Understander(nlu)), UserRef(31338, "en-GB"))
    await other.command("start")
    await other.tap("I agree")
    await other.tap("No thanks")
    await other.tap("English")
    await other.tap("GB")
    await other.tap("Skip")
    assert not [r for r in await other.say("i want to kill myself") if r.to == Recipient.FACILITATOR]


async def test_no_facilitator_step_when_not_configured(onboarded: Chat) -> None:
    assert "facilitator" not in onboarded.text


async def test_distress_during_onboarding_is_heard_not_parsed_as_an_answer(conversation) -> None:
    chat = Chat(conversation)
    await chat.command("start")
    await chat.tap("I agree")
    await chat.say("I yelled at him again, I'm a terrible mum")
    assert "Yes, let's try" in chat.buttons


async def test_database_down_apologises_but_still_hands_off(db, clock, nlu, monkeypatch) -> None:
    from contextlib import asynccontextmanager

    from sqlalchemy.exc import OperationalError

    @asynccontextmanager
    async def broken_session():  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        yield

    monkeypatch.setattr(db, "session", broken_session)
    engine = Engine(db, clock, retry_delay=0.001)
    chat = Chat(Conversation(engine, Understander(nlu)))
    await chat.say("I yelled at him again, I'm a terrible mum")
    assert "couldn't save that" in chat.text
    await chat.say("my son isn't breathing")
    assert chat.last[0].kind == "crisis" and "999" in chat.text  # en-GB language code


async def test_crisis_in_reply_to_a_checkin_hands_off(onboarded: Chat) -> None:
    from dialogues.checkin import prompt

    onboarded._remember([prompt(load_texts("en"))])
    await onboarded.say("honestly i want to end my life")
    assert onboarded.last[0].kind == "crisis"


# ---------------------------------------------------------------- country unknown, medical first
async def test_unknown_country_handoff_carries_likely_lines_and_country_buttons(conversation) -> None:
    chat = Chat(conversation, UserRef(78, "en"))  # a bare "en": country unknown
    await chat.say("i want to kill myself")
    first = chat.last[0]
    assert first.kind == "crisis"
    for number in ("988", "116 123", "13 11 14", "findahelpline.com"):
        assert number in first.text
    assert {"US", "CA", "GB", "IE", "AU"} <= {data.split(":")[1] for data in chat.buttons.values()
                                               if data.startswith("cr:")}
    gb = next(label for label, data in chat.buttons.items() if data == "cr:GB")
    await chat.tap(gb)
    assert chat.last[0].kind == "crisis" and "Shout" in chat.text and "999" in chat.text
    await chat.command("sos")  # no consent to store settings yet: the country is not remembered
    assert any(d == "cr:GB" for d in chat.buttons.values())


async def test_a_country_tapped_under_a_handoff_is_remembered_with_consent(conversation) -> None:
    chat = Chat(conversation, UserRef(81, "en"))
    await chat.command("start")
    await chat.tap("I agree")
    await chat.tap("English")
    await chat.tap("Skip")  # no country given
    await chat.say("i want to kill myself")
    await chat.tap(next(label for label, data in chat.buttons.items() if data == "cr:AU"))
    assert "Lifeline: call 13 11 14" in chat.text and "000" in chat.text
    await chat.command("sos")
    assert "Kids Helpline" in chat.text and not any(r.buttons for r in chat.last)


async def test_medical_emergency_puts_the_emergency_number_in_the_first_line(conversation) -> None:
    chat = Chat(conversation, UserRef(79, "en-US"))
    await chat.say("my son isn't breathing")
    first_line = chat.last[0].text.splitlines()[0]
    assert "911" in first_line
    assert "1-800-222-1222" in chat.last[0].text  # poison control for anything swallowed


async def test_medical_emergency_with_country_unknown_lists_emergency_numbers_first(conversation) -> None:
    chat = Chat(conversation, UserRef(80, "en"))
    await chat.say("my son isn't breathing")
    first_line = chat.last[0].text.splitlines()[0]
    for number in ("911", "999", "000", "112"):
        assert number in first_line
