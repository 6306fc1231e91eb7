"""The crisis safety stack: the deterministic net, then Rasa's crisis intents, then asking.

Recall over precision. The net (layer 1) sees every message first and decides alone when Rasa
is unreachable. Rasa (layer 2) adds what the net's patterns did not foresee, with thresholds
deliberately lower than for any other intent; they live in `nlu/safety_policy.yml`, chosen by
measurement (`tend safety eval --sweep`, results in `nlu/results/`). When neither layer is sure,
the answer is to ask the parent directly (layer 3), never to guess "no".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from nlu.client import NluResult
from nlu.crisis_net import CrisisNet, MultiNet, NetVerdict, Reassurance, every_net
from nlu.intents import CRISIS_INTENT_KIND, CrisisKind

POLICY_PATH = Path(__file__).with_name("safety_policy.yml")

Action = Literal["none", "ask", "handoff"]
Layer = Literal["net", "nlu", "ask"]


class ReaderPolicy(BaseModel):
    """How the risk reader's probability (`NluResult.risk`) weighs in layer 2.

    `veto`: Rasa's crisis intents raise nothing unless the reader gives the same text at least this
    much risk (look-alikes are where the intent model is confidently wrong). `handoff` / `ask`: the
    reader alone hands off or asks at these probabilities (risk told through logistics, where the
    intent model says "worry"). The `piece_` values apply to a sentence read on its own."""

    model_config = ConfigDict(extra="forbid")

    veto: float = Field(default=0.0, ge=0, le=1)
    handoff: float = Field(default=1.01, ge=0, le=1.01)
    ask: float = Field(default=1.01, ge=0, le=1.01)
    piece_veto: float = Field(default=0.0, ge=0, le=1)
    piece_handoff: float = Field(default=1.01, ge=0, le=1.01)
    piece_ask: float = Field(default=1.01, ge=0, le=1.01)

    def for_pieces(self) -> ReaderPolicy:
        return self.model_copy(update={"veto": self.piece_veto, "handoff": self.piece_handoff,
                                       "ask": self.piece_ask})


class SafetyPolicy(BaseModel):
    """Layer-2 thresholds. See the policy file for how each number was chosen."""

    model_config = ConfigDict(extra="forbid")

    handoff_confidence: float = Field(ge=0, le=1.01)
    ask_confidence: float = Field(ge=0, le=1.01)
    ask_max_rank: int = Field(ge=1, le=10)
    #: When the net recognised a figurative idiom or a media context and found no risk, Rasa's
    #: crisis intents are not trusted alone (they react to "die"/"kill" words the net set aside).
    trust_net_guards: bool = True
    #: A sentence read on its own (a piece of a longer message) has less context than the whole
    #: message, so its crisis intents may need more confidence. Default: as for whole messages.
    piece_handoff_confidence: float | None = Field(default=None, ge=0, le=1.01)
    piece_ask_confidence: float | None = Field(default=None, ge=0, le=1.01)
    #: The risk reader's thresholds; None: its probability is not used.
    reader: ReaderPolicy | None = None

    def for_pieces(self) -> SafetyPolicy:
        return self.model_copy(update={
            "reader": self.reader.for_pieces() if self.reader is not None else None,
            "handoff_confidence": self.piece_handoff_confidence if self.piece_handoff_confidence is not None
            else self.handoff_confidence,
            "ask_confidence": self.piece_ask_confidence if self.piece_ask_confidence is not None
            else self.ask_confidence,
            "ask_max_rank": 1,
        })


@lru_cache(maxsize=4)
def load_policy(path: Path = POLICY_PATH) -> SafetyPolicy:
    return SafetyPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class SafetyDecision:
    action: Action
    kind: CrisisKind | None = None
    layer: Layer | None = None
    rule: str | None = None  # the net's pattern id or the Rasa intent; never message text
    #: No risk, and the parent said explicitly that they are safe (or a past crisis is over, or a
    #: medical event has ended): the coach believes it, asks nothing, and says in one line that /sos
    #: is there.
    reassurance: Reassurance | None = None

    @property
    def reassured(self) -> bool:
        return self.reassurance is not None

    @property
    def crisis(self) -> bool:
        """The stack's final yes/no: an ask is treated as yes until the parent clearly says no."""
        return self.action != "none"


NO_RISK = SafetyDecision("none")


def nlu_signal(result: NluResult, policy: SafetyPolicy) -> SafetyDecision:
    """Layer 2 on its own: the intent model's best crisis intent, judged by the policy, then weighed
    against the risk reader when the model has one and the policy uses it."""
    signal = _intent_signal(result, policy)
    reader = policy.reader
    if reader is None or result.risk is None:
        return signal
    risk = result.risk
    if signal.action != "none" and risk < reader.veto:
        signal = NO_RISK
    own: Action = "handoff" if risk >= reader.handoff else "ask" if risk >= reader.ask else "none"
    if STRENGTH[own] <= STRENGTH[signal.action]:
        return signal
    intent = _likeliest_crisis_intent(result)
    return SafetyDecision(own, CRISIS_INTENT_KIND[intent], "nlu", f"risk_reader:{intent}")


def _likeliest_crisis_intent(result: NluResult) -> str:
    """The kind the reader's alarm is about: the crisis intent the intent model ranks highest."""
    for item in result.ranking:
        if item.name in CRISIS_INTENT_KIND:
            return item.name
    return next(iter(CRISIS_INTENT_KIND))


def _intent_signal(result: NluResult, policy: SafetyPolicy) -> SafetyDecision:
    """The best crisis intent by Rasa's confidence, judged by the policy."""
    best: tuple[float, int, str] | None = None
    for rank, item in enumerate(result.ranking or (), start=1):
        if item.name in CRISIS_INTENT_KIND and (best is None or item.confidence > best[0]):
            best = (item.confidence, rank, item.name)
    if best is None and result.intent in CRISIS_INTENT_KIND:
        best = (result.confidence, 1, result.intent)
    if best is None:
        return NO_RISK
    confidence, rank, intent = best
    kind = CRISIS_INTENT_KIND[intent]
    if rank == 1 and confidence >= policy.handoff_confidence:
        return SafetyDecision("handoff", kind, "nlu", intent)
    if rank <= policy.ask_max_rank and confidence >= policy.ask_confidence:
        return SafetyDecision("ask", kind, "nlu", intent)
    return NO_RISK


#: How strong an action is, for keeping the strongest (or, for a second reading, the weakest).
STRENGTH: dict[Action, int] = {"none": 0, "ask": 1, "handoff": 2}


def decide(
    verdict: NetVerdict,
    result: NluResult | None,
    policy: SafetyPolicy | None = None,
    pieces: Sequence[NluResult] = (),
    guarded: NluResult | None = None,
) -> SafetyDecision:
    """Combine the layers. The net's handoff always stands; a net "check" becomes a handoff
    only when Rasa independently and confidently agrees, and otherwise stays a question.

    `result` is Rasa on the whole message; `pieces` are Rasa on the sentences the net trusted,
    judged by the policy's piece thresholds. The strongest signal of all speaks for Rasa."""
    policy = policy or load_policy()
    if verdict.level == "crisis":
        return SafetyDecision("handoff", verdict.kind, "net", verdict.pattern_id)
    from_nlu = nlu_signal(result, policy) if result is not None else NO_RISK
    if pieces:
        piece_policy = policy.for_pieces()
        for piece in pieces:
            signal = nlu_signal(piece, piece_policy)
            if STRENGTH[signal.action] > STRENGTH[from_nlu.action]:
                from_nlu = signal
    if guarded is not None and policy.trust_net_guards:
        # The whole message, part of which the net set aside as an idiom or a film ("...the thought
        # of him seeing it on the news"; "she has to report it"): it speaks only when sure enough to
        # have handed off, and then it asks.
        sure = _asks_only_if_sure(nlu_signal(guarded, policy))
        if STRENGTH[sure.action] > STRENGTH[from_nlu.action]:
            from_nlu = sure
    set_aside = bool(verdict.segments) and not any(s.trusted for s in verdict.segments)
    if verdict.level == "none" and policy.trust_net_guards and set_aside:
        # Every sentence set aside: by a statement of safety, nothing from Rasa; by an idiom or a
        # media word alone, Rasa asks when it would have handed off (round 11: a real risk sentence
        # naming "the news", "a report" or "the book" was silenced outright).
        from_nlu = _asks_only_if_sure(from_nlu) if verdict.reassurance is None else NO_RISK
    if verdict.level == "check":
        if from_nlu.action == "handoff":
            return from_nlu
        return SafetyDecision("ask", verdict.kind, "net", verdict.pattern_id)
    if verdict.illness_context and verdict.level == "none":
        # Death talked about as part of the illness: a grieving or frightened parent is not handed a
        # crisis line on Rasa's word alone (the net found nothing here).
        from_nlu = _asks_only_if_sure(from_nlu)
    if verdict.reassurance is not None:
        # Believed. An ended medical event, or a crisis told in the past that is over, covers only
        # what was told as ended or past: any sentence of today Rasa reads as risk speaks as usual
        # (the covered ones were never trusted to it): "he broke my ribs in 2020, we did counselling,
        # he's been okay since. Last week he held his gun to my head" (round 12). After a statement
        # of safety Rasa alone asks only when it is sure enough to have handed off ("i'm not
        # suicidal. but i keep thinking about the bridge").
        signal = from_nlu if verdict.reassurance in ("resolved", "past") else _asks_only_if_sure(from_nlu)
        if signal.action != "none":
            return signal
        return SafetyDecision("none", rule=f"reassured_{verdict.reassurance}", reassurance=verdict.reassurance)
    return from_nlu


def _asks_only_if_sure(signal: SafetyDecision) -> SafetyDecision:
    """Rasa alone where its word weighs less: what would have been a handoff is a question, and
    what would have been a question is nothing."""
    if signal.action == "handoff":
        return SafetyDecision("ask", signal.kind, "nlu", signal.rule)
    return NO_RISK


class SafetyStack:
    """Layer 1 before anything else, layer 2 when an NLU result is available.

    By default layer 1 is every language's net (`MultiNet`): the message's language reads first,
    and any other language's net that finds stronger risk speaks instead."""

    def __init__(self, net: CrisisNet | MultiNet | None = None, policy: SafetyPolicy | None = None) -> None:
        # One language's net alone (tests, benchmarks) reads like every net: it is the only one.
        self.net = MultiNet({net.language: net}, net.language) if isinstance(net, CrisisNet) else net or every_net()
        self.policy = policy or load_policy()

    def screen(self, text: str, language: str | None = None) -> NetVerdict:
        return self.net.check(text, language)

    def decide(self, verdict: NetVerdict, result: NluResult | None,
               pieces: Sequence[NluResult] = (), guarded: NluResult | None = None) -> SafetyDecision:
        return decide(verdict, result, self.policy, pieces, guarded)
