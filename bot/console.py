"""`tend chat`: the same engine in the terminal; buttons become numbered choices."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.conversation import merge_replies
from bot.runtime import AppRuntime
from bot.settings import PROJECT_ROOT, Settings
from dialogues.buttons import Rating
from dialogues.buttons import parse as parse_button
from dialogues.events import UserRef
from dialogues.replies import Button, Recipient, Reply

CONSOLE_USER_ID = 1  # one local parent; kept apart from Telegram ids, which are positive and large


def render(replies: list[Reply], out_dir: Path) -> list[Button]:
    """Print replies; return the buttons of the last one that has any, numbered from 1."""
    choices: list[Button] = []
    for reply in (r for r in replies if r.to == Recipient.FACILITATOR):
        print(f"[would notify the facilitator] {reply.text}")
    for reply in merge_replies([r for r in replies if r.to == Recipient.PARENT]):
        for payload, name, what in ((reply.image, reply.image_name or "image.png", "picture"),
                                    (reply.document, reply.document_name or "file.bin", "file")):
            if payload is not None:
                out_dir.mkdir(parents=True, exist_ok=True)
                path = out_dir / name
                path.write_bytes(payload)
                print(f"[{what} saved to {path}]")
        if reply.text:
            print("\nTend: " + reply.text.replace("\n", "\n      "))
        if reply.buttons:
            ratings = [b for b in reply.button_list if isinstance(parse_button(b.data), Rating)]
            choices = [b for b in reply.button_list if b not in ratings]
            if ratings:
                print("   (type a number from 0 to 10, or 'stop')")
                choices = []  # a typed number is the rating itself, not a choice
            for number, button in enumerate(choices, start=1):
                print(f"   {number}) {button.label}")
    return choices


async def _read_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


async def run_console(settings: Settings, *, start_nlu: bool = True) -> int:
    runtime = AppRuntime(settings, start_nlu=start_nlu)
    await runtime.start()
    who = UserRef(CONSOLE_USER_ID, None)
    out_dir = PROJECT_ROOT / "var" / "chat"
    print("Tend in the terminal. Type as you would on Telegram; /commands work; a number picks a choice; "
          "Ctrl-D quits.")
    try:
        choices = render(await runtime.conversation.command(who, "start"), out_dir)
        while True:
            line = await _read_line("\nyou: ")
            if line is None:
                break
            text = line.strip()
            if text.isdigit() and choices and 1 <= int(text) <= len(choices):
                replies = await runtime.conversation.button(who, choices[int(text) - 1].data)
            elif text.startswith("/") and len(text) > 1:
                words = text.split()
                replies = await runtime.conversation.command(who, words[0][1:], tuple(words[1:]))
            else:
                replies = await runtime.conversation.text(who, line)
            choices = render(replies, out_dir)
    finally:
        await runtime.stop()
    print("\nTake care.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(asyncio.run(run_console(Settings.from_env())))
