"""Setting and stopping the daily check-in from words or commands.

The time is kept as the parent's local "HH:MM" with their IANA zone; the dispatcher turns it
into a UTC instant (see schedule.next_checkin).
"""

from __future__ import annotations

from dialogues.schedule import next_checkin
from dialogues.time_parse import parse_time_of_day
from dialogues.turn import Turn
from nlu.client import NluResult


def set_time(turn: Turn, hhmm: str) -> None:
    turn.user.checkin_time = hhmm
    turn.user.paused_until = None
    zone = turn.user.timezone or "UTC"
    turn.user.next_checkin_at = next_checkin(turn.user, turn.now)
    turn.say(turn.t("checkin_set", time=hhmm, timezone=zone))


def stop(turn: Turn) -> None:
    turn.user.checkin_time = None
    turn.user.next_checkin_at = None
    turn.say(turn.t("stop_checkins_later"))


async def on_intent(turn: Turn, intent: str, result: NluResult) -> None:
    if intent == "stop_checkins":
        stop(turn)
        return
    candidates = result.entity_values("time")
    hhmm = next((t for t in (parse_time_of_day(c) for c in candidates) if t), None)
    if hhmm is None:
        turn.go("settings", "checkin")
        turn.say(turn.t("ask_checkin"), turn.button("skip", "ob:checkin:skip"))
        return
    set_time(turn, hhmm)
