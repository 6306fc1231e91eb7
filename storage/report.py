"""The programme report: what a clinic running Tend may see, and nothing that picks out a parent.

Counts only, never text, never ids. Any figure resting on fewer than `MIN_CELL` parents is
shown as "<5": with a small programme, "1 parent in crisis this week" could name someone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kinds import EventKind
from storage.models import CrisisEvent, Event, PracticeSession, User

MIN_CELL = 5
SUPPRESSED = "<5"


def cell(value: float, parents: int) -> Any:
    return value if parents >= MIN_CELL else SUPPRESSED


async def programme_report(session: AsyncSession, now: datetime, *, weeks: int = 8) -> dict[str, Any]:
    since = now - timedelta(days=30)
    active = (await session.execute(
        select(func.count(func.distinct(Event.user_id))).where(Event.created_at >= since))).scalar_one()
    parents = (await session.execute(select(func.count()).select_from(User).where(User.consent.is_(True)))).scalar_one()

    rows = (await session.execute(select(PracticeSession))).scalars().all()
    started_by = {r.user_id for r in rows}
    finished = [r for r in rows if r.finished_at is not None]
    per_practice: dict[str, list[PracticeSession]] = defaultdict(list)
    for r in finished:
        if r.rating_before is not None and r.rating_after is not None:
            per_practice[r.practice_id].append(r)
    distress = {}
    for practice_id, items in sorted(per_practice.items()):
        people = len({r.user_id for r in items})
        before = sum(r.rating_before or 0 for r in items) / len(items)
        after = sum(r.rating_after or 0 for r in items) / len(items)
        distress[practice_id] = {
            "sessions": cell(len(items), people),
            "before": cell(round(before, 1), people),
            "after": cell(round(after, 1), people),
        }

    kinds = (await session.execute(
        select(Event.kind, func.count(), func.count(func.distinct(Event.user_id)))
        .where(Event.kind.in_((EventKind.CHECKIN_SENT, EventKind.CHECKIN_REPLY))).group_by(Event.kind))).all()
    by_kind = {k: (n, p) for k, n, p in kinds}
    sent, sent_people = by_kind.get(EventKind.CHECKIN_SENT, (0, 0))
    replied, _ = by_kind.get(EventKind.CHECKIN_REPLY, (0, 0))
    response = round(replied / sent, 3) if sent else None

    crisis = (await session.execute(
        select(CrisisEvent.kind, func.count(), func.count(func.distinct(CrisisEvent.user_id)))
        .group_by(CrisisEvent.kind))).all()

    retention = []
    for week in range(weeks, 0, -1):
        start, end = now - timedelta(days=7 * week), now - timedelta(days=7 * (week - 1))
        count = (await session.execute(select(func.count(func.distinct(Event.user_id)))
                                       .where(Event.created_at >= start, Event.created_at < end))).scalar_one()
        retention.append({"week_starting": start.date().isoformat(), "active_parents": cell(count, count)})

    return {
        "generated": now.isoformat(timespec="minutes"),
        "parents_consented": cell(parents, parents),
        "active_parents_30d": cell(active, active),
        "practices_started": cell(len(rows), len(started_by)),
        "practices_finished": cell(len(finished), len({r.user_id for r in finished})),
        "distress_by_practice": distress,
        "checkins_sent": cell(sent, sent_people),
        "checkin_response_rate": cell(response, sent_people) if response is not None else None,
        "crisis_handoffs_by_kind": {k: cell(n, p) for k, n, p in crisis},
        "retention_by_week": retention,
    }


def render_report(report: dict[str, Any]) -> str:
    lines = [f"Tend programme report ({report['generated']})",
             f"Parents (consented): {report['parents_consented']}",
             f"Active in the last 30 days: {report['active_parents_30d']}",
             f"Practices started / finished: {report['practices_started']} / {report['practices_finished']}",
             f"Check-ins sent: {report['checkins_sent']}; response rate: {report['checkin_response_rate']}",
             "Distress before → after, by practice:"]
    for practice_id, d in report["distress_by_practice"].items():
        lines.append(f"  {practice_id}: {d['before']} → {d['after']} ({d['sessions']} sessions)")
    lines.append("Crisis handoffs by kind: " + (", ".join(f"{k} {v}" for k, v in
                                                           report["crisis_handoffs_by_kind"].items()) or "none"))
    lines.append("Active parents by week: " + ", ".join(f"{w['week_starting']} {w['active_parents']}"
                                                        for w in report["retention_by_week"]))
    lines.append(f"Figures resting on fewer than {MIN_CELL} parents are shown as {SUPPRESSED}.")
    return "\n".join(lines)
