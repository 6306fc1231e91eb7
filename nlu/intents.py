"""The intent contract of `shared/design.md`: tests, tools and reports key on these names."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class CrisisKind(StrEnum):
    """The five kinds of risk: what the handoff says and which services it lists. Defined once,
    here; the net's patterns, the resources file and the reports all use these names."""

    SELF_HARM = "self_harm"
    HARM_OTHERS = "harm_others"
    UNSAFE_HOME = "unsafe_home"
    MEDICAL = "medical"
    CHILD_AT_RISK = "child_at_risk"


#: Rasa crisis intent -> the crisis kind the handoff and the reports use.
CRISIS_INTENT_KIND: Final[dict[str, CrisisKind]] = {
    "crisis_self_harm": CrisisKind.SELF_HARM,
    "crisis_harm_others": CrisisKind.HARM_OTHERS,
    "crisis_unsafe": CrisisKind.UNSAFE_HOME,
    "medical_emergency": CrisisKind.MEDICAL,
    "child_at_risk": CrisisKind.CHILD_AT_RISK,
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
