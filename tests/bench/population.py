"""Parents for the check-in benchmarks: `users` onboarded parents all due at `due`."""

from __future__ import annotations

from datetime import datetime

FIRST_CHAT = 5_000_000


async def insert_due_parents(db: object, users: int, *, now: datetime, due: datetime, zone: str,
                             checkin_time: str) -> None:
    """Bulk rows (5,000 per statement): the ORM one by one would take longer than the benchmark."""
    from sqlalchemy import insert

    from storage.models import User

    rows = [{"external_id": FIRST_CHAT + i, "language": "en", "consent": True, "onboarded": True, "active": True,
             "timezone": zone, "checkin_time": checkin_time, "checkin_days": "0123456",
             "quiet_start": "21:00", "quiet_end": "08:00", "next_checkin_at": due, "created_at": now,
             "updated_at": now, "facilitator_consent": False} for i in range(users)]
    async with db.session() as session:  # type: ignore[attr-defined]
        for start in range(0, users, 5000):
            await session.execute(insert(User), rows[start : start + 5000])
