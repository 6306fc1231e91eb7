"""Choosing which practice to offer next.

Deterministic on purpose: the same history gives the same offer, so behaviour can be tested,
explained and reproduced from a report. Variety comes from the parent's own history instead of
chance: what helped them before is offered first, what they have just done steps back, and the
same practice is never offered a third time running when there is anything else to offer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from practices.library import PracticeLibrary
from practices.schema import Practice

#: The intent whose practices stand in when nothing fits the parent's intent.
FALLBACK_INTENT: Final = "request_practice"
#: A practice among this many latest sessions counts as "done recently".
RECENT_WINDOW: Final = 3
#: The same practice at most this many times in a row (unless it is the only candidate).
MAX_RUN: Final = 2


@dataclass(frozen=True)
class PastSession:
    practice_id: str
    started_at: datetime
    finished: bool
    rating_before: int | None
    rating_after: int | None


def helpfulness(history: Sequence[PastSession]) -> dict[str, float]:
    """Mean drop in distress (before − after) per practice, over finished, fully rated sessions."""
    drops: dict[str, list[int]] = {}
    for s in history:
        if s.finished and s.rating_before is not None and s.rating_after is not None:
            drops.setdefault(s.practice_id, []).append(s.rating_before - s.rating_after)
    return {pid: sum(values) / len(values) for pid, values in drops.items()}


def _newest_first(history: Sequence[PastSession]) -> list[PastSession]:
    # Stable sort: sessions with the same start keep the caller's order (newest first, as the
    # repository returns them).
    return sorted(history, key=lambda s: s.started_at, reverse=True)


def recommend(
    intent: str,
    history: Sequence[PastSession],
    library: PracticeLibrary,
    exclude: Collection[str] = (),
) -> Practice | None:
    """The practice to offer for `intent`, or None when every fitting practice is excluded.

    `exclude` holds practices already offered in this exchange ("Something else"). Ranking:
    practices that helped this parent before (mean distress drop > 0), then ones not done
    in the last few sessions (the longer ago the better), then library order.
    """
    candidates = library.for_intent(intent) or library.for_intent(FALLBACK_INTENT)
    excluded = set(exclude)
    candidates = [p for p in candidates if p.id not in excluded]
    if not candidates:
        return None

    recent = _newest_first(history)
    last = [s.practice_id for s in recent[:MAX_RUN]]
    if len(last) == MAX_RUN and len(set(last)) == 1:
        others = [p for p in candidates if p.id != last[0]]
        candidates = others or candidates

    helped = helpfulness(history)
    sessions_ago: dict[str, int] = {}
    for index, session in enumerate(recent[:RECENT_WINDOW]):
        sessions_ago.setdefault(session.practice_id, index)
    order = {p.id: i for i, p in enumerate(candidates)}

    def rank(practice: Practice) -> tuple[int, int, int]:
        helpful = 0 if helped.get(practice.id, 0.0) > 0 else 1
        # Not done recently ranks as "infinitely long ago"; among recent ones, older is better.
        ago = sessions_ago.get(practice.id, RECENT_WINDOW)
        return (helpful, -ago, order[practice.id])

    return min(candidates, key=rank)
