"""Layer 1 alone: every pattern's example fires, guards hold, negation and past ask gently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.crisis_net import PATTERNS_PATH, CrisisNet, default_net
from nlu.text_normalise import normalise

SPEC = yaml.safe_load(PATTERNS_PATH.read_text(encoding="utf-8"))
NET = default_net()

PATTERN_EXAMPLES = [(p["id"], p["kind"], p["level"], ex) for p in SPEC["patterns"] for ex in p["examples"]]
GUARD_EXAMPLES = [(g["id"], ex) for g in SPEC["guards"] for ex in g["examples"]]


@pytest.mark.parametrize(("pattern_id", "kind", "level", "text"), PATTERN_EXAMPLES)
def test_every_pattern_example_fires(pattern_id: str, kind: str, level: str, text: str) -> None:
    verdict = NET.check(text)
    assert (verdict.kind, verdict.level) == (kind, level), (pattern_id, verdict)


@pytest.mark.parametrize(("guard_id", "text"), GUARD_EXAMPLES)
def test_every_guard_example_is_neutral(guard_id: str, text: str) -> None:
    assert NET.check(text).level == "none", guard_id


# Written for this test, not copied from the pattern file.
MUST_CATCH = [
    ("i honestly dont want to be alive anymore", "self_harm"),
    ("I WANNA DIEEEE", "self_harm"),
    ("thinking about killing myslef tonight", "self_harm"),
    ("my wife and kids would be better off if i was gone", "self_harm"),
    ("i've got a stash of my sleeping tablets saved up", "self_harm"),
    ("sometimes i think about driving my car into a tree on the way home", "self_harm"),
    ("i keep cutting my arms when she's asleep", "self_harm"),
    ("i just want to go to sleep and never wake up", "self_harm"),
    ("im so scared ill hurt the baby when she wont stop crying", "harm_others"),
    ("i smacked my daughter so hard today", "harm_others"),
    ("i don't trust myself around my son right now", "harm_others"),
    ("if i go i'm taking my son with me", "harm_others"),
    ("my ex strangled me in front of our daughter", "unsafe_home"),
    ("he said he'd kill us all if we leave", "unsafe_home"),
    ("i'm terrified to go home tonight", "unsafe_home"),
    ("my husband beats the kids when he drinks", "unsafe_home"),
    ("she's not breathing please", "medical"),
    ("he took a whole packet of paracetamol", "medical"),
    ("the seizure has been going for ten minutes and won't stop", "medical"),
    ("my toddler drank some bleach", "medical"),
    ("he's unresponsive after the hypo", "medical"),
    ("my daughter told me she wants to kill herself", "child_at_risk"),
    ("found cuts on my son's arms last night", "child_at_risk"),
    ("my 14yo has been self harming for months", "child_at_risk"),
    ("he left a suicide note on his desk", "child_at_risk"),
    ("my teen said she'd rather be dead than go back to hospital", "child_at_risk"),
    ("my boy keeps googling how to die", "child_at_risk"),
    ("She’s been hurting herself on purpose", "child_at_risk"),
    ("Ça suffit, je... i want to end my life", "self_harm"),
    ("long day. appointments. forms. i think i'm going to end it tonight. sorry", "self_harm"),
]
MUST_NOT_TRIGGER = [
    "this laundry is killing me",
    "dying for a nap honestly",
    "i'm dead tired after the night shift",
    "killing time in the waiting room again",
    "that chocolate cake was to die for",
    "i nearly died laughing at his joke",
    "my phone died so i missed the call",
    "i could murder a cup of tea",
    "she'll kill me if i forget her ipad",
    "i'm going to kill my husband if he forgets the prescription again lol",
    "the kids overdosed on sugar at the party",
    "we watched a documentary about a teen who took her own life",
    "she has a lumbar puncture tomorrow morning",
    "he had a seizure last week and the neurologist changed his meds",
    "my grandma died last year and i still miss her",
    "the cat killed a bird in the garden",
    "my feet are killing me after the ward round",
    "the paperwork will be the death of me",
    "he asked me if he's going to die and i didn't know what to say",
    "i haven't had time to breathe all day",
    "the school is breathing down my neck about attendance",
    "another deadline at work and two appointments",
    "we got the blue badge today",
    "he's so tired after chemo, he just lies there",
    "she cried all through the blood test",
    "i'm exhausted and overwhelmed but i'm ok",
    "the consultant says his counts are dropping",
    "i hurt my back lifting her wheelchair",
    "counting carbs for his insulin is killing me",
    "i shouted at him and i feel awful",
]


@pytest.mark.parametrize(("text", "kind"), MUST_CATCH)
def test_catches(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "crisis" and verdict.kind == kind, verdict


@pytest.mark.parametrize("text", MUST_NOT_TRIGGER)
def test_does_not_trigger(text: str) -> None:
    assert NET.check(text).level == "none", NET.check(text)


@pytest.mark.parametrize(
    "text",
    ["back in 2015 i tried to kill myself", "i can't go on like this", "what's the point of any of it",
     "he used to hit me", "i don't think i'm suicidal?? i just can't go on like this"],
)
def test_negation_past_and_hopelessness_ask_gently(text: str) -> None:
    """Softened risk with no statement that it is over, or real ambiguity: the safety question."""
    verdict = NET.check(text)
    assert verdict.level == "check" and verdict.kind is not None and not verdict.reassured


FRAME_EXAMPLES = [(f["id"], f["kind"], f["level"], ex) for f in SPEC.get("frames", []) for ex in f["examples"]]


@pytest.mark.parametrize(("frame_id", "kind", "level", "text"), FRAME_EXAMPLES)
def test_every_frame_example_fires_its_kind(frame_id: str, kind: str, level: str, text: str) -> None:
    """A frame's example is caught at least as strongly as the frame says, as its kind (a fixed
    pattern may catch it too: the frames are for what the patterns did not foresee)."""
    verdict = NET.check(text)
    assert verdict.kind == kind and verdict.level in ({"crisis"} if level == "crisis" else {"check", "crisis"}), \
        (frame_id, verdict)


@pytest.mark.parametrize(
    "text",
    ["we did the glucagon as per the plan and she came up within fifteen minutes",
     "I'm hiding in the utility room with a biscuit, his ADHD meds haven't kicked in",
     "he climbed onto the garage roof to prove his blood sugar was fine",
     "I'll do it tomorrow, the forms can wait",
     "my pills are ready in the organiser for this week"],
)
def test_frames_do_not_fire_on_everyday_words(text: str) -> None:
    assert NET.check(text).level == "none", NET.check(text)


SAFETY_EXAMPLES = [(g["id"], ex) for g in SPEC["safety"] for ex in g["examples"]]


@pytest.mark.parametrize(("safety_id", "text"), SAFETY_EXAMPLES)
def test_every_safety_statement_example_is_believed(safety_id: str, text: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassured, (safety_id, verdict)
    assert not any(s.trusted for s in verdict.segments), "Rasa must not be trusted on a safety statement"


@pytest.mark.parametrize(
    "text",
    ["I used to feel suicidal years ago, I'm ok now", "im not suicidal, just so tired",
     "No thoughts of harming myself or anyone. Just lonely tonight.",
     "three years ago i took an overdose. i got help and we're doing ok now",
     "i would never ever hurt my son, i just needed to say how angry i am",
     # Round 7: a couple of years back, "<n> yrs since", and a postnatal illness date a story too.
     "a couple of years back i kept thinking about ending it. therapy helped and i'm doing well now",
     "4 yrs since my ex last hit me. the kids and i are settled and safe now",
     "when i had postnatal depression i had scary thoughts about hurting the baby. i got treatment and he's 6 now"],
)
def test_explicit_safety_and_past_crisis_over_are_believed(text: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassured, verdict


@pytest.mark.parametrize(
    ("text", "kind"),
    [("i'm not suicidal but i've been saving my pills", "self_harm"),
     ("Not suicidal. I have a rope in the garage for tonight though", "self_harm"),
     ("i got help years ago. now i want to kill myself again", "self_harm"),
     ("a couple of years back i got through it. tonight i'm going to take all my pills", "self_harm"),
     ("when i had pnd i got help, but now i keep picturing smothering him and i have to leave the room",
      "harm_others"),
     ("back in 2019 i got help but now i want to kill myself again", "self_harm"),
     ("i'm safe but he said he'd kill us all if we leave", "unsafe_home")],
)
def test_a_safety_statement_does_not_hide_risk_told_plainly(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "crisis" and verdict.kind == kind, verdict


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Back in 2020 my daughter attempted suicide with her sleeping tablets. We were in the ICU for two days. "
      "It was the worst time for our family. Now she is 19 and studying and she volunteers at a helpline.", "past"),
     ("When my first husband was still around he would get drunk and hit me. We left in 2015 and we've been "
      "safe for years.", "past"),
     ("the nurse asked if i'd had thoughts of killing myself and i said no and meant it. just exhausted", "safety"),
     ("I dey fine o, no be say I wan harm myself, na just tiredness", "safety"),
     ("He had a big seizure in the car, he went blue for a bit. It stopped by itself after three minutes and "
      "he came round fine. A&E checked him and we were sent home the same night.", "resolved"),
     ("Toddler chewed one of my antihistamines. Poison line said one is not dangerous for her weight.", "resolved")],
)
def test_a_story_that_is_over_or_an_event_that_ended_is_believed(text: str, reason: str) -> None:
    """The date of a story is given once, anywhere in it; an ended medical event covers what was told
    of it; a reported "no" to screening questions is a statement of safety."""
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassured and verdict.reassurance == reason, verdict


@pytest.mark.parametrize(
    ("text", "kind"),
    [  # a diagnosis years ago is not a story that is over
     ("She was diagnosed in 2019. She has taken a whole packet of paracetamol.", "medical"),
     ("He tried to hang himself with his school tie, his brother cut him down. He's ok now.", "child_at_risk"),
     # an event that ended, then one that has not
     ("he came round fine after the first seizure. now he's having another and his lips are blue", "medical"),
     # a mock threat is figurative only until the parent says they mean it
     ("I might kill him if he screams one more time, i mean it, i'm scared", "harm_others")],
)
def test_reassurance_never_hides_risk_of_today(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level in ("crisis", "check") and verdict.kind == kind and not verdict.reassured, verdict


def test_something_swallowed_is_not_over_because_the_child_says_she_is_fine() -> None:
    """Paracetamol harms hours after a child "feels totally fine": only a professional's word covers it."""
    text = ("She just told me she took a load of paracetamol at 4 o'clock, maybe 20. "
            "She says she feels fine now and it was stupid. She's eating toast.")
    verdict = NET.check(text)
    assert verdict.segments[0].trusted and not verdict.reassured, verdict
    cleared = ("Toddler chewed one of my antihistamines. We rang 111 and they said one is not dangerous "
               "for her weight, she's back to herself.")
    assert NET.check(cleared).reassurance == "resolved"


def test_a_statement_in_a_dictated_run_on_covers_nothing_else() -> None:
    """Dictated text has no full stops: one "sentence" of eighty words is not one statement."""
    text = ("right my question is about the carers allowance because i need to move out and i dont no if "
            "i lose it my wife has been violent for years and tonight she stabbed me in the hand with a fork "
            "and locked me and our son out in the garden and shes got both our phones do i need to tell "
            "carers allowance if i change address")
    verdict = NET.check(text)
    assert not verdict.reassured and all(s.trusted for s in verdict.segments), verdict


@pytest.mark.parametrize(
    "text",
    ["whats the quickest way to die that wont hurt",
     "It's not the kids I'd hurt, it's the lad next door. I know where he walks.",
     "I don't know if I can stop myself hurting him tonight"],
)
def test_negations_that_are_risk_are_never_a_statement_of_safety(text: str) -> None:
    """Whatever the net makes of these itself, Rasa must stay free to read every sentence."""
    verdict = NET.check(text)
    assert not verdict.reassured and all(s.trusted for s in verdict.segments), verdict


def test_risk_buried_in_a_long_message_is_found() -> None:
    filler = "we had three appointments and the pharmacy lost the prescription again. " * 70
    text = filler + "honestly i want to kill myself. " + filler
    assert len(text) > 10_000
    assert NET.check(text).level == "crisis"


def test_empty_and_whitespace() -> None:
    assert NET.check("").level == "none" and NET.check("   \n ").level == "none"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("I’M SOOOO DONE", "i'm so done"), ("dont", "don't"), ("Killll myslef", "kill myself"),
     ("suicdal", "suicidal"), ("niño está sangrando", "nino esta sangrando"), ("wanna", "want to"),
     ("my self", "myself")],
)
def test_normalise(raw: str, normal: str) -> None:
    assert normalise(raw) == normal


def test_broken_pattern_file_names_the_pattern_and_field(tmp_path: Path) -> None:
    broken = dict(SPEC)
    broken["patterns"] = [dict(SPEC["patterns"][0], id="oops", kind="bad_kind")]
    path = tmp_path / "patterns.yml"
    path.write_text(yaml.safe_dump(broken))
    with pytest.raises(ValueError, match=r"patterns\[oops\]\.kind"):
        CrisisNet.from_file(path)


def test_bad_regex_fails_loudly(tmp_path: Path) -> None:
    broken = dict(SPEC)
    broken["patterns"] = [dict(SPEC["patterns"][0], id="oops", regex="(unclosed")]
    path = tmp_path / "patterns.yml"
    path.write_text(yaml.safe_dump(broken))
    with pytest.raises(ValueError, match=r"patterns\[oops\]\.regex"):
        CrisisNet.from_file(path)


def test_the_words_of_a_denial_are_not_risk_in_a_long_sentence() -> None:
    """A denial in a sentence too long to be a statement of safety still speaks for its own words."""
    text = ("i'm safe, not having any thoughts of hurting myself or anyone, i'm only saying that because the "
            "last app i tried kept giving me helpline numbers every time i typed the word tired")
    assert len(text.split()) > 30
    assert NET.check(text).level == "none"


def test_a_denial_in_a_long_sentence_does_not_cover_risk_after_it() -> None:
    text = ("not having any thoughts of hurting myself honestly its just that the pharmacy lost the "
            "prescription again and the school rang twice and i have the rope in the garage for tonight")
    assert len(text.split()) > 30
    alone = NET.check("i have the rope in the garage for tonight")
    assert alone.level != "none"
    assert NET.check(text).level == alone.level


def test_a_dose_twice_is_risk_but_checking_a_door_twice_is_not() -> None:
    assert NET.check("i think eli got his lantus twice tonight, my wife did it at 8.30 as well").level == "crisis"
    assert NET.check("he's settled on his meds now, i still check the door twice at night").level == "none"


@pytest.mark.parametrize(
    "text",
    [("Last winter I really wasn't coping, I'd sit in the car and think about driving into a wall. That's gone now, "
      "the meds and the respite made a massive difference."),
     "I was in a really dark place last spring. I'm out of it now but I'd like you to check in once a week.",
     "In 2020 I had very bad depression and attempted to end my life, now I am on treatment and stable.",
     "years ago i used to cut. not for a long time now, i just worry about my daughter",
     "I had thoughts of harming myself after his diagnosis, years ago. I've been well for years."],
)
def test_the_ways_of_saying_a_crisis_is_over_are_heard(text: str) -> None:
    """Round 9: "that's gone now", "I'm out of it now", "on treatment and stable", "not for a long
    time", "I've been well for years" say the crisis told in the past is over."""
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassurance == "past", verdict


@pytest.mark.parametrize(
    ("text", "kind"),
    [("years ago i used to cut, that's all gone now. but tonight i want to kill myself", "self_harm"),
     ("years ago i used to cut, that's all gone now. but tonight i've got the blade out again", "self_harm"),
     ("two years ago i tried to kill myself. i've been well for years but now i want to die again", "self_harm")],
)
def test_a_crisis_said_to_be_over_does_not_cover_risk_today(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level != "none" and verdict.kind == kind and not verdict.reassured, verdict


@pytest.mark.parametrize(
    ("quiet", "risk", "kind"),
    [  # "no one around me" is loneliness; "no one around" to find you is a window
     ("feel so alone in this. no one around me gets it",
      "no one around till monday so i'll do it then", "self_harm"),
     # posting one's own pictures online is not a child being groomed
     ("feel like such a fake posting happy pics online when i was yelling at him 10 min before",
      "an older man online keeps asking her for pics", "child_at_risk"),
     # "can't stop thinking" is not bleeding that won't stop
     ("cant stop thinking about her blood results tomorrow the nurse sounded weird",
      "she's bleeding from her trach and i can't stop it", "medical"),
     # a child's self-harm being treated is not the parent's own
     ("now my own daughter is under camhs for self harm and i feel i passed it on",
      "i'm self harming again", "self_harm")],
)
def test_wide_frames_keep_their_risk_and_lose_the_everyday_sense(quiet: str, risk: str, kind: str) -> None:
    """Round 9, from the net's alarms on the training data's non-crisis messages: each change keeps the
    risk sense of its words."""
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level != "none" and verdict.kind == kind, verdict


@pytest.mark.parametrize(
    "text",
    ["the self harm is a chapter thats closed. but feeds every 3 hrs and a toddler who wont sleep, thats what im drowning in",
     "idk why im sad today. the dark stuff is over, havent self harmed since 2022. just sad ig",
     "Im years past the self harm days, thats behind me, but today I just feel heavy and sad about everything",
     "Hello. I had a breakdown in 2021 and was admitted for suicidal thoughts. I'm much better since, I see the doctor every three months."],
)
def test_more_ways_of_saying_a_crisis_is_over_are_heard(text: str) -> None:
    """Round 10, from the net's alarms on the training data's look-alikes: "a chapter that's closed",
    "the dark stuff is over", "years past", "I'm much better" date the crisis and say it is over; risk
    words told before a turn to today ("..., but today") belong to the dated part."""
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassurance == "past", verdict


@pytest.mark.parametrize(
    ("text", "kind"),
    [("the self harm days are behind me. but tonight i've got the blade out again", "self_harm"),
     ("years past the worst of it, but now i want to die and i have the pills ready", "self_harm"),
     ("i want all that over, i've got the rope in the garage", "self_harm"),
     ("back in 2019 i got help, but now i want to kill myself", "self_harm")],
)
def test_risk_after_the_turn_to_today_still_speaks(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level != "none" and verdict.kind == kind and not verdict.reassured, verdict


@pytest.mark.parametrize(
    ("quiet", "risk", "kind"),
    [  # the subject of the blow in another clause: "he's autistic, the shoes hurt him"
     ("Lost my temper over his shoes. He's autistic, the shoes hurt him, and I still shouted.",
      "he hit me again last night", "unsafe_home"),
     # "sick of" is fed up, not vomiting with high sugars
     ("so sick of relatives telling me adhd is just bad parenting and too much sugar",
      "ketones are 4.2 and he's been sick three times", "medical")],
)
def test_round_10_frames_keep_their_risk_and_lose_the_everyday_sense(quiet: str, risk: str, kind: str) -> None:
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level != "none" and verdict.kind == kind, verdict


@pytest.mark.parametrize(
    ("quiet", "risk", "level", "kind"),
    [  # a threat to the parent's life said without "kill", by a partner named without "my"
     ("he said the meeting won't end before 6 so i'll be late for pick up",
      "husband has all the money and our passports and says ill never leave alive", "crisis", "unsafe_home"),
     # marks on one's own neck are what strangling leaves; a seat belt's or a monitor's are not
     ("bruises on my neck from the seatbelt after the crash last week, all checked at a&e",
      "the marks are on my neck this time so i cant take jamie to physio tomorrow, theyll ask", "check", "unsafe_home"),
     # giving all the morning doses at once is logistics; the rest of the bottle is an overdose
     ("i was thinking about giving her all her meds at once in the morning instead of splitting them",
      "honestly i have been thinking about crushing the rest of his seizure meds into his juice", "crisis", "harm_others"),
     ("im thinking about melatonin so she would just sleep through the night for once",
      "keep picturing giving her enough of her insulin so she'd never wake up", "crisis", "harm_others")],
)
def test_round_11_frames_keep_their_risk_and_lose_the_everyday_sense(quiet: str, risk: str, level: str, kind: str) -> None:
    """Round 11, from the issue's families (a threat told as "you'll never leave alive", violence told
    by its marks, a parent's plan told by its means) and each one's everyday neighbour."""
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level == level and verdict.kind == kind, verdict


@pytest.mark.parametrize(
    "text",
    ["my son overdosed at 15. he's 20 now and doing amazing but i still check on him sleeping when he visits",
     "he tried to kill himself at 12. hes 15 now and doing really well but every time he looks sad i spiral"],
)
def test_a_crisis_told_at_a_younger_age_than_today_is_over(text: str) -> None:
    """Round 11: "at 15 ... he's 20 now" dates the story as surely as "five years ago"."""
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassurance == "past", verdict


@pytest.mark.parametrize(
    ("text", "kind"),
    [("she took 20 of my pills at 11. shes sleeping now", "medical"),  # a time of day, no age today
     ("my son tried to hang himself at 15. he is 15 now, it was last night", "child_at_risk")],  # the same age
)
def test_an_age_dates_nothing_without_an_older_age_today(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "crisis" and verdict.kind == kind, verdict


@pytest.mark.parametrize(
    ("text", "reason"),
    [("She overdosed last spring but she's doing so much better now, eating, sleeping, laughing.", "past"),
     ("my daughter was in a psych unit for suicidal thoughts last year. she's home, stable, and asked for a sleepover", "past"),
     ("our son ran away twice last year, since the new meds nothing for 11 months. scared to jinx it", "past"),
     ("When my son was a newborn I had intrusive thoughts about hurting him. The perinatal team helped me.", "past"),
     ("Safe and sound, no dark thoughts, just FURIOUS at the insurance company", "safety"),
     ("not self harming, not planning anything, just flat. everything's gone grey since his diagnosis", "safety")],
)
def test_round_12_ways_of_saying_it_is_over_or_safe(text: str, reason: str) -> None:
    """Round 12, from the recorded round-11 set's alarms (now training data): "doing so much better",
    "home, stable", "nothing for 11 months", "when my son was a newborn", "the perinatal team helped",
    "no dark thoughts"; and "everything's gone grey" is a mood, not a colour."""
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassurance == reason, verdict


@pytest.mark.parametrize(
    ("quiet", "risk", "kind"),
    [("the bag leaked in the supermarket and i wanted to die on the spot", "i want to die, i have the pills", "self_harm"),
     ("nearly killed myself laughing at what she told the consultant", "i'm going to kill myself tonight", "self_harm"),
     ("everything's gone grey since his diagnosis", "he went grey and floppy and isnt breathing right", "medical")],
)
def test_round_12_figures_of_speech_are_quiet_and_the_risk_stays(quiet: str, risk: str, kind: str) -> None:
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level == "crisis" and verdict.kind == kind, verdict


def test_a_denial_with_an_exception_is_not_a_statement_of_safety() -> None:
    verdict = NET.check("no dark thoughts except the one about the bridge")
    assert verdict.level != "none" and not verdict.reassured, verdict


@pytest.mark.parametrize(
    ("quiet", "risk", "level", "kind"),
    [("how much calpol is too much for a 4 year old", "how many sleeping tablets would be lethal", "check", "self_harm"),
     ("my husband will have to manage without me from monday while i'm in for my op",
      "the funeral plans paid up and the passwords are in the blue folder so tom can manage without me from monday",
      "check", "self_harm"),
     ("i put a cushion behind his back so he can sit in the bath", "one more meltdown and im putting the cushion over his face",
      "crisis", "harm_others"),
     ("we moved the car seat into my car for now", "we've moved into the car for now, can't risk him finding us at mum's",
      "crisis", "unsafe_home")],
)
def test_round_12_frames_keep_their_risk_and_lose_the_everyday_sense(quiet: str, risk: str, level: str, kind: str) -> None:
    """Round 12, from the recorded round-11 set's misses (now training data): the amount that kills asked
    as a dosing question, affairs put in order, a cushion over a face, a family living in the car."""
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level == level and verdict.kind == kind, verdict


@pytest.mark.parametrize(
    ("quiet", "risk"),
    [("i'm gonna jump off a bridge if they move the appointment again lol not really", "i want to kill myself and i'm not joking"),
     ("i want to die of this paperwork, kidding, mostly", "i want to die and i dont think i'm kidding anymore")],
)
def test_a_wish_taken_back_in_the_same_breath_is_a_figure_of_speech(quiet: str, risk: str) -> None:
    assert NET.check(quiet).level == "none", NET.check(quiet)
    assert NET.check(risk).level == "crisis", NET.check(risk)


@pytest.mark.parametrize(
    "text",
    ["she self harmed all through year 9, she's in year 12 now and hasn't for over a year. i still check her arms",
     "my son was cutting in year 8, it stopped after we moved schools. hes in year 11 now.",
     "18 months clean today from cutting myself, nobody irl knows so telling you",
     "when we lived in leeds my ex strangled me in front of our daughter. we've been in scotland 4 years now and she's thriving at school.",
     "Before the divorce there were nights I hid in the bathroom with the kids while he smashed things. That's all over."],
)
def test_round_12_a_crisis_placed_in_the_past_by_a_school_year_a_place_or_a_clean_streak(text: str) -> None:
    """Round 12, from dev set 5 (past and present): school years compared as ages are, "when we lived
    in", "before the divorce", "18 months clean", "it stopped after"."""
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassurance == "past", verdict


@pytest.mark.parametrize(
    ("text", "kind"),
    [("he's in year 9 now and since year 7 he has been cutting, last night he cut himself deep", "child_at_risk"),
     ("i've started cutting again after 8 years clean, since his epilepsy got worse, and i cant stop", "self_harm")],
)
def test_round_12_a_relapse_or_a_later_year_is_today(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "crisis" and verdict.kind == kind, verdict
