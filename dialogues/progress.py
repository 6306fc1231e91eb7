"""`/progress`: a short summary and a picture of the last four weeks.

The chart is drawn with matplotlib's non-interactive Agg backend into PNG bytes, which either
adapter can send or save; nothing is written to disk here.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from dialogues import streaks, words
from dialogues.replies import Reply
from dialogues.turn import Turn
from storage.models import PracticeSession

CHART_SIZE_PX = (800, 600)
_DPI = 100


def render_chart(sessions: list[PracticeSession], today: date, language: str) -> bytes:
    """The chart, its labels and dates in the parent's language (`words.yml` chart, months)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = words.of(language)["chart"]
    days = [today - timedelta(days=27 - i) for i in range(28)]
    per_day = {d: 0 for d in days}
    for s in sessions:
        if s.local_date in per_day:
            per_day[s.local_date] += 1
    rated = [s for s in sessions if s.rating_before is not None and s.rating_after is not None][-14:]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(CHART_SIZE_PX[0] / _DPI, CHART_SIZE_PX[1] / _DPI), dpi=_DPI)
    top.bar(range(28), [per_day[d] for d in days], color="#7fb77e")
    top.set_title(labels["practice_days"])
    top.set_xticks(range(0, 28, 7), [words.short_date(d, language) for d in days[::7]])
    top.set_yticks(range(max(per_day.values(), default=0) + 2))
    top.spines[["top", "right"]].set_visible(False)
    if rated:
        xs = range(len(rated))
        bottom.plot(xs, [s.rating_before for s in rated], "o-", color="#c98b8b", label=labels["before"])
        bottom.plot(xs, [s.rating_after for s in rated], "o-", color="#6f9fd8", label=labels["after"])
        bottom.legend(loc="upper right", frameon=False)
    else:
        bottom.text(0.5, 0.5, labels["no_ratings"], ha="center",
                    va="center", transform=bottom.transAxes, color="#666666")
    bottom.set_ylim(-0.5, 10.5)
    bottom.set_title(labels["distress"])
    bottom.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    plt.close(fig)
    return buffer.getvalue()


async def show(turn: Turn) -> None:
    today = turn.local_today()
    sessions = await turn.records.finished_practices(today)
    practice_days = {s.local_date for s in sessions if s.local_date is not None}
    rated = [s for s in sessions if s.rating_before is not None and s.rating_after is not None]
    week = sum(1 for s in sessions if s.local_date and s.local_date > today - timedelta(days=7))
    lines = [
        turn.t("progress_streak", current=streaks.current_streak(practice_days, today),
               longest=streaks.longest_streak(practice_days)),
        turn.t("progress_week", count=week),
    ]
    if rated:
        before = sum(s.rating_before or 0 for s in rated) / len(rated)
        after = sum(s.rating_after or 0 for s in rated) / len(rated)
        lines.append(turn.t("progress_change", before=f"{before:.1f}", after=f"{after:.1f}", n=len(rated)))
    else:
        lines.append(turn.t("progress_no_ratings"))
    turn.say("\n".join(lines))
    turn.replies.append(Reply(text=turn.t("progress_caption"), image=render_chart(sessions, today, turn.language),
                              image_name="progress.png"))


async def after_finish(turn: Turn, finished_today_before: bool) -> None:
    """The streak line after a practice: a milestone, a welcome back, or nothing."""
    today = turn.local_today()
    sessions = await turn.records.finished_practices(today)
    days = {s.local_date for s in sessions if s.local_date is not None}
    now_streak = streaks.current_streak(days, today)
    if finished_today_before:
        return
    earlier = days - {today}
    before = streaks.current_streak(earlier, today)
    milestone = streaks.milestone_reached(before, now_streak)
    if milestone:
        turn.say(turn.t(f"streak_milestone_{milestone}"))
    elif before == 0 and streaks.longest_streak(earlier) >= 2:
        turn.say(turn.t("streak_welcome_back"))
