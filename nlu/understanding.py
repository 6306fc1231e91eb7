"""One message in, one `Understanding` out: safety net first, then Rasa, then the safety decision.

This is the single entry point the bot, `tend chat` and `tend classify` use, so the safety
stack behaves identically on every channel. A dead NLU server never raises from here: the
understanding says NLU was unavailable and the net's verdict alone decides about risk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from nlu.client import NluError, NluResult, NluUnavailable
from nlu.crisis_net import NetVerdict
from nlu.intents import CRISIS_INTENTS
from nlu.safety import SafetyDecision, SafetyStack


class Parser(Protocol):
    """What the understander needs from an NLU backend (the Rasa client, or a fake in tests)."""

    async def parse(self, text: str) -> NluResult: ...


@dataclass(frozen=True, slots=True)
class Understanding:
    nlu: NluResult | None
    safety: SafetyDecision
    net: NetVerdict
    nlu_error: str | None = None  # "unavailable" | "bad_response" | None

    @property
    def intent(self) -> str | None:
        return self.nlu.intent if self.nlu else None

    @property
    def confidence(self) -> float:
        return self.nlu.confidence if self.nlu else 0.0


#: Rasa sees at most this many characters per request; longer messages are read in windows.
WINDOW = 1500
#: At most this many extra windows are parsed to look for a crisis intent in a long message.
MAX_EXTRA_WINDOWS = 6


def _windows(text: str) -> list[str]:
    if len(text) <= WINDOW:
        return [text]
    step = WINDOW - 200  # overlap so a sentence on a boundary is seen whole once
    starts = range(0, len(text), step)
    return [text[s : s + WINDOW] for s in starts][: 1 + MAX_EXTRA_WINDOWS]


class Understander:
    def __init__(self, parser: Parser | None, stack: SafetyStack | None = None) -> None:
        self.parser = parser
        self.stack = stack or SafetyStack()

    async def understand(self, text: str) -> Understanding:
        verdict = self.stack.screen(text)
        if not text.strip() or self.parser is None:
            error = None if not text.strip() else "unavailable"
            return Understanding(None, self.stack.decide(verdict, None), verdict, error)
        windows = _windows(text)
        try:
            results = await asyncio.gather(*(self.parser.parse(w) for w in windows))
        except NluUnavailable:
            return Understanding(None, self.stack.decide(verdict, None), verdict, "unavailable")
        except NluError:
            return Understanding(None, self.stack.decide(verdict, None), verdict, "bad_response")
        result = results[0]
        # In a long message the risk may sit anywhere: let the window where a crisis intent is
        # strongest speak for safety, while the first window still gives the conversational intent.
        safety_result = max(
            results,
            key=lambda r: max((s.confidence for s in r.ranking if s.name in CRISIS_INTENTS), default=0.0),
        )
        decision = self.stack.decide(verdict, safety_result)
        return Understanding(result, decision, verdict)
