"""The intent contract of `shared/design.md`: tests, tools and reports key on these names."""

from __future__ import annotations

from typing import Final, Literal

CrisisKind = Literal["self_harm", "harm_others", "unsafe_home", "medical", "child_at_risk"]

#: Rasa crisis intent -> the crisis kind the handoff and the reports use.
CRISIS_INTENT_KIND: Final[dict[str, CrisisKind]] = {
    "crisis_self_harm": "self_harm",
    "crisis_harm_others": "harm_others",
    "crisis_unsafe": "unsafe_home",
    "medical_emergency": "medical",
    "child_at_risk": "child_at_risk",
}
CRISIS_INTENTS: Final[frozenset[str]] = frozenset(CRISIS_INTENT_KIND)

DISTRESS_INTENTS: Final[frozenset[str]] = frozenset(
    {"self_criticism", "overwhelm", "worry", "sadness", "anger", "loneliness", "child_suffering"}
)

ALL_INTENTS: Final[frozenset[str]] = frozenset(
    {
        "greet", "goodbye", "thanks", "affirm", "deny", "ask_help", "request_practice",
        "positive", "set_checkin", "stop_checkins", "out_of_scope", "inform",
        *DISTRESS_INTENTS,
        *CRISIS_INTENTS,
    }
)
