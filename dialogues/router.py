"""Free text outside a practice: reflect what the parent said, then offer a fitting practice.

Low NLU confidence gets a short clarifying question rather than a guess: offering "worry" work
to someone drowning in self-blame feels like not being heard.
"""

from __future__ import annotations

from dialogues import checkin_settings, practice_runner
from dialogues.buttons import Clarify, Offer
from dialogues.replies import Button
from dialogues.turn import Turn
from nlu.client import NluResult
from nlu.intents import DISTRESS_INTENTS
from practices.recommender import PastSession, recommend
from practices.schema import Practice
from storage.kinds import Dialogue

#: Below this confidence Tend asks instead of guessing (chosen on the held-out split, see README).
LOW_CONFIDENCE = 0.45
#: Intents that are fine to act on even with modest confidence: misreading them costs little.
_CHEAP = {"greet", "thanks", "goodbye", "affirm", "deny"}
OFFER_INTENTS = DISTRESS_INTENTS | {"request_practice", "positive"}
#: Intents answered with one line: rotating variants, or a fixed text (intent -> text key).
_VARIED = frozenset({"greet", "thanks", "goodbye"})
_ONE_LINE = {"affirm": "affirm_idle", "deny": "deny_idle", "ask_help": "ask_help"}


def in_quiet_period(turn: Turn) -> bool:
    """After a crisis handoff no practice is offered unprompted for 24 hours."""
    until = turn.user.nudges_quiet_until
    return until is not None and until > turn.now


async def history(turn: Turn) -> list[PastSession]:
    sessions = await turn.records.recent_practices(limit=10)
    return [
        PastSession(
            practice_id=s.practice_id,
            started_at=s.started_at,
            finished=s.finished_at is not None,
            rating_before=s.rating_before,
            rating_after=s.rating_after,
        )
        for s in sessions
    ]


async def offer(turn: Turn, intent: str, exclude: list[str] | None = None) -> None:
    exclude = list(exclude or [])
    practice = recommend(intent, await history(turn), turn.library, exclude=exclude)
    if practice is None:
        turn.go(Dialogue.IDLE)
        turn.say(turn.t("offer_nothing_else"))
        return
    offer_practice(turn, practice, intent, exclude)


def offer_practice(turn: Turn, practice: Practice, intent: str, exclude: list[str] | None = None) -> None:
    """Offer one named practice with "Yes, let's try" / "Not now" / "Something else"."""
    turn.go(Dialogue.OFFER, "", {"intent": intent, "pid": practice.id, "excluded": list(exclude or [])})
    turn.say(
        turn.t("offer", title=practice.title, summary=practice.summary, minutes=practice.duration_minutes),
        turn.button("yes_try", Offer("yes", practice.id)),
        turn.button("not_now", Offer("no")),
        turn.button("something_else", Offer("else")),
    )


async def on_offer_button(turn: Turn, payload: Offer) -> None:
    action = payload.action
    if action == "yes":
        practice_id = payload.practice_id or turn.data.get("pid")
        try:
            practice = turn.library.get(str(practice_id))
        except KeyError:
            turn.say(turn.t("stale_button"))
            return
        await practice_runner.start(turn, practice)
    elif action == "no":
        turn.go(Dialogue.IDLE)
        turn.say(turn.varied("offer_declined"))
    elif action == "else":
        if turn.dialogue != Dialogue.OFFER:
            turn.say(turn.t("stale_button"))
            return
        excluded = [*turn.data.get("excluded", []), turn.data.get("pid")]
        await offer(turn, turn.data.get("intent", "request_practice"), exclude=[e for e in excluded if e])


async def on_offer_text(turn: Turn, result: NluResult | None, text: str) -> None:
    intent = result.intent if result else None
    if intent == "affirm":
        await on_offer_button(turn, Offer("yes", turn.data.get("pid")))
    elif intent == "deny" or practice_runner.wants_to_stop(text, turn.language):
        await on_offer_button(turn, Offer("no"))
    else:
        await route(turn, result, text)


def _clarify(turn: Turn, result: NluResult) -> None:
    labels = turn.texts.raw("clarify_labels")
    choices = [s.name for s in result.ranking if s.name in labels][:3]
    buttons = [Button(labels[name], Clarify(name).encode()) for name in choices]
    buttons.append(Button(labels["other"], Clarify("other").encode()))
    turn.go(Dialogue.IDLE)
    turn.say(turn.t("clarify"), *buttons, per_row=2)


async def on_clarify_button(turn: Turn, payload: Clarify) -> None:
    intent = payload.answer
    if intent == "other" or intent not in OFFER_INTENTS:
        turn.say(turn.t("clarify_other"))
        return
    await respond_to_intent(turn, intent)


async def respond_to_intent(turn: Turn, intent: str) -> None:
    if intent in DISTRESS_INTENTS or intent == "positive":
        turn.say(turn.varied(f"reflect.{intent}"))
        if in_quiet_period(turn):
            turn.go(Dialogue.IDLE)
            turn.say(turn.t("offer_quiet"))
            return
        await offer(turn, intent)
    elif intent == "request_practice":
        turn.say(turn.varied("reflect.request_practice"))
        await offer(turn, "request_practice")


async def route(turn: Turn, result: NluResult | None, text: str) -> None:
    """Idle free text. `result` is None only when the NLU could not be reached; `text` is the
    message itself, read again only where its own words carry a value (a check-in time)."""
    if result is None:
        turn.say(turn.t("nlu_down"))
        return
    intent = result.intent
    if result.confidence < LOW_CONFIDENCE and intent not in _CHEAP:
        _clarify(turn, result)
        return
    turn.go(Dialogue.IDLE)
    if intent in OFFER_INTENTS:
        await respond_to_intent(turn, intent)
    elif intent in _VARIED:
        turn.say(turn.varied(intent))
    elif intent in _ONE_LINE:
        turn.say(turn.t(_ONE_LINE[intent]))
    elif intent in ("set_checkin", "stop_checkins"):
        await checkin_settings.on_intent(turn, intent, result, text)
    elif intent == "inform":
        # Practical news with no feeling named: ask what it is most about rather than guess.
        _clarify(turn, result)
    else:
        turn.say(turn.t("out_of_scope"))
