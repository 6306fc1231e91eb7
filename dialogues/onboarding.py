"""`/start`: what Tend is and is not, consent, then language, country, time zone and check-in.

Every step but consent can be skipped. Nothing is stored about the parent before consent
beyond the bare user row needed to remember that we asked.
"""

from __future__ import annotations

import unicodedata

from dialogues import bundle, checkin_settings, words
from dialogues.buttons import Onboarding
from dialogues.countries import countries, find_country, find_timezone, offered
from dialogues.replies import Button, available_languages, load_texts
from dialogues.time_parse import parse_time_of_day
from dialogues.turn import Turn
from nlu.client import NluResult
from storage.kinds import Dialogue

STEPS = ("consent", "facilitator", "language", "country", "timezone", "checkin")
CHECKIN_CHOICES = ("08:00", "12:30", "20:00")


def start(turn: Turn) -> None:
    turn.go(Dialogue.ONBOARDING, "consent")
    turn.say(turn.t("welcome"))
    _ask(turn, "consent")


def _ask(turn: Turn, step: str) -> None:
    turn.at_step(step)
    skip = turn.button("skip", Onboarding(step, "skip"))
    if step == "consent":
        turn.say(turn.t("consent"), turn.button("agree", Onboarding("consent", "yes")),
                 turn.button("more_info", Onboarding("consent", "info")),
                 turn.button("decline", Onboarding("consent", "no")))
    elif step == "facilitator":
        turn.say(turn.t("ask_facilitator"), turn.button("agree", Onboarding("facilitator", "yes")),
                 turn.button("decline", Onboarding("facilitator", "no")))
    elif step == "language":
        langs = bundle.choices()
        turn.say(turn.t("ask_language"),
                 *(Button(words.autonym(code), Onboarding("language", code).encode()) for code in langs), skip)
    elif step == "country":
        buttons = [Button(code, Onboarding("country", code).encode()) for code in offered(turn.language)]
        turn.say(turn.t("ask_country"), *buttons, skip, per_row=3)
    elif step == "timezone":
        info = countries().get(turn.user.country or "")
        zones = info.timezones[:6] if info else ("Europe/London", "America/New_York", "Australia/Sydney")
        turn.say(turn.t("ask_timezone"),
                 *(Button(z.split("/")[-1].replace("_", " "), Onboarding("timezone", z).encode()) for z in zones), skip,
                 per_row=2)
    elif step == "checkin":
        turn.say(turn.t("ask_checkin"),
                 *(Button(t, Onboarding("checkin", t).encode()) for t in CHECKIN_CHOICES), skip)


def _next(turn: Turn, after: str) -> None:
    index = STEPS.index(after) + 1
    while index < len(STEPS):
        step = STEPS[index]
        if step == "facilitator" and not turn.options.get("facilitator_enabled"):
            index += 1
            continue
        if step == "language" and len(available_languages()) < 2:
            index += 1
            continue
        if step == "timezone" and turn.user.country and len(countries().get(turn.user.country,
                                                                              _NoInfo).timezones) == 1:
            turn.user.choose_timezone(countries()[turn.user.country].timezones[0], turn.now)
            turn.say(turn.t("timezone_set", timezone=turn.user.timezone))
            index += 1
            continue
        _ask(turn, step)
        return
    _finish(turn)


class _NoInfo:
    timezones: tuple[str, ...] = ()


def _finish(turn: Turn) -> None:
    turn.user.finish_onboarding()
    turn.go(Dialogue.IDLE)
    turn.say(turn.t("onboarding_done"))


def _apply(turn: Turn, step: str, value: str) -> bool:
    """Store one answer; False when it could not be understood (the step is asked again)."""
    if step == "facilitator":
        turn.user.allow_facilitator(value == "yes")
        turn.say(turn.t("facilitator_set"))
    elif step == "language":
        value = language_named(value) or ""
        if not value:
            return False
        turn.user.choose_language(value)
        turn.use_language(value)
        turn.say(turn.t("language_set", language=turn.t(f"language_names.{value}")))
    elif step == "country":
        code = find_country(value)
        if code is None:
            turn.say(turn.t("country_unknown"))
            return False
        turn.user.choose_country(code)
        info = countries().get(code)
        turn.say(turn.t("country_set", country=info.name_in(turn.language) if info else code))
    elif step == "timezone":
        zone = find_timezone(value)
        if zone is None:
            turn.say(turn.t("timezone_unknown", timezone=value[:40]))
            return False
        turn.user.choose_timezone(zone, turn.now)  # a check-in moves to the same wall-clock time
        turn.say(turn.t("timezone_set", timezone=zone))
    elif step == "checkin":
        hhmm = parse_time_of_day(value, turn.language)
        if hhmm is None:
            turn.say(turn.t("checkin_unparsed"))
            return False
        checkin_settings.set_time(turn, hhmm)
    return True


def _plain(text: str) -> str:
    """Lower case without accents: "Español", "espanol" and "ESPAÑOL" are one answer."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.strip().lower()) if not unicodedata.combining(c))


def language_named(value: str) -> str | None:
    """A language Tend speaks from a code, its own name or its name in any language Tend speaks
    ("es", "Español", "spanish", "inglés"); None when it names none of them."""
    wanted = _plain(value)
    for code in bundle.choices():
        names = {code, words.autonym(code)} | {load_texts(lang).get(f"language_names.{code}")
                                               for lang in bundle.choices()}
        if wanted in {_plain(name) for name in names}:
            return code
    return None


def _consent(turn: Turn, answer: str) -> None:
    if answer == "yes":
        turn.user.agree(turn.now)
        _next(turn, "consent")
    elif answer == "info":
        turn.say(turn.t("consent_details"), turn.button("agree", Onboarding("consent", "yes")),
                 turn.button("decline", Onboarding("consent", "no")))
    else:
        turn.user.decline()
        turn.go(Dialogue.IDLE, "declined")
        turn.say(turn.t("consent_declined"))


async def on_button(turn: Turn, payload: Onboarding) -> None:
    step, value = payload.step, payload.value
    if step == "consent":
        _consent(turn, value)
        return
    if turn.dialogue not in (Dialogue.ONBOARDING, Dialogue.SETTINGS) or not turn.user.consent:
        turn.say(turn.t("stale_button"))
        return
    if value != "skip" and not _apply(turn, step, value):
        _ask(turn, step)
        return
    if turn.dialogue == Dialogue.SETTINGS:
        turn.go(Dialogue.IDLE)
        if value == "skip":  # a tap must be answered: "skip" from /checkin or /country changed nothing
            turn.say(turn.t("setting_unchanged"))
        return
    _next(turn, step)


async def on_text(turn: Turn, text: str, result: NluResult | None) -> None:
    """Typed answers to the current step ("UK", "Europe/London", "8pm", "skip")."""
    step = turn.step
    if step == "consent":
        intent = result.intent if result else None
        if intent == "affirm" or words.is_one_of(text, turn.language, "consent_yes"):
            _consent(turn, "yes")
        elif intent == "deny" or words.is_one_of(text, turn.language, "consent_no"):
            _consent(turn, "no")
        else:
            turn.say(turn.t("consent_needed"), turn.button("agree", Onboarding("consent", "yes")),
                     turn.button("decline", Onboarding("consent", "no")))
        return
    if words.is_one_of(text, turn.language, "skip"):
        await on_button(turn, Onboarding(step, "skip"))
        return
    await on_button(turn, Onboarding(step, text.strip()[:60]))


def ask_setting(turn: Turn, step: str) -> None:
    """/language, /country, /timezone without an argument: ask just that one question."""
    turn.go(Dialogue.SETTINGS, step)
    _ask(turn, step)


def set_directly(turn: Turn, step: str, value: str) -> None:
    """/timezone Europe/London and friends."""
    if not _apply(turn, step, value):
        ask_setting(turn, step)
