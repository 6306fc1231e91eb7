"""One message in, one `Understanding` out: safety net first, then Rasa, then the safety decision.

This is the single entry point the bot, `tend chat` and `tend classify` use, so the safety
stack behaves identically on every channel. A dead NLU server never raises from here: the
understanding says NLU was unavailable and the net's verdict alone decides about risk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from nlu.client import NluError, NluResult, NluUnavailable
from nlu.crisis_net import NetVerdict
from nlu.intents import ALL_INTENTS, CRISIS_INTENTS
from nlu.language_id import detect
from nlu.safety import STRENGTH, SafetyDecision, SafetyPolicy, SafetyStack, nlu_signal


class Parser(Protocol):
    """What the understander needs from an NLU backend (the Rasa client, or a fake in tests)."""

    async def parse(self, text: str) -> NluResult: ...


@dataclass(frozen=True, slots=True)
class Understanding:
    nlu: NluResult | None
    safety: SafetyDecision
    net: NetVerdict
    nlu_error: str | None = None  # "unavailable" | "bad_response" | None
    #: The language the message is written in (its words, or the parent's language on a tie).
    language: str = "en"

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


@dataclass(frozen=True, slots=True)
class Piece:
    """A sentence (or a word window of a run-on sentence) read alone, and the same words with their
    neighbours: the sentence before and after, or the window widened on both sides."""

    text: str
    context: str


def pieces(verdict: NetVerdict) -> list[Piece]:
    """The sentences (and word windows of run-on sentences) Rasa reads for risk on their own.

    Only sentences the net trusts: a sentence it set aside (an idiom, a film, an explicit statement
    of safety) cannot raise an alarm through Rasa alone. A one-sentence message needs no pieces.
    """
    segments = verdict.segments
    if len(segments) == 1 and segments[0].trusted and len(segments[0].text.split()) <= CLAUSE_WORDS:
        return []
    out: list[Piece] = []
    for i, segment in enumerate(segments):
        if not segment.trusted:
            continue
        words = segment.text.split()
        if len(words) <= CLAUSE_WORDS:
            before = segments[i - 1].text if i > 0 else ""
            after = segments[i + 1].text if i + 1 < len(segments) else ""
            out.append(Piece(segment.text, " ".join(t for t in (before, segment.text, after) if t)))
            continue
        for start in range(0, max(1, len(words) - WINDOW_WORDS + WINDOW_STRIDE), WINDOW_STRIDE):
            wide = words[max(0, start - WINDOW_STRIDE) : start + WINDOW_WORDS + WINDOW_STRIDE]
            out.append(Piece(" ".join(words[start : start + WINDOW_WORDS]), " ".join(wide)))
    seen: set[str] = set()
    unique = [p for p in out if not (p.text in seen or seen.add(p.text))]
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


def _weaker(a: NluResult, b: NluResult, policy: SafetyPolicy) -> NluResult:
    """Of a sentence read alone and read with its neighbours, the reading with the weaker alarm."""
    key = [(STRENGTH[nlu_signal(r, policy).action], crisis_confidence(r)) for r in (a, b)]
    return a if key[0] <= key[1] else b


class Understander:
    """`parser` is one NLU backend for every language, or one per language ({"en": ..., "es": ...}):
    each message is parsed by the model of the language it is written in, and a language with no
    model of its own falls back to the first one given (the net of every language reads it anyway)."""

    def __init__(self, parser: Parser | Mapping[str, Parser] | None, stack: SafetyStack | None = None, *,
                 by_piece: bool = True) -> None:
        if parser is None:
            self.parsers: dict[str, Parser] = {}
        elif isinstance(parser, Mapping):
            self.parsers = dict(parser)
        else:
            self.parsers = {"*": parser}
        self.stack = stack or SafetyStack()
        #: Read each sentence (and clause window) for risk as well as the whole message.
        self.by_piece = by_piece

    @property
    def parser(self) -> Parser | None:
        """The default backend (the first given)."""
        return next(iter(self.parsers.values()), None)

    def parser_for(self, language: str) -> Parser | None:
        return self.parsers.get(language) or self.parser

    async def _agreed(self, parser: Parser, extra: list[Piece], alone: list[NluResult]) -> list[NluResult]:
        """A sentence that alarms when read alone is read again with its neighbours, and speaks only
        as strongly as both readings agree: "he had a seizure in assembly" alarms alone, not beside
        "he came round fine and he's home watching telly". Most messages need no second reading."""
        policy = self.stack.policy.for_pieces()
        again = [i for i, (piece, result) in enumerate(zip(extra, alone, strict=True))
                 if piece.context != piece.text and nlu_signal(result, policy).action != "none"]
        if not again:
            return alone
        wider = await asyncio.gather(*(parser.parse(extra[i].context) for i in again))
        agreed = list(alone)
        for i, result in zip(again, wider, strict=True):
            agreed[i] = _weaker(alone[i], result, policy)
        return agreed

    async def understand(self, text: str, language: str | None = None) -> Understanding:
        """`language` is the parent's language, when known: it decides only when the message's
        own words do not (a tie, or no word of any language, like "ok" or "911")."""
        lang = detect(text, hint=language).language
        verdict = self.stack.screen(text, lang)
        parser = self.parser_for(lang)
        if not text.strip() or parser is None:
            error = None if not text.strip() else "unavailable"
            return Understanding(None, self.stack.decide(verdict, None), verdict, error, lang)
        windows = _windows(text)
        extra = pieces(verdict) if self.by_piece else []
        try:
            results = await asyncio.gather(*(parser.parse(t) for t in [*windows, *(p.text for p in extra)]))
            piece_results = await self._agreed(parser, extra, list(results[len(windows) :]))
        except NluUnavailable:
            return Understanding(None, self.stack.decide(verdict, None), verdict, "unavailable", lang)
        except NluError:
            return Understanding(None, self.stack.decide(verdict, None), verdict, "bad_response", lang)
        result = conversational(results[0], list(results[len(windows) :]))
        # The risk may sit anywhere in a long message: each trusted sentence is judged on its own as
        # well as the whole message, which speaks for safety unless the net set part of it aside.
        whole_trusted = all(s.trusted for s in verdict.segments) or not verdict.segments
        whole = max(results[: len(windows)], key=crisis_confidence)
        if extra:
            guarded = whole if not whole_trusted and verdict.reassurance is None else None
            decision = self.stack.decide(verdict, whole if whole_trusted else None, piece_results, guarded)
        else:  # one sentence: the whole message is the piece; the decision sets it aside if untrusted
            decision = self.stack.decide(verdict, whole)
        return Understanding(result, decision, verdict, language=lang)
