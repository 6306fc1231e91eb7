"""Which language a message is in: decides the Rasa model and the offer to switch, never the net
(every language's net reads every message)."""

from __future__ import annotations

import pytest

from nlu.crisis_net import every_net
from nlu.language_id import detect


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [
        ("ya no aguanto más, quiero desaparecer", "en", "es"),
        ("q onda, toy bien cansada hoy", "en", "es"),
        ("I'm so tired of the forms", "es", "en"),
        ("mi hijo has a meltdown every day at school and i can't cope", "es", "en"),
        ("ok", "es", "es"),  # no word of either language: the parent's language stands
        ("911", "en", "en"),
        ("", "es", "es"),
    ],
)
def test_the_message_words_decide_and_the_parent_language_breaks_ties(text: str, hint: str, language: str) -> None:
    assert detect(text, hint).language == language


def test_spanish_risk_is_caught_for_a_parent_set_to_english() -> None:
    """The net of every language reads every message, whatever the setting or the guess."""
    for guess in ("en", "es"):
        verdict = every_net().check("tengo guardadas las pastillas, el sabado cuando se vayan", guess)
        assert verdict.level == "crisis" and verdict.kind == "self_harm" and verdict.language == "es"


def test_english_risk_is_caught_when_the_message_is_read_as_spanish() -> None:
    verdict = every_net().check("hola, i have the pills ready and i'm taking them tonight", "es")
    assert verdict.level == "crisis" and verdict.language == "en"


def test_a_statement_of_safety_in_one_language_never_hides_risk_found_in_another() -> None:
    verdict = every_net().check("I'm not suicidal. pero ya compre la soga y es para esta noche", "en")
    assert verdict.level == "crisis"
