"""Rendering a reply's buttons as a Telegram inline keyboard (replies and pushed check-ins)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from dialogues.replies import Reply


def inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    )
