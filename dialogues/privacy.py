"""`/mydata` and `/delete`: the parent sees everything stored about them, and can erase it all.

Erasing happens in the same unit of work as the confirmation tap, and the engine then writes
nothing back for that parent: after "Yes, erase", no row of theirs is left in any table.
"""

from __future__ import annotations

import json

from dialogues.buttons import DeleteConfirm
from dialogues.replies import Reply
from dialogues.turn import Turn


async def export(turn: Turn) -> None:
    data = await turn.records.export()
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    turn.replies.append(Reply(text=turn.t("mydata_caption"), document=payload, document_name="tend-mydata.json"))


def ask_delete(turn: Turn) -> None:
    turn.say(turn.t("delete_confirm"), turn.button("delete_yes", DeleteConfirm("yes")),
             turn.button("delete_no", DeleteConfirm("no")))


async def on_delete_button(turn: Turn, payload: DeleteConfirm) -> None:
    if payload.answer != "yes":
        turn.say(turn.t("delete_kept"))
        return
    await turn.records.delete_everything()
    turn.say(turn.t("delete_done"))
