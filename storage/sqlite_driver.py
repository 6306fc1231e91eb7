"""SQLite through aiosqlite, with one hand-off to its thread per statement instead of four.

aiosqlite runs every SQLite call in a worker thread, and SQLAlchemy's adapter asks it for a
cursor, the execute, the rows and the close one at a time: four round trips between the event
loop and the thread for one SELECT, each a wake-up of a sleeping thread and a pass of the GIL.
Under `make bench` the bot's SQLite thread woke 55 times per message and the bot's threads spent
1.4–1.9 ms per message waiting for a core on a machine that was mostly idle (BENCHMARKS.md).
Here the four steps run as one function in that thread; everything else (transactions, errors,
the thread itself) is aiosqlite's and SQLAlchemy's own.

The engine uses this dialect for every `sqlite+aiosqlite` URL (storage.database); operators keep
writing the usual URL.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    SQLiteDialect_aiosqlite,
)

DRIVERNAME = "sqlite+tend_aiosqlite"


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._connection
        raw = connection._conn  # the sqlite3 connection; touched only inside aiosqlite's thread

        def run() -> tuple[Any, list[Any] | None, int | None, int]:
            cursor = raw.cursor()
            try:
                if parameters is None:
                    cursor.execute(operation)
                else:
                    cursor.execute(operation, parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else None
                return description, rows, cursor.lastrowid, cursor.rowcount
            finally:
                cursor.close()

        try:
            description, rows, lastrowid, rowcount = self.await_(connection._execute(run))
        except Exception as error:  # noqa: BLE001 - re-raised as SQLAlchemy's adapter does
            self._adapt_connection._handle_exception(error)
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.description = None
            self.lastrowid = lastrowid
            self.rowcount = rowcount


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else OneHopCursor(self)


class OneHopDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        adapted = super().connect(*cargs, **cparams)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection or not hasattr(adapted._connection, "_execute"):
            return adapted  # an aiosqlite this was not written against: its own, slower path
        return OneHopConnection(adapted.dbapi, adapted._connection)


registry.register("sqlite.tend_aiosqlite", __name__, "OneHopDialect")
