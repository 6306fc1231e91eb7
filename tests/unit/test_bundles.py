"""Every language's bundle is as complete as the base language's: same keys, same placeholders,
word lists that compile, a command menu Telegram accepts."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from dialogues import bundle, words
from dialogues.engine import Engine

OTHERS = [lang for lang in bundle.languages() if lang != bundle.BASE]


def _leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out |= _leaves(value, f"{prefix}{key}.")
        return out
    return {prefix.rstrip("."): node}


def _fields(text: Any) -> set[str]:
    texts = text if isinstance(text, list) else [text]
    return {name for t in texts if isinstance(t, str)
            for _, name, _, _ in string.Formatter().parse(t) if name}


def test_spanish_is_spoken() -> None:
    assert bundle.languages() == ("en", "es")


@pytest.mark.parametrize("language", OTHERS)
@pytest.mark.parametrize("name", ["replies", "crisis"])
def test_texts_have_the_base_keys_and_placeholders(language: str, name: str) -> None:
    base, other = _leaves(bundle.load(bundle.BASE, name)), _leaves(bundle.load(language, name))
    assert set(other) == set(base)
    for key, text in base.items():
        assert _fields(other[key]) == _fields(text), key


@pytest.mark.parametrize("language", OTHERS)
def test_words_have_the_base_sections(language: str) -> None:
    base, other = bundle.load(bundle.BASE, "words"), bundle.load(language, "words")
    assert set(other) == set(base)
    for section in ("time", "duration", "chart", "commands"):
        assert set(other[section]) == set(base[section]), section
    assert len(other["weekdays"]) == 7 and len(other["months"]) == 12


@pytest.mark.parametrize("language", bundle.languages())
def test_word_patterns_compile_and_lists_are_lower_case(language: str) -> None:
    for key in ("stop", "clear_no"):
        assert words.pattern(language, key).pattern
    for key in ("consent_yes", "consent_no", "skip", "checkin_off"):
        assert all(item == item.lower() for item in words.of(language)[key])


@pytest.mark.parametrize("language", bundle.languages())
def test_the_command_menu_is_one_telegram_accepts_and_names_real_commands(language: str) -> None:
    menu = words.command_descriptions(language)
    engine_commands = set(Engine(None).commands)  # type: ignore[arg-type]  (no database needed)
    for name, text in menu.items():
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name) and 1 <= len(text) <= 256
        assert name in engine_commands, name


@pytest.mark.parametrize(("language", "said", "clear_no"), [
    ("en", "no", True), ("en", "no, i'm ok", True), ("en", "not sure", False), ("en", "maybe", False),
    ("es", "no", True), ("es", "no, estoy bien", True), ("es", "para nada", True), ("es", "no sé", False),
    ("es", "a veces sí", False), ("es", "no sé, a veces sí lo pienso", False),
])
def test_a_clear_no_in_each_language(language: str, said: str, clear_no: bool) -> None:
    assert words.matches(said, language, "clear_no", whole=True) is clear_no


@pytest.mark.parametrize(("language", "said", "stop"), [
    ("en", "stop", True), ("en", "can we stop", True), ("en", "this is helping", False),
    ("es", "ya basta", True), ("es", "quiero parar", True), ("es", "ya no quiero seguir", True),
    ("es", "ya", True), ("es", "me está ayudando", False), ("es", "ya me siento mejor", False),
])
def test_stopping_a_practice_in_each_language(language: str, said: str, stop: bool) -> None:
    assert words.matches(said, language, "stop") is stop


@pytest.mark.parametrize("language", bundle.languages())
def test_a_variant_holds_only_keys_of_its_language_with_the_same_placeholders(language: str) -> None:
    for variant in bundle.variants(language):
        for name in bundle.FILES:
            path = bundle.CONTENT_DIR / variant / f"{name}.yml"
            if not path.exists():
                continue
            import yaml

            own = _leaves(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
            base = _leaves(bundle.load(language, name))
            assert set(own) <= set(base), f"{variant}/{name}.yml: keys its language lacks"
            for key, text in own.items():
                assert _fields(text) == _fields(base[key]), f"{variant}/{name}.yml: {key}"
                if isinstance(text, list):
                    assert len(text) == len(base[key]), f"{variant}/{name}.yml: {key} variants"


def test_spanish_has_the_usted_register() -> None:
    from dialogues.replies import load_texts
    from practices.library import load_library

    assert bundle.variants("es") == ("es-usted",) and bundle.choices() == ["en", "es", "es-usted"]
    assert bundle.base_of("es-usted") == "es" and bundle.spoken("es-usted") == "es-usted"
    assert "¿Quiere" in load_texts("es-usted").get("ask_checkin")
    assert "¿Quieres" in load_texts("es").get("ask_checkin")
    usted, tu = load_library("es-usted"), load_library("es")
    assert {p.id for p in usted.all()} == {p.id for p in tu.all()}
    for practice in usted.all():
        assert practice.adaptation and "usted" in practice.adaptation
        assert len(practice.steps) == len(tu.get(practice.id).steps)
