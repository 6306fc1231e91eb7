"""Generated long training messages: reproducible, and each keeps its one sentence of meaning."""

from __future__ import annotations

import yaml

from nlu import augment
from nlu.augment import CRISIS, build, read_examples


def test_the_same_inputs_give_the_same_messages() -> None:
    assert build("en") == build("en")


def test_the_committed_file_is_what_the_generator_writes() -> None:
    committed = yaml.safe_load((augment.NLU_DIR / "data" / "en" / augment.OUTPUT_NAME).read_text(encoding="utf-8"))
    fresh = build("en")
    assert {block["intent"]: [line[2:] for line in block["examples"].splitlines()] for block in committed["nlu"]} \
        == fresh, "run `tend nlu augment` after changing the training data or the filler"


def test_each_crisis_message_is_long_and_holds_a_crisis_example() -> None:
    examples = read_examples(augment.NLU_DIR / "data" / "en")
    for intent in CRISIS:
        cores = {augment._dictate(e) for e in examples[intent]} | set(examples[intent])
        for message in build("en")[intent]:
            assert len(message.split()) > 25
            assert any(core in message for core in cores if len(core.split()) < augment.MAX_CORE_WORDS), message
