"""The daily check-in: a 0–10 question, then a reply that fits the answer.

Low: reflect and offer a practice. Middle: a short breathing space. High: savour it. "Not now"
ends kindly, and no second nudge comes that day (the dispatcher checks `last_checkin_at`).
"""

from __future__ import annotations

from dialogues import router
from dialogues.buttons import CheckinAnswer
from dialogues.crisis_resources import crisis_text
from dialogues.replies import Button, Reply, Texts, load_texts
from dialogues.turn import Turn
from storage.kinds import Dialogue, EventKind, PushKind

LOW_MAX = 3
MIDDLE_MAX = 6


def prompt(texts: Texts) -> Reply:
    first = tuple(Button(str(n), CheckinAnswer(str(n)).encode()) for n in range(6))
    second = tuple(Button(str(n), CheckinAnswer(str(n)).encode()) for n in range(6, 11))
    not_now = Button(texts.get("buttons.not_now"), CheckinAnswer("no").encode())
    return Reply(texts.get("checkin_prompt"), (first, second, (not_now,)))


def push_for(kind: PushKind, language: str) -> Reply:
    """What a push says: the check-in question, or the follow-up promised after a crisis handoff."""
    if kind == PushKind.FOLLOWUP:
        return Reply(crisis_text("followup_message", language))
    return prompt(load_texts(language))


async def _offer_specific(turn: Turn, practice_id: str, intent: str) -> None:
    try:
        practice = turn.library.get(practice_id)
    except KeyError:
        await router.offer(turn, intent)
        return
    router.offer_practice(turn, practice, intent)


async def on_button(turn: Turn, payload: CheckinAnswer) -> None:
    answer = payload.answer
    await turn.records.record_event(EventKind.CHECKIN_REPLY, turn.now)
    if answer == "no" or not answer.isdigit():
        turn.go(Dialogue.IDLE)
        turn.say(turn.t("checkin_not_now"))
        return
    rating = int(answer)
    if rating <= LOW_MAX:
        turn.say(turn.varied("checkin_low"))
        if router.in_quiet_period(turn):
            turn.say(turn.t("offer_quiet"))
            return
        await router.offer(turn, "sadness")
    elif rating <= MIDDLE_MAX:
        turn.say(turn.t("checkin_middle"))
        await _offer_specific(turn, "breathing_space", "overwhelm")
    else:
        turn.say(turn.t("checkin_high"))
        await _offer_specific(turn, "savouring", "positive")
