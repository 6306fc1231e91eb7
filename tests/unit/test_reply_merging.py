"""How one turn's replies become as few Telegram messages as possible."""

from __future__ import annotations

from bot.conversation import merge_replies
from dialogues.replies import Button, Reply, load_texts


def test_texts_merge_into_the_next_message_with_buttons() -> None:
    buttons = ((Button("Yes", "of:yes"),),)
    merged = merge_replies([Reply("one"), Reply("two"), Reply("offer", buttons)])
    assert len(merged) == 1 and merged[0].text == "one\n\ntwo\n\noffer" and merged[0].buttons == buttons


def test_crisis_and_images_stand_alone_and_keep_order() -> None:
    merged = merge_replies([Reply("before"), Reply("help now", kind="crisis"), Reply("", image=b"png"),
                            Reply("after")])
    assert [m.kind for m in merged] == ["message", "crisis", "message", "message"]
    assert merged[1].text == "help now" and merged[2].image == b"png"


def test_never_exceeds_the_limit() -> None:
    merged = merge_replies([Reply("a" * 3000), Reply("b" * 3000)])
    assert len(merged) == 2 and all(len(m.text) <= 4096 for m in merged)


def test_every_reply_text_key_renders() -> None:
    texts = load_texts("en")
    for key, value in texts.data.items():
        if isinstance(value, str):
            assert texts.get(key, title="t", summary="s", minutes=1, intro="i", before=5, after=3,
                             seconds=20, time="08:00", timezone="UTC", language="English", country="GB")
