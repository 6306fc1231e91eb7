"""Say plainly, before the suite runs, whether the PostgreSQL tests will run.

The suite creates throwaway databases on the server named by TEST_DATABASE_URL, else on the
local server at 127.0.0.1:5432. Without one the PostgreSQL tests are skipped, except under
CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import asyncio
import os
import sys

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def reachable(url: str) -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        import asyncpg

        conn = await asyncio.wait_for(asyncpg.connect(url), timeout=3)
        await conn.close()
        return None
    except Exception as exc:  # any failure means "no usable server" here
        return f"{type(exc).__name__}: {exc}"


def main() -> int:
    url = admin_url()
    shown = url.split("@")[-1]
    problem = asyncio.run(reachable(url))
    if problem is None:
        print(f"PostgreSQL at {shown}: found; the PostgreSQL tests will run.")
        return 0
    if os.environ.get("CI", "").lower() == "true":
        print(f"PostgreSQL at {shown} is not reachable ({problem}); under CI=true that is a failure.")
        return 1
    print(f"PostgreSQL at {shown} is not reachable ({problem}): the PostgreSQL tests will be skipped. "
          "Set TEST_DATABASE_URL to run them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
