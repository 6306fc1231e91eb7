"""The whole stack without Rasa: layer decisions, thresholds, NLU down, long messages."""

from __future__ import annotations

import pytest

from nlu.client import IntentScore, NluResult, NluUnavailable
from nlu.crisis_net import NetVerdict
from nlu.safety import ReaderPolicy, SafetyPolicy, decide
from nlu.understanding import Understander

POLICY = SafetyPolicy(handoff_confidence=0.5, ask_confidence=0.15, ask_max_rank=3)
NONE = NetVerdict("none", None, None)


def result(*pairs: tuple[str, float]) -> NluResult:
    return NluResult(pairs[0][0], pairs[0][1], tuple(IntentScore(n, c) for n, c in pairs))


def test_net_crisis_always_hands_off() -> None:
    decision = decide(NetVerdict("crisis", "medical", "med_not_breathing"), result(("greet", 0.99)), POLICY)
    assert (decision.action, decision.kind, decision.layer) == ("handoff", "medical", "net")


def test_rasa_top_crisis_hands_off() -> None:
    decision = decide(NONE, result(("crisis_unsafe", 0.7), ("anger", 0.2)), POLICY)
    assert (decision.action, decision.kind, decision.layer) == ("handoff", "unsafe_home", "nlu")


def test_rasa_crisis_in_ranking_asks() -> None:
    decision = decide(NONE, result(("sadness", 0.6), ("crisis_self_harm", 0.25)), POLICY)
    assert (decision.action, decision.kind) == ("ask", "self_harm")


def test_low_crisis_signal_is_ignored() -> None:
    assert decide(NONE, result(("sadness", 0.9), ("crisis_self_harm", 0.05)), POLICY).action == "none"


def test_net_check_stays_a_question_unless_rasa_is_sure() -> None:
    check = NetVerdict("check", "self_harm", "check_cant_go_on")
    assert decide(check, result(("overwhelm", 0.8)), POLICY).action == "ask"
    assert decide(check, result(("crisis_self_harm", 0.8)), POLICY).action == "handoff"
    assert decide(check, None, POLICY).action == "ask"


class DeadNlu:
    async def parse(self, text: str) -> NluResult:
        raise NluUnavailable("down")


class WindowNlu:
    """Says crisis only for the window that contains the risk sentence."""

    def __init__(self) -> None:
        self.windows: list[int] = []

    async def parse(self, text: str) -> NluResult:
        self.windows.append(len(text))
        if "the end of everything for me" in text:
            return result(("crisis_self_harm", 0.8), ("sadness", 0.2))
        return result(("overwhelm", 0.9), ("sadness", 0.1))


async def test_nlu_down_the_net_still_hands_off() -> None:
    understanding = await Understander(DeadNlu()).understand("i have the pills ready and i'm taking them tonight")
    assert understanding.nlu is None and understanding.nlu_error == "unavailable"
    assert understanding.safety.action == "handoff"


async def test_nlu_down_ordinary_message_is_not_crisis() -> None:
    understanding = await Understander(DeadNlu()).understand("so many forms today")
    assert understanding.safety.action == "none" and understanding.nlu_error == "unavailable"


async def test_long_message_is_read_in_windows_for_safety() -> None:
    nlu = WindowNlu()
    text = "appointments and forms and calls. " * 150 + "this feels like the end of everything for me. " + \
        "more forms. " * 100
    understanding = await Understander(nlu).understand(text)
    assert len(nlu.windows) > 1 and max(nlu.windows) <= 1500
    assert understanding.intent == "overwhelm"  # the conversation follows the start of the message
    assert understanding.safety.crisis  # but safety looks at all of it


@pytest.mark.parametrize("text", ["", "   "])
async def test_empty_text_needs_no_nlu(text: str) -> None:
    nlu = WindowNlu()
    understanding = await Understander(nlu).understand(text)
    assert nlu.windows == [] and not understanding.safety.crisis


class SentenceNlu:
    """Says crisis for any text holding `risky`, with the given confidence; records what it read."""

    def __init__(self, risky: str, confidence: float = 0.9) -> None:
        self.risky, self.confidence, self.read = risky, confidence, []

    async def parse(self, text: str) -> NluResult:
        self.read.append(text)
        if self.risky in text.lower():
            return result(("crisis_self_harm", self.confidence), ("sadness", 1 - self.confidence))
        return result(("worry", 0.9), ("crisis_self_harm", 0.05))


async def test_one_risky_sentence_in_a_practical_message_is_read_on_its_own() -> None:
    """Rasa dilutes one sentence in a long message; the sentence read alone speaks for safety."""

    class Diluting(SentenceNlu):
        async def parse(self, text: str) -> NluResult:
            self.read.append(text)
            if self.risky not in text.lower():
                return result(("worry", 0.9), ("crisis_self_harm", 0.05))
            if text.count(". ") >= 3:  # read whole, the one sentence is drowned by the rest
                return result(("worry", 0.7), ("crisis_self_harm", 0.2))
            return result(("crisis_self_harm", 0.9), ("worry", 0.1))

    nlu = Diluting("nobody would miss me")
    text = ("The OT finally rang back about the wheelchair. School want another meeting on Tuesday. "
            "Honestly nobody would miss me. Anyway does anyone know if the blue badge form needs a photo?")
    understanding = await Understander(nlu, stack=None).understand(text)
    # the whole message, each of the 4 sentences, then the alarming one again with its neighbours
    assert len(nlu.read) == 1 + 4 + 1
    assert nlu.read[-1] == ("school want another meeting on tuesday. honestly nobody would miss me. "
                            "anyway does anyone know if the blue badge form needs a photo?")
    assert understanding.safety.crisis and understanding.safety.layer == "nlu"
    whole_only = await Understander(Diluting("nobody would miss me"), by_piece=False).understand(text)
    assert not whole_only.safety.crisis  # the same message read whole: what went wrong before


async def test_a_sentence_alarms_only_if_its_neighbours_agree() -> None:
    """Read alone, "he had a seizure in assembly" sounds like an emergency; beside "he's fine,
    he's home" it does not. The weaker of the two readings speaks. (The net's own grammar does not
    recognise this one as a resolved event, so the second reading is what decides.)"""

    class Contextual(SentenceNlu):
        async def parse(self, text: str) -> NluResult:
            self.read.append(text)
            lowered = text.lower()
            if "seizure" in lowered and "he's fine" not in lowered:
                return result(("medical_emergency", 0.95), ("worry", 0.05))
            return result(("worry", 0.9), ("medical_emergency", 0.05))

    nlu = Contextual("")
    text = ("Bit of a day. He had a seizure in assembly, about a minute and a half. "
            "He's fine, he's home watching telly now.")
    understanding = await Understander(nlu).understand(text)
    assert not understanding.safety.crisis
    assert any("home watching telly" in r and "seizure" in r for r in nlu.read[1:])


async def test_dictated_run_on_text_is_read_in_word_windows() -> None:
    nlu = SentenceNlu("nobody would miss me")
    text = ("so i rang the insurance about the pump again and they said the form was wrong so i have to "
            "go back to the clinic on monday and get it signed and honestly nobody would miss me and "
            "then the school rang about the trip and i said i would sort it out by friday")
    understanding = await Understander(nlu).understand(text)
    first_reading = [w for w in nlu.read[1:] if len(w.split()) <= 14]
    assert len(first_reading) >= 5 and all(len(w.split()) <= 14 + 2 * 7 for w in nlu.read[1:])
    assert understanding.safety.crisis


async def test_rasa_is_not_trusted_on_an_explicit_safety_statement() -> None:
    nlu = SentenceNlu("suicidal", 0.95)
    understanding = await Understander(nlu).understand("I'm not suicidal, just exhausted")
    assert understanding.safety.action == "none" and understanding.safety.reassured


async def test_a_safety_statement_does_not_silence_another_sentence() -> None:
    nlu = SentenceNlu("the bridge", 0.95)
    understanding = await Understander(nlu).understand(
        "I'm not suicidal, I promise. But I keep thinking about the bridge by the hospital.")
    assert understanding.safety.crisis and understanding.safety.layer == "nlu"
    assert not understanding.safety.reassured


async def test_an_idiom_sentence_is_set_aside_but_the_rest_is_read() -> None:
    """A sentence the net set aside as an idiom is not read alone; the whole message around it
    speaks only when Rasa is sure enough to have handed off, and then it asks (round 11)."""
    nlu = SentenceNlu("killing", 0.7)
    calm = await Understander(nlu).understand("This paperwork is killing me. Anyway.")
    assert not calm.safety.crisis
    nlu = SentenceNlu("killing", 0.95)
    sure = await Understander(nlu).understand("This paperwork is killing me. Anyway.")
    assert sure.safety.action == "ask" and sure.safety.layer == "nlu"
    nlu = SentenceNlu("bridge", 0.95)
    risky = await Understander(nlu).understand(
        "This paperwork is killing me. I keep thinking about the bridge by the hospital.")
    assert risky.safety.crisis and risky.safety.layer == "nlu"


# The risk reader (nlu/rasa_components/risk_reader.py) beside the intent model.
READER = POLICY.model_copy(update={"reader": ReaderPolicy(veto=0.3, handoff=0.8, ask=0.5,
                                                          piece_veto=0.4, piece_ask=0.9)})


def read(risk: float | None, *pairs: tuple[str, float]) -> NluResult:
    return NluResult(pairs[0][0], pairs[0][1], tuple(IntentScore(n, c) for n, c in pairs), risk=risk)


def test_reader_vetoes_a_confident_crisis_intent_it_sees_no_risk_in() -> None:
    # "I could kill him for forgetting the insulin": the intent model says harm, the reader no.
    assert decide(NONE, read(0.05, ("crisis_harm_others", 0.9), ("anger", 0.1)), READER).action == "none"
    assert decide(NONE, read(0.35, ("crisis_harm_others", 0.9), ("anger", 0.1)), READER).action == "handoff"


def test_reader_alone_asks_or_hands_off_with_the_kind_the_intent_model_ranks_highest() -> None:
    asked = decide(NONE, read(0.6, ("worry", 0.8), ("medical_emergency", 0.1), ("crisis_self_harm", 0.05)), READER)
    assert (asked.action, asked.kind, asked.rule) == ("ask", "medical", "risk_reader:medical_emergency")
    handed = decide(NONE, read(0.85, ("worry", 0.9), ("crisis_self_harm", 0.1)), READER)
    assert (handed.action, handed.kind) == ("handoff", "self_harm")


def test_reader_never_weakens_the_net_or_a_missing_reading() -> None:
    net = NetVerdict("crisis", "self_harm", "sh_plan")
    assert decide(net, read(0.0, ("greet", 0.99)), READER).action == "handoff"
    # A model without a reader (risk None) is judged by its intents as before.
    assert decide(NONE, read(None, ("crisis_unsafe", 0.7), ("anger", 0.2)), READER).action == "handoff"


def test_reader_has_piece_thresholds_of_its_own() -> None:
    whole = read(0.0, ("worry", 0.9))
    piece = read(0.35, ("crisis_self_harm", 0.95))  # above the whole-message veto, below the piece one
    assert decide(NONE, whole, READER, [piece]).action == "none"
    assert decide(NONE, whole, READER, [read(0.95, ("worry", 0.9))]).action == "ask"


def test_policy_without_reader_ignores_the_risk_field() -> None:
    assert decide(NONE, read(0.99, ("sadness", 0.9)), POLICY).action == "none"


async def test_a_media_word_in_a_real_risk_sentence_no_longer_silences_rasa() -> None:
    """Round 11, from the dev sets' misses: "the thought of him seeing it on the news" made the net set
    the sentence aside as media talk, and Rasa, sure of the risk, was never heard. Now it asks."""
    nlu = SentenceNlu("platform edge", 0.95)
    text = ("Clinic is next Tuesday and the form came back again. I stood at the platform edge this morning "
            "and only the thought of him seeing it on the news stopped me. Is the new drug covered?")
    understanding = await Understander(nlu).understand(text)
    assert understanding.safety.action == "ask" and understanding.safety.layer == "nlu"
    film = SentenceNlu("overdose", 0.7)
    quiet = await Understander(film).understand(
        "In the film the character takes an overdose. My daughter had to leave the room.")
    assert not quiet.safety.crisis



async def test_a_crisis_told_as_over_does_not_silence_a_sentence_of_today() -> None:
    """Round 12: a story dated in the past and said to be over is believed for what it tells, and no
    further: a sentence of today that Rasa reads as risk speaks as usual, as after an ended medical
    event. The dated sentences themselves stay untrusted to Rasa."""

    class Gun(SentenceNlu):
        async def parse(self, text: str) -> NluResult:
            self.read.append(text)
            if "gun" in text.lower():
                return result(("crisis_unsafe", 0.7), ("worry", 0.3))
            if "ribs" in text.lower():
                return result(("crisis_unsafe", 0.95), ("worry", 0.05))
            return result(("worry", 0.9), ("crisis_unsafe", 0.05))

    text = ("My husband broke two of my ribs in 2020. We did counselling, he's been okay since. "
            "Last week he held his gun to my head in the kitchen.")
    understanding = await Understander(Gun("")).understand(text)
    assert understanding.net.reassurance == "past"
    assert understanding.safety.crisis and understanding.safety.layer == "nlu"
    over = await Understander(Gun("")).understand(
        "My husband broke two of my ribs in 2020. We did counselling, he's been okay since.")
    assert over.safety.action == "none" and over.safety.reassured
