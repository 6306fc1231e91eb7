"""The names Tend stores: which dialogue a parent is in, what kind of event happened, what the outbox
holds. Defined once, here, because the schema stores them and the code branches on them: a typo
in either place used to be a silent new dialogue. (This is the lowest layer; `dialogues/` and
`bot/` import these names from here.)

The columns stay plain strings in the database, so a new name needs no migration; `NameColumn`
checks every value written against its enum and reads it back as the enum.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class Dialogue(StrEnum):
    """Where a conversation is; each has a module in `dialogues/` that handles its turns."""

    IDLE = "idle"
    ONBOARDING = "onboarding"
    SETTINGS = "settings"
    OFFER = "offer"
    PRACTICE = "practice"
    SAFETY_CHECK = "safety_check"


class EventKind(StrEnum):
    """That something happened (never what was said), for the programme report and streaks."""

    MESSAGE = "message"
    BUTTON = "button"
    COMMAND = "command"
    CHECKIN_SENT = "checkin_sent"
    CHECKIN_REPLY = "checkin_reply"


class PushKind(StrEnum):
    """What an outbox row will push to the parent."""

    CHECKIN = "checkin"
    FOLLOWUP = "followup"


class NameColumn(TypeDecorator[StrEnum]):
    """A string column whose values are one enum's names (checked on write, typed on read)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)
