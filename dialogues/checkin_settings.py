"""Setting and stopping the daily check-in from words or commands.

The time is kept as the parent's local "HH:MM" with their IANA zone; the dispatcher turns it
into a UTC instant (see schedule.next_checkin).
"""

from __future__ import annotations

from datetime import datetime

from dialogues import words
from dialogues.buttons import Onboarding
from dialogues.schedule import zone_of
from dialogues.time_parse import parse_duration, parse_time_of_day
from dialogues.turn import Turn
from nlu.client import NluResult
from storage.kinds import Dialogue


def set_time(turn: Turn, hhmm: str) -> None:
    turn.user.set_checkin_time(hhmm, turn.now)
    turn.say(turn.t("checkin_set", time=hhmm, timezone=turn.user.timezone or "UTC"))


def stop(turn: Turn) -> None:
    turn.user.stop_checkins()
    turn.say(turn.t("checkin_off"))


async def on_intent(turn: Turn, intent: str, result: NluResult, text: str) -> None:
    """"Check in on me at 8pm": the time comes from the message's own words, read by the same parser
    as a typed answer to "what time?" (a `time` entity, when an NLU gives one, is read first). Since
    round 10 the Rasa pipeline has no entity extractor: its CRF learnt times from 30 annotated
    examples among 14,000 unannotated messages, many of which mention a time ("his meds at 8pm"),
    and stopped finding them."""
    if intent == "stop_checkins":
        stop(turn)
        return
    candidates = [*result.entity_values("time"), text]
    hhmm = next((t for t in (parse_time_of_day(c, turn.language) for c in candidates) if t), None)
    if hhmm is None:
        turn.go(Dialogue.SETTINGS, "checkin")
        turn.say(turn.t("ask_checkin"), turn.button("skip", Onboarding("checkin", "skip")))
        return
    set_time(turn, hhmm)


def _local(turn: Turn, when: datetime | None) -> str:
    """An instant as the parent reads it, in their own zone."""
    if when is None:
        return "—"
    return words.local_datetime(when.astimezone(zone_of(turn.user.timezone)), turn.language)


def confirm(turn: Turn) -> None:
    """After a change: the time, the zone and the next check-in in local time."""
    user = turn.user
    turn.say(turn.t("checkin_show", time=user.checkin_time, timezone=user.timezone or "UTC",
                    days=turn.t("checkin_every_day") if (user.checkin_days or "0123456") == "0123456"
                    else turn.t("checkin_weekdays"),
                    next=_local(turn, turn.user.next_checkin_at)))


def command(turn: Turn, args: tuple[str, ...]) -> None:
    """/checkin, /checkin HH:MM, /checkin off."""
    if not args:
        if turn.user.checkin_time:
            confirm(turn)
            turn.go(Dialogue.SETTINGS, "checkin")
            turn.say(turn.t("ask_checkin"), turn.button("skip", Onboarding("checkin", "skip")))
        else:
            turn.say(turn.t("checkin_none"))
        return
    value = " ".join(args).strip().lower()
    if words.is_one_of(value, turn.language, "checkin_off"):
        stop(turn)
        return
    hhmm = parse_time_of_day(value, turn.language)
    if hhmm is None:
        turn.say(turn.t("checkin_unparsed"))
        return
    turn.user.set_checkin_time(hhmm, turn.now)
    confirm(turn)


def pause(turn: Turn, args: tuple[str, ...]) -> None:
    """/pause (until /resume) or /pause 3d, /pause 12h, /pause 3 días, /pause una semana."""
    if args:
        delta = parse_duration(" ".join(args), turn.language)
        if delta is None:
            turn.say(turn.t("pause_unparsed"))
            return
        turn.user.pause_checkins(turn.now + delta, turn.now)
        turn.say(turn.t("paused", until=_local(turn, turn.user.paused_until)))
        return
    turn.user.pause_checkins(None, turn.now)
    turn.say(turn.t("paused_indefinitely"))


def resume(turn: Turn) -> None:
    if turn.user.paused_until is None or turn.user.paused_until <= turn.now:
        turn.say(turn.t("resume_nothing"))
        return
    turn.user.resume_checkins(turn.now)
    turn.say(turn.t("resumed", next=_local(turn, turn.user.next_checkin_at)))

