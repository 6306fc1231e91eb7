"""The guided practice: a rating before, the steps one message at a time, a rating after, a close.

Buttons carry the session id and the step they belong to, so a double tap, an old button or a
replayed update can never run a step twice. "stop" or /cancel ends a practice at any point; a
crisis pauses it (see crisis_handoff) and it can be resumed exactly where it was.
"""

from __future__ import annotations

from dialogues import words
from dialogues.buttons import PracticeStep, Rating
from dialogues.replies import Button
from dialogues.time_parse import parse_rating
from dialogues.turn import Turn
from practices.schema import Practice
from storage.kinds import Dialogue


def wants_to_stop(text: str, language: str) -> bool:
    """"stop", "enough", "ya basta", "quiero parar": in the parent's language or another Tend speaks."""
    return words.matches(text, language, "stop")


def _rating_buttons(turn: Turn, session_id: int, phase: str) -> tuple[tuple[Button, ...], ...]:
    first = tuple(Button(str(n), Rating(session_id, phase, n).encode()) for n in range(6))
    second = tuple(Button(str(n), Rating(session_id, phase, n).encode()) for n in range(6, 11))
    return (first, second, (turn.button("stop", PracticeStep(session_id, "x", "stop")),))


async def start(turn: Turn, practice: Practice) -> None:
    session_id = await turn.records.start_practice(practice.id, turn.now)
    turn.go(Dialogue.PRACTICE, "rate_before", {"sid": session_id, "pid": practice.id, "i": 0})
    turn.say(turn.t("practice_intro", title=practice.title, minutes=practice.duration_minutes,
                    intro=practice.intro))
    turn.say_rows(turn.t("rate_before"), _rating_buttons(turn, session_id, "b"))


def _practice(turn: Turn) -> Practice:
    return turn.library.get(turn.data["pid"])


def _show_step(turn: Turn) -> None:
    practice = _practice(turn)
    index = int(turn.data["i"])
    step = practice.steps[index]
    sid = turn.data["sid"]
    parts = [step.text]
    if step.question:
        parts.append(step.question)
        parts.append(turn.t("question_hint"))
    elif step.pause_seconds:
        parts.append(turn.t("pause_hint", seconds=step.pause_seconds))
    last = index == len(practice.steps) - 1
    turn.at_step(f"step:{index}")
    turn.say(
        "\n\n".join(parts),
        turn.button("done" if last else "next", PracticeStep(sid, str(index), "next")),
        turn.button("stop", PracticeStep(sid, str(index), "stop")),
    )


def _ask_after(turn: Turn) -> None:
    turn.at_step("rate_after")
    turn.say_rows(turn.t("rate_after"), _rating_buttons(turn, turn.data["sid"], "a"))


async def _advance(turn: Turn) -> None:
    practice = _practice(turn)
    index = int(turn.data["i"]) + 1
    if index >= len(practice.steps):
        _ask_after(turn)
        return
    turn.data["i"] = index
    _show_step(turn)


async def _record_before(turn: Turn, rating: int) -> None:
    await turn.records.rate_before(turn.data["sid"], rating)
    turn.data["before"] = rating
    turn.data["i"] = 0
    _show_step(turn)


async def _finish(turn: Turn, rating: int) -> None:
    from dialogues import progress

    practice = _practice(turn)
    before = turn.data.get("before")
    today = turn.local_today()
    already_today = bool(await turn.records.finished_practices(today, since=today))
    await turn.records.finish_practice(turn.data["sid"], turn.now, rating_after=rating,
                                            local_date=turn.local_today())
    lines = [practice.closing]
    if isinstance(before, int):
        key = "practice_change_down" if rating < before else (
            "practice_change_same" if rating == before else "practice_change_up")
        lines.append(turn.t(key, before=before, after=rating))
    turn.go(Dialogue.IDLE)
    turn.say("\n\n".join(lines))
    await progress.after_finish(turn, already_today)


async def stop(turn: Turn) -> None:
    sid = turn.data.get("sid")
    if sid is not None:
        await turn.records.abandon_practice(sid, turn.now)
    turn.go(Dialogue.IDLE)
    turn.say(turn.t("practice_stopped"))


async def on_text(turn: Turn, text: str) -> None:
    if wants_to_stop(text, turn.language):
        await stop(turn)
        return
    if turn.step in ("rate_before", "rate_after"):
        rating = parse_rating(text, turn.language)
        if rating is None:
            turn.say_rows(turn.t("rate_invalid"), _rating_buttons(turn, turn.data["sid"], turn.step[5]))
            return
        if turn.step == "rate_before":
            await _record_before(turn, rating)
        else:
            await _finish(turn, rating)
        return
    # Any other reply during the steps answers the step's question or means "next"; the words
    # themselves are never stored.
    await _advance(turn)


async def on_button(turn: Turn, payload: PracticeStep | Rating) -> None:
    """A step's next/stop, or a rating before ("b") or after ("a"); anything stale is ignored."""
    if turn.dialogue != Dialogue.PRACTICE or turn.data.get("sid") != payload.session_id:
        turn.say(turn.t("stale_button"))
        return
    if isinstance(payload, PracticeStep):
        if payload.action == "stop":
            await stop(turn)
        elif payload.action == "next" and turn.step == f"step:{payload.index}":
            await _advance(turn)
        return  # a repeated "next" for a step already passed does nothing
    if 0 <= payload.value <= 10:
        if payload.phase == "b" and turn.step == "rate_before":
            await _record_before(turn, payload.value)
        elif payload.phase == "a" and turn.step == "rate_after":
            await _finish(turn, payload.value)


def resume(turn: Turn) -> None:
    """Show again whatever the parent was being asked when the practice was paused."""
    turn.say(turn.t("practice_resume"))
    if turn.step == "rate_before":
        turn.say_rows(turn.t("rate_before"), _rating_buttons(turn, turn.data["sid"], "b"))
    elif turn.step == "rate_after":
        _ask_after(turn)
    else:
        _show_step(turn)
