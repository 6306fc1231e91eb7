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
from nlu.intents import ALL_INTENTS, CRISIS_INTENTS
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
MAX_WINDOWS = 7
#: A sentence longer than this many words (dictated text has no full stops) is also read in
#: overlapping word windows, so one risky clause is never drowned by the words around it.
CLAUSE_WORDS = 24
WINDOW_WORDS = 14
WINDOW_STRIDE = 7
#: At most this many pieces of one message are parsed for safety besides the whole message.
MAX_PIECES = 16


def _windows(text: str) -> list[str]:
    """The whole message as Rasa can take it (the first window gives the conversational intent)."""
    if len(text) <= WINDOW:
        return [text]
    step = WINDOW - 200  # overlap so a sentence on a boundary is seen whole once
    return [text[s : s + WINDOW] for s in range(0, len(text), step)][:MAX_WINDOWS]


def pieces(verdict: NetVerdict) -> list[str]:
    """The sentences (and word windows of run-on sentences) Rasa reads for risk on their own.

    Only sentences the net trusts: a sentence it set aside (an idiom, a film, an explicit statement
    of safety) cannot raise an alarm through Rasa alone. A one-sentence message needs no pieces.
    """
    trusted = [s.text for s in verdict.segments if s.trusted]
    if len(verdict.segments) == 1 and trusted and len(trusted[0].split()) <= CLAUSE_WORDS:
        return []
    out: list[str] = []
    for sentence in trusted:
        words = sentence.split()
        if len(words) <= CLAUSE_WORDS:
            out.append(sentence)
            continue
        for start in range(0, max(1, len(words) - WINDOW_WORDS + WINDOW_STRIDE), WINDOW_STRIDE):
            out.append(" ".join(words[start : start + WINDOW_WORDS]))
    seen: set[str] = set()
    unique = [p for p in out if not (p in seen or seen.add(p))]
    if len(unique) > MAX_PIECES:  # keep an even spread over the message rather than its start
        step = len(unique) / MAX_PIECES
        unique = [unique[int(i * step)] for i in range(MAX_PIECES)]
    return unique


#: A piece speaks for the conversation only when the whole message reads as practical news and the
#: piece names a feeling or a request this surely.
PIECE_INTENT_CONFIDENCE = 0.8
_CONVERSATIONAL = frozenset(ALL_INTENTS - CRISIS_INTENTS - {"inform"})


def conversational(whole: NluResult, piece_results: list[NluResult]) -> NluResult:
    """The result the conversation follows: the whole message, unless it reads as neutral practical
    news ("inform") while one sentence clearly says how the parent feels or what they want."""
    if whole.intent != "inform":
        return whole
    named = [r for r in piece_results if r.intent in _CONVERSATIONAL and r.confidence >= PIECE_INTENT_CONFIDENCE]
    return max(named, key=lambda r: r.confidence) if named else whole


def crisis_confidence(result: NluResult) -> float:
    return max((s.confidence for s in result.ranking if s.name in CRISIS_INTENTS), default=0.0)


class Understander:
    def __init__(self, parser: Parser | None, stack: SafetyStack | None = None, *, by_piece: bool = True) -> None:
        self.parser = parser
        self.stack = stack or SafetyStack()
        #: Read each sentence (and clause window) for risk as well as the whole message.
        self.by_piece = by_piece

    async def understand(self, text: str) -> Understanding:
        verdict = self.stack.screen(text)
        if not text.strip() or self.parser is None:
            error = None if not text.strip() else "unavailable"
            return Understanding(None, self.stack.decide(verdict, None), verdict, error)
        windows = _windows(text)
        extra = pieces(verdict) if self.by_piece else []
        try:
            results = await asyncio.gather(*(self.parser.parse(t) for t in [*windows, *extra]))
        except NluUnavailable:
            return Understanding(None, self.stack.decide(verdict, None), verdict, "unavailable")
        except NluError:
            return Understanding(None, self.stack.decide(verdict, None), verdict, "bad_response")
        result = conversational(results[0], list(results[len(windows) :]))
        # The risk may sit anywhere in a long message: each trusted sentence is judged on its own as
        # well as the whole message, which speaks for safety unless the net set part of it aside.
        whole_trusted = all(s.trusted for s in verdict.segments) or not verdict.segments
        whole = max(results[: len(windows)], key=crisis_confidence)
        if extra:
            decision = self.stack.decide(verdict, whole if whole_trusted else None, results[len(windows) :])
        else:  # one sentence: the whole message is the piece; the decision sets it aside if untrusted
            decision = self.stack.decide(verdict, whole)
        return Understanding(result, decision, verdict)
