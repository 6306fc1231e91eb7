"""The glue both adapters share: text -> understanding -> engine, and how replies are merged.

Kept out of the adapters so Telegram and the terminal behave identically, and out of
`dialogues/` because calling the NLU is the adapter side of the flow in the design.
"""

from __future__ import annotations

from dialogues.engine import Engine
from dialogues.events import ButtonEvent, CommandEvent, TextEvent, UserRef
from dialogues.replies import Reply
from nlu.understanding import Understander

#: Telegram's own limit for one message; longer input is read for safety in full but the
#: conversation treats it as truncated.
MAX_MESSAGE_CHARS = 4096


class Conversation:
    def __init__(self, engine: Engine, understander: Understander) -> None:
        self.engine = engine
        self.understander = understander

    async def text(self, who: UserRef, text: str) -> list[Reply]:
        # The parent's language decides only a message whose own words do not ("ok", "911").
        understanding = await self.understander.understand(text, self.engine.language_hint(who))
        event = TextEvent(text[:MAX_MESSAGE_CHARS], understanding, truncated=len(text) > MAX_MESSAGE_CHARS)
        return await self.engine.handle(who, event)

    async def button(self, who: UserRef, data: str) -> list[Reply]:
        return await self.engine.handle(who, ButtonEvent(data))

    async def command(self, who: UserRef, name: str, args: tuple[str, ...] = ()) -> list[Reply]:
        return await self.engine.handle(who, CommandEvent(name.lower(), args))


def merge_replies(replies: list[Reply], limit: int = MAX_MESSAGE_CHARS) -> list[Reply]:
    """Join consecutive plain texts into one message, so one turn costs the chat as few sends
    as possible (Telegram allows about one message per second per chat). A reply with buttons
    closes a message; images and crisis replies always stand alone, crisis first in line."""
    merged: list[Reply] = []
    pending: list[str] = []

    def flush(with_buttons: Reply | None = None) -> None:
        nonlocal pending
        if with_buttons is not None:
            text = "\n\n".join([*pending, with_buttons.text]) if pending else with_buttons.text
            if len(text) > limit:
                merged.extend(Reply(p) for p in pending)
                merged.append(with_buttons)
            else:
                merged.append(Reply(text, with_buttons.buttons, kind=with_buttons.kind))
        elif pending:
            text = "\n\n".join(pending)
            merged.extend([Reply(text)] if len(text) <= limit else [Reply(p) for p in pending])
        pending = []

    for reply in replies:
        if reply.image is not None or reply.document is not None or reply.kind == "crisis":
            flush()
            merged.append(reply)
        elif reply.buttons:
            flush(reply)
        else:
            pending.append(reply.text)
    flush()
    return [m for m in merged if m.text or m.image is not None or m.document is not None]
