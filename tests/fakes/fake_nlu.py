"""A keyword NLU for engine tests: deterministic, instant, and free of TensorFlow.

Rules are checked in order; the first whose keyword occurs in the lower-cased text wins.
`down = True` makes every parse fail as if the Rasa server had died.
"""

from __future__ import annotations

import re

from nlu.client import Entity, IntentScore, NluResult, NluUnavailable

RULES: list[tuple[str, str, float]] = [
    ("terrible mum", "self_criticism", 0.93),
    ("my fault", "self_criticism", 0.9),
    ("yelled", "self_criticism", 0.88),
    ("too much", "overwhelm", 0.9),
    ("exhausted", "overwhelm", 0.85),
    ("scared about the scan", "worry", 0.9),
    ("alone", "loneliness", 0.88),
    ("good day", "positive", 0.9),
    ("exercise", "request_practice", 0.9),
    ("check on me", "set_checkin", 0.92),
    ("stop the reminders", "stop_checkins", 0.92),
    ("weather", "out_of_scope", 0.9),
    ("thank", "thanks", 0.95),
    ("bye", "goodbye", 0.95),
    ("hello", "greet", 0.97),
    ("hi", "greet", 0.9),
    ("yes", "affirm", 0.95),
    ("no", "deny", 0.9),
    ("hmm", "worry", 0.3),  # deliberately unsure
    # Spanish, for the Spanish transcripts (the keyword is matched whole, accents as typed).
    ("mala madre", "self_criticism", 0.93),
    ("mi culpa", "self_criticism", 0.9),
    ("le grité", "self_criticism", 0.88),
    ("agotad[ao]", "overwhelm", 0.85),
    ("es demasiado", "overwhelm", 0.9),
    ("un ejercicio", "request_practice", 0.9),
    ("escríbeme", "set_checkin", 0.92),
    ("gracias", "thanks", 0.95),
    ("hola", "greet", 0.97),
    ("sí", "affirm", 0.95),
]
_TIME = re.compile(r"\b(\d{1,2}(?::\d{2})?\s?(?:am|pm)?)\b")


def classify(text: str) -> tuple[str, float]:
    """The first rule whose keyword occurs in the text, else out_of_scope at 0.6."""
    lowered = text.lower()
    for keyword, intent, confidence in RULES:
        if re.search(rf"(?<!\w){keyword if '[' in keyword else re.escape(keyword)}(?!\w)", lowered):
            return intent, confidence
    return "out_of_scope", 0.6


def rasa_answer(text: str) -> dict[str, object]:
    """The same rules shaped as Rasa's /model/parse answer, for a FakeRasaServer in another process's path."""
    intent, confidence = classify(text)
    rest = round(1 - confidence, 3)
    ranking = [(intent, confidence), ("sadness", round(rest * 0.6, 3)), ("overwhelm", round(rest * 0.4, 3))]
    return {"text": text, "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": []}


class FakeNlu:
    def __init__(self, *, time_entities: bool = True) -> None:
        self.down = False
        self.calls = 0
        # Tend's own Rasa pipeline has no entity extractor since round 10; False answers like it.
        self.time_entities = time_entities

    async def parse(self, text: str) -> NluResult:
        self.calls += 1
        if self.down:
            raise NluUnavailable("fake NLU is down")
        lowered = text.lower()
        intent, confidence = classify(text)
        ranking = [IntentScore(intent, confidence), IntentScore("sadness", round((1 - confidence) * 0.6, 3)),
                   IntentScore("overwhelm", round((1 - confidence) * 0.4, 3))]
        entities: tuple[Entity, ...] = ()
        if intent == "set_checkin" and self.time_entities and (m := _TIME.search(lowered)):
            entities = (Entity("time", m.group(1), m.start(1), m.end(1)),)
        return NluResult(intent, confidence, tuple(ranking), entities)
