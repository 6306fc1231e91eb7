"""The crisis path inside the conversation: hand off at once, or ask directly when unsure.

Whatever was running is paused, not lost. The handoff is one short message with the
resources for the parent's country and the kind of crisis; Tend does not argue, does not
diagnose, and says plainly that it is an automated coach. Afterwards no practice offers or
check-in nudges for 24 hours unless the parent asks.
"""

from __future__ import annotations

from datetime import timedelta

from dialogues import practice_runner, words
from dialogues.buttons import CrisisCountry, Followup, SafetyAnswer
from dialogues.crisis_resources import (
    compose_handoff,
    compose_resources,
    country_choices,
    country_from_language_code,
    crisis_text,
    emergency_numbers,
    load_directory,
)
from dialogues.replies import Button, Recipient, Reply
from dialogues.turn import Turn
from nlu.crisis_net import Reassurance
from nlu.intents import CrisisKind
from nlu.safety import SafetyDecision
from storage.kinds import Dialogue

QUIET_AFTER_HANDOFF = timedelta(hours=24)
FOLLOW_UP_AFTER = timedelta(hours=3)



def country_for(turn: Turn) -> str | None:
    """Onboarding's answer, else the Telegram language code, else None (international)."""
    return turn.user.country or country_from_language_code(turn.user.telegram_language_code)


async def handoff(turn: Turn, kind: CrisisKind, layer: str) -> None:
    if turn.user.consent:  # counts for the programme report, only with the parent's OK
        await turn.records.record_crisis(kind, layer, turn.now)
    turn.pause_current()
    turn.go(Dialogue.IDLE, "after_handoff", {"kind": kind})
    turn.user.hold_nudges_until(turn.now + QUIET_AFTER_HANDOFF)
    language = turn.language
    country = country_for(turn)
    text = compose_handoff(kind, country, language)
    followup = (Button(crisis_text("followup_yes", language), Followup("yes").encode()),
                Button(crisis_text("followup_no", language), Followup("no").encode()))
    turn.say_rows(text + "\n\n" + crisis_text("followup_offer", language),
                  (*_country_rows(country, language), followup), kind="crisis")
    if turn.options.get("facilitator_enabled") and turn.user.facilitator_consent:
        # Only that a parent may need support, with their programme reference: no text, no kind.
        turn.replies.append(Reply(crisis_text("facilitator_alert", language).format(ref=turn.user.id),
                                  to=Recipient.FACILITATOR))


def believe(turn: Turn, reassurance: Reassurance) -> None:
    """An explicit statement of safety, a crisis told as over, or a medical event that has ended is
    believed: no question, one line that fits what was said, with /sos there."""
    turn.say(crisis_text(f"believed.{reassurance}", turn.language))


def ask(turn: Turn, decision: SafetyDecision) -> None:
    """Layer 3: a direct, kind question. The emergency number is in it, so even no answer
    leaves the parent with somewhere to turn."""
    language = turn.language
    turn.pause_current()
    turn.go(Dialogue.SAFETY_CHECK, "asked", {"kind": decision.kind or CrisisKind.SELF_HARM, "layer": decision.layer or "ask"})
    emergency = emergency_numbers(country_for(turn), language)
    turn.say(
        crisis_text("safety_question", language).format(emergency=emergency),
        Button(crisis_text("answer_yes", language), SafetyAnswer("yes").encode()),
        Button(crisis_text("answer_no", language), SafetyAnswer("no").encode()),
        Button(crisis_text("answer_unsure", language), SafetyAnswer("unsure").encode()),
        kind="crisis",
    )


async def _resume_paused(turn: Turn) -> None:
    paused = turn.take_paused()
    if not paused:
        turn.go(Dialogue.IDLE)
        return
    turn.go(paused["dialogue"], paused.get("step", ""), paused.get("data") or {})
    if turn.dialogue == Dialogue.PRACTICE:
        practice_runner.resume(turn)


async def answer(turn: Turn, choice: str) -> None:
    """`yes` and `unsure` hand off; only a clear `no` does not."""
    kind: CrisisKind = CrisisKind(turn.data.get("kind", CrisisKind.SELF_HARM))
    if choice in ("yes", "unsure"):
        await handoff(turn, kind, "ask")
        return
    turn.say(crisis_text("answer_no_reply", turn.language))
    await _resume_paused(turn)


async def on_text(turn: Turn, text: str) -> None:
    await answer(turn, "no" if words.matches(text or "", turn.language, "clear_no", whole=True) else "yes")


async def on_button(turn: Turn, payload: SafetyAnswer | Followup) -> None:
    if isinstance(payload, SafetyAnswer):
        if turn.dialogue != Dialogue.SAFETY_CHECK:
            turn.say(turn.t("stale_button"))
            return
        await answer(turn, payload.answer)
        return
    language = turn.language
    if payload.answer == "yes":
        turn.user.follow_up_at(turn.now + FOLLOW_UP_AFTER)
        turn.say(crisis_text("followup_confirmed", language))
    elif payload.answer == "no":
        turn.user.follow_up_at(None)
        turn.say(crisis_text("followup_declined", language))


def _country_rows(country: str | None, language: str) -> tuple[tuple[Button, ...], ...]:
    """One-tap country buttons when the country is unknown: one tap shows that country's lines."""
    buttons = [Button(label, CrisisCountry(code).encode()) for code, label in country_choices(country, language)]
    return tuple(tuple(buttons[i : i + 5]) for i in range(0, len(buttons), 5))


def on_country_button(turn: Turn, payload: CrisisCountry) -> None:
    """A country tapped under a handoff or /sos: remember it and show that country's lines for
    the crisis just handed off (or every line, as /sos, when the handoff is over)."""
    code = payload.answer.upper()
    language = turn.language
    if not load_directory().has(code):
        turn.say(turn.t("stale_button"))
        return
    if turn.user.consent:  # remembered only with the parent's OK to store settings
        turn.user.choose_country(code)
    if turn.step == "after_handoff" and turn.data.get("kind"):
        turn.say(compose_handoff(turn.data["kind"], code, language), kind="crisis")
    else:
        turn.say(compose_resources(code, language), kind="crisis")


def sos(turn: Turn) -> None:
    language = turn.language
    country = country_for(turn)
    turn.say_rows(compose_resources(country, language), _country_rows(country, language), kind="crisis")
