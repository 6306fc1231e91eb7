"""Layer 1 of the safety stack: a deterministic net of risk expressions.

It runs on every message before anything else and alone when Rasa is unreachable, so it must
be fast, predictable and reviewable: each language's patterns live in
`nlu/patterns/<lang>/crisis.yml`, each with an example that the tests fire, beside the language's
grammar (how sentences split, what negates, what reports the past) and its normal form, so the
machinery here knows no language. The net reads sentence by sentence; figurative idioms are blanked
out first ("this laundry is killing me"), then a negated or reported-past sentence downgrades a
match to a gentle question, and a sentence about a film or the news without first-person risk
drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nlu.intents import CrisisKind
from nlu.text_normalise import Normaliser

Level = Literal["none", "check", "crisis"]
#: Why a message is believed safe: the parent said so, the crisis it tells is over, or the medical
#: event it reports has resolved. The coach's one line differs for each.
Reassurance = Literal["safety", "past", "resolved"]
PATTERNS_DIR = Path(__file__).with_name("patterns")


def patterns_path(language: str = "en") -> Path:
    """A language's crisis patterns: `nlu/patterns/<lang>/crisis.yml`."""
    return PATTERNS_DIR / language / "crisis.yml"


PATTERNS_PATH = patterns_path("en")

#: Most urgent, most specific first (see the header of the pattern files).
PRIORITY: tuple[CrisisKind, ...] = (CrisisKind.MEDICAL, CrisisKind.CHILD_AT_RISK, CrisisKind.HARM_OTHERS,
                                    CrisisKind.SELF_HARM, CrisisKind.UNSAFE_HOME)
_LEVEL_RANK = {"none": 0, "check": 1, "crisis": 2}
#: A sentence this short that reports the past ("that was 2019.") dates the sentence before it.
SHORT_DATING_WORDS = 6
#: A statement of safety, or a resolution, covers a sentence only up to this length: dictated text
#: with no full stops is one "sentence" of a hundred words, most of which the statement never meant.
STATEMENT_WORDS = 30

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: CrisisKind
    level: Literal["check", "crisis"]
    regex: str | list[str]
    examples: list[str] = Field(min_length=1)
    format_macro: str | None = None
    description: str | None = None
    #: True when the pattern's own words are negative ("not breathing", "don't want to be here");
    #: otherwise a negation inside the match ("he has never hit me") asks instead of handing off.
    negation_is_risk: bool = False


class FrameSpec(_Strict):
    """A compositional risk frame: who x harm x means or plan x time. Every slot must be found in
    the same sentence, in any order ("sunday is when i'm doing it" = time + act + first person), so
    one frame covers wordings no fixed phrase foresaw. Slots may name macros as {NAME}."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: CrisisKind
    level: Literal["check", "crisis"]
    slots: list[str] = Field(min_length=1)
    #: True when a slot's own words are negative ("won't stop", "don't trust myself", "not allowed
    #: out"): only a statement of safety in the sentence then softens the frame.
    negation_is_risk: bool = False
    examples: list[str] = Field(min_length=1)
    description: str | None = None


class GuardSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    regex: str
    examples: list[str] = Field(min_length=1)
    description: str | None = None


class SafetySpec(GuardSpec):
    #: What the statement says: "i'm safe" (safety) or "that was years ago and i got help" (past).
    reason: Literal["safety", "past"] = "safety"


class GrammarSpec(_Strict):
    """How a language is read: where sentences split, what negates, what reports the past."""

    sentences: str
    negation: str
    negated_phrase: str
    inner_negation: str
    past: str
    media: str
    first_person_risk: str
    #: Death and danger talked about as part of the illness (hospice, resuscitation plans, grief, a
    #: risky operation explained): Rasa alone may then ask, never hand off.
    illness_context: str | None = None
    #: Marks of the present ("now", "tonight", "again", "i'm", "is"): a story told in the past goes on
    #: sentence after sentence until one of these brings it back to today.
    present: str | None = None
    #: A turn to today inside one sentence ("but now", "but lately"): what a date or a statement of
    #: safety says before it does not speak for the sentence.
    turn_to_today: str | None = None
    #: Life going on well after a crisis ("he's at college now", "four years clean", "glad to be
    #: here"). With a reported past in the same message, it says the crisis told is over.
    recovered: str | None = None
    #: A medical event that has ended ("came round", "back to normal", "discharged", "they said it
    #: was fine"): the event told before it is over, unless a sentence brings it back to today.
    resolved: str | None = None
    #: A professional cleared the event: only then does a resolution cover what was swallowed.
    cleared: str | None = None
    #: Something swallowed or a dose: harm that can come hours after the child "seems fine".
    ingestion: str | None = None
    #: Negations that are themselves risk ("i can't promise", "no way out", "not an intrusive
    #: thought any more"): a sentence holding one is never read as a statement of safety.
    safety_blockers: str | None = None
    #: An age or a school year in the past ("he tried at 12", group `age`; "all through year 9", group
    #: `grade`) and today ("he's 15 now", "she's in year 12 now"): a sentence told at a younger age, or
    #: an earlier school year, than the one given for today is told in the past (ages are compared with
    #: ages, years with years). A bare "at 12" is as often a time of day, so it dates nothing without
    #: an older age today.
    age_then: str | None = None
    age_now: str | None = None


class NormaliseSpec(_Strict):
    words: dict[str, str] = Field(default_factory=dict)
    rewrites: list[tuple[str, str]] = Field(default_factory=list)


class PatternFile(_Strict):
    grammar: GrammarSpec
    normalise: NormaliseSpec = Field(default_factory=NormaliseSpec)
    macros: dict[str, str] = Field(default_factory=dict)
    guards: list[GuardSpec]
    #: First-person statements of safety, or of a crisis that is over ("i'm not suicidal", "i got
    #: help and i'm ok now"). They are believed: risk words the net softened (negated or past) in
    #: such a message are dropped instead of asked about, and Rasa is not trusted on those sentences.
    safety: list[SafetySpec] = Field(default_factory=list)
    patterns: list[PatternSpec] = Field(min_length=1)
    frames: list[FrameSpec] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _unique_ids(cls, value: list[PatternSpec]) -> list[PatternSpec]:
        ids = [p.id for p in value]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate pattern ids: {sorted(duplicates)}")
        return value


@dataclass(frozen=True)
class Segment:
    """One sentence or clause of a message, in normal form, as the net read it."""

    text: str
    #: False when the net set this sentence aside (a figurative idiom, a media context) or the
    #: message states safety: a crisis intent that Rasa finds here alone must not raise an alarm.
    trusted: bool = True


@dataclass(frozen=True)
class NetVerdict:
    level: Level
    kind: CrisisKind | None
    pattern_id: str | None
    #: A figurative idiom or a media context was recognised (and set aside) in the message.
    guarded: bool = False
    segments: tuple[Segment, ...] = ()
    #: The message talks about death or danger as part of the child's illness (see the grammar).
    illness_context: bool = False
    #: Why the message was believed safe, when it was.
    reassurance: Reassurance | None = None
    #: The language whose net gave this verdict.
    language: str = "en"

    @property
    def reassured(self) -> bool:
        """The parent stated they are safe (or that a crisis is over), and the net believed it."""
        return self.reassurance is not None


NONE = NetVerdict("none", None, None)


@dataclass(frozen=True)
class _Hit:
    level: Level
    kind: CrisisKind
    pattern_id: str
    softened: bool  # negated or reported past


@dataclass
class _Read:
    """One sentence as the net read it."""

    text: str
    hits: list[_Hit]
    guarded: bool
    safe: Reassurance | None  # the sentence states safety, or that a crisis is over
    past: bool  # the sentence itself reports the past
    present: bool  # the sentence speaks of today
    recovered: bool
    resolved: bool
    ingestion: bool = False
    # Dated before a turn to today ("years past the self harm days, but today i'm just sad"): risk
    # words before the turn are told in the past; what follows the turn is today.
    past_before_turn: bool = False
    told_past: bool = False  # part of a story told in the past (set after the whole message is read)
    dated: bool = False  # dated by the short sentence after it ("that was 2019.")


def _scaled(match: re.Match[str]) -> tuple[str, int]:
    """An age or a school year from `age_then` / `age_now`: the named group that matched, and its
    number. Ages are compared with ages and school years with school years, never across."""
    scale, value = next((k, v) for k, v in match.groupdict().items() if v is not None)
    return scale, int(value)


def _expand(source: str, macros: dict[str, str]) -> str:
    """A frame slot with its {NAME} macros written out."""
    return re.sub(r"\{([A-Z_]+)\}", lambda m: macros[m.group(1)], source)


def _optional(source: str | None) -> re.Pattern[str] | None:
    return re.compile(source) if source else None


@dataclass(frozen=True)
class _Compiled:
    id: str
    kind: CrisisKind
    level: Level
    regexes: tuple[re.Pattern[str], ...]
    negation_is_risk: bool = False


class CrisisNet:
    def __init__(self, spec: PatternFile, language: str = "en") -> None:
        self.spec = spec
        self.language = language
        grammar = spec.grammar
        self.sentences = re.compile(grammar.sentences)
        self.negation = re.compile(grammar.negation)
        self.negated_phrase = re.compile(grammar.negated_phrase)
        self.inner_negation = re.compile(grammar.inner_negation)
        self.past = re.compile(grammar.past)
        self.media = re.compile(grammar.media)
        self.first_person_risk = re.compile(grammar.first_person_risk)
        self.illness_context = _optional(grammar.illness_context)
        self.present = _optional(grammar.present)
        self.turn_to_today = _optional(grammar.turn_to_today)
        self.recovered = _optional(grammar.recovered)
        self.resolved = _optional(grammar.resolved)
        self.safety_blockers = _optional(grammar.safety_blockers)
        self.cleared = _optional(grammar.cleared)
        self.ingestion = _optional(grammar.ingestion)
        self.age_then = _optional(grammar.age_then)
        self.age_now = _optional(grammar.age_now)
        self.normalise = Normaliser(spec.normalise.words, spec.normalise.rewrites)
        self.guards = tuple(re.compile(g.regex) for g in spec.guards)
        self.safety = tuple((re.compile(g.regex), g.reason) for g in spec.safety)
        compiled = []
        for p in spec.patterns:
            sources = [p.regex] if isinstance(p.regex, str) else list(p.regex)
            if p.format_macro:
                macro = spec.macros[p.format_macro]
                sources = [s.replace("%s", macro) for s in sources]
            compiled.append(_Compiled(p.id, p.kind, p.level, tuple(re.compile(s) for s in sources),
                                      p.negation_is_risk))
        self.patterns = tuple(compiled)
        self.frames = tuple(
            _Compiled(f.id, f.kind, f.level, tuple(re.compile(_expand(slot, spec.macros)) for slot in f.slots),
                      f.negation_is_risk)
            for f in spec.frames
        )

    @classmethod
    def from_file(cls, path: Path | None = None) -> CrisisNet:
        return cls(_read_spec(path or PATTERNS_PATH))

    @classmethod
    def for_language(cls, language: str) -> CrisisNet:
        return cls(load_spec(language), language)

    @staticmethod
    def _compile_check(p: PatternSpec, macros: dict[str, str]) -> None:
        sources = [p.regex] if isinstance(p.regex, str) else p.regex
        for source in sources:
            re.compile(source.replace("%s", macros.get(p.format_macro or "", "")))

    # -- reading ------------------------------------------------------------------------------------
    def _blank_guards(self, sentence: str) -> str:
        for guard in self.guards:
            sentence = guard.sub(" ~ ", sentence)
        return sentence

    def _negated_before(self, cleaned: str, start: int) -> bool:
        """A negation just before `start`, in the same clause ("i'm not going to | hurt him")."""
        clause = re.split(r"[,:]", cleaned[:start])[-1]
        return bool(self.negation.search(clause)) or bool(self.negated_phrase.search(clause))

    def _read(self, sentence: str) -> _Read:
        """The hits in one sentence, and what the sentence says about safety and time."""
        cleaned = self._blank_guards(sentence)
        found: list[_Hit] = []
        media = bool(self.media.search(cleaned)) and not self.first_person_risk.search(cleaned)
        guarded = media or cleaned != sentence
        # A statement of safety speaks for its own sentence; in a run-on of dictated text it would
        # speak for a hundred words it never meant ("i don't know if i lose it my wife stabbed me").
        blocked = bool(self.safety_blockers and self.safety_blockers.search(cleaned))
        statements = [] if blocked else [(m.span(), reason) for regex, reason in self.safety
                                         if (m := regex.search(cleaned))]
        # The words of a denial are not risk ("not having any thoughts of | hurting myself"), in a
        # sentence of any length; but only a short sentence is itself a statement of safety.
        safe = statements[0][1] if statements and len(cleaned.split()) <= STATEMENT_WORDS else None
        dated = self.past.search(cleaned)
        turn = self.turn_to_today.search(cleaned) if self.turn_to_today else None
        if dated is None and (ages := self._age_turn(cleaned)) is not None:
            dated, turn = ages  # "cutting all through year 9, she's in year 12 now": today begins at "she's"
        # Where today begins in a sentence dated before a turn ("..., but now"); risk words that start
        # before it are the dated story's, those after it are today's. Without such a turn, a dated
        # sentence is told in the past as a whole.
        today_from = turn.start() if dated is not None and turn and turn.start() > dated.start() else None
        past = dated is not None and today_from is None

        def told_before_turn(start: int) -> bool:
            return today_from is not None and start < today_from
        if safe == "past" and turn and turn.start() > statements[0][0][0]:
            safe = None  # "i got help, but now..." (a denial stays a denial: "i'd never hurt him, but today...")
        for pattern in self.patterns:
            for regex in pattern.regexes:
                match = regex.search(cleaned)
                if match is None:
                    continue
                if any(start <= match.start() < end for (start, end), _ in statements):
                    break  # the risk words begin inside the statement of safety: they are its words
                level: Level = pattern.level
                negated = self._negated_before(cleaned, match.start()) or (
                    not pattern.negation_is_risk and bool(self.inner_negation.search(match.group(0))))
                softened = negated or past or told_before_turn(match.start())
                if media:
                    level = "none"
                elif level == "crisis" and softened:
                    level = "check"
                if level != "none":
                    found.append(_Hit(level, pattern.kind, pattern.id, softened))
                break
        for frame in self.frames:
            matches = [regex.search(cleaned) for regex in frame.regexes]
            if not all(matches):
                continue
            # A frame is wide: a negation before any of its slots, or a statement of safety in the
            # sentence, softens it ("i'm not going to hurt him, i just need to rant").
            negated = safe is not None or not frame.negation_is_risk and any(
                self._negated_before(cleaned, m.start()) for m in matches if m)
            softened = negated or past or told_before_turn(max(m.start() for m in matches if m))
            level = "none" if media else ("check" if frame.level == "crisis" and softened else frame.level)
            if level != "none":
                found.append(_Hit(level, frame.kind, frame.id, softened))
        return _Read(
            cleaned, found, guarded, safe, past,
            present=bool(self.present and self.present.search(cleaned)),
            recovered=bool(self.recovered and self.recovered.search(cleaned)),
            resolved=bool(self.resolved and self.resolved.search(cleaned)) and len(cleaned.split()) <= STATEMENT_WORDS,
            ingestion=bool(self.ingestion and self.ingestion.search(cleaned)),
            past_before_turn=today_from is not None,
        )

    def split(self, text: str) -> list[str]:
        """The sentences and clauses of a message in normal form, as the net reads them."""
        normal = self.normalise(text)
        return [s.strip() for s in self.sentences.split(normal) if s and s.strip()] if normal else []

    def _age_turn(self, sentence: str) -> tuple[re.Match[str], re.Match[str]] | None:
        """An earlier age or school year, then today's, in one sentence: the first dates what is told
        before the second, as a date before "but now" does."""
        if self.age_then is None or self.age_now is None:
            return None
        nows = list(self.age_now.finditer(sentence))
        for then in self.age_then.finditer(sentence):
            scale, n = _scaled(then)
            for now in nows:
                if now.start() > then.start() and _scaled(now)[0] == scale and n < _scaled(now)[1]:
                    return then, now
        return None

    def _date_by_age(self, read: list[_Read]) -> None:
        """ "My son overdosed at 15. He's 20 now and doing amazing": a sentence told at an age younger
        than the age given for today is told in the past, and its risk words are softened as a dated
        sentence's are. Without an older age today nothing is dated ("she took them at 11")."""
        if self.age_then is None or self.age_now is None:
            return
        today = [_scaled(m) for r in read for m in self.age_now.finditer(r.text)]
        if not today:
            return
        for r in read:
            if r.past or r.present:
                continue
            then = [_scaled(m) for m in self.age_then.finditer(r.text)]
            if any(scale == now_scale and n < now for scale, n in then for now_scale, now in today):
                r.past = True
                r.hits = [_Hit("check" if h.level == "crisis" else h.level, h.kind, h.pattern_id, True) for h in r.hits]

    @staticmethod
    def _date_stories(read: list[_Read]) -> None:
        """Which sentences belong to a story told in the past.

        "...and tried to take my life. That was 2019." A short sentence that only dates what came
        before reports the sentence before it as past too. And a story that starts in the past ("four
        years ago our daughter...") stays there, sentence after sentence, until one speaks of today
        ("she's 17 now", "tonight", "again")."""
        for i in range(1, len(read)):
            if read[i].past and not read[i].hits and len(read[i].text.split()) <= SHORT_DATING_WORDS:
                read[i - 1].dated = True
        in_story = False
        for sentence in read:
            if sentence.past:
                in_story = True
            elif sentence.present:
                in_story = False
            sentence.told_past = sentence.dated or sentence.past or in_story

    @staticmethod
    def _reassurance(read: list[_Read]) -> Reassurance | None:
        """Whether the message is believed safe, and why. Explicit safety first; then a crisis told
        in the past with life going on well since; then a medical event that has ended."""
        reasons = {r.safe for r in read if r.safe}
        if "safety" in reasons:
            return "safety"
        if "past" in reasons or (any(r.past or r.past_before_turn for r in read) and any(r.recovered for r in read)):
            return "past"
        if any(r.resolved for r in read):
            return "resolved"
        return None

    @staticmethod
    def _covered(read: list[_Read], reason: Reassurance | None, story: bool, cleared: bool) -> list[bool]:
        """The sentences whose risk words the reassurance speaks for: the statement itself, the story
        told in the past, or (for a resolved medical event) the event as told up to where it ended;
        what comes after the resolution, or speaks of today, is read as usual."""
        if reason is None:
            return [False] * len(read)
        if story:  # a dated story that is over: all of it, wherever its date is given, but what speaks of today
            return [bool(r.safe) or r.past or not r.present for r in read]
        if reason != "resolved":
            return [bool(r.safe) or r.told_past for r in read]
        last = max(i for i, r in enumerate(read) if r.resolved)
        # Something swallowed is covered only once a professional cleared it: "she feels totally fine"
        # hours after a handful of paracetamol is not the end of the event.
        return [((r.resolved and not r.hits) or (i <= last and not r.present)) and (cleared or not r.ingestion)
                and len(r.text.split()) <= STATEMENT_WORDS for i, r in enumerate(read)]

    def check(self, text: str) -> NetVerdict:
        return replace(self._check(text), language=self.language)

    def _check(self, text: str) -> NetVerdict:
        sentences = self.split(text)
        if not sentences:
            return NONE
        read = [self._read(sentence) for sentence in sentences]
        self._date_by_age(read)
        self._date_stories(read)
        reason = self._reassurance(read)
        story = reason == "past" and any(r.past for r in read)
        for sentence in read:
            # A sentence dated by the next one is softened like one that dates itself; so is the rest
            # of a story told in the past, but only once the message says the crisis is over: many a
            # message about today begins with a diagnosis years ago.
            if not sentence.past and (sentence.dated or (story and not sentence.present)):
                sentence.hits = [_Hit("check" if h.level == "crisis" else h.level, h.kind, h.pattern_id, True)
                                 for h in sentence.hits]
        hits: list[_Hit] = []
        segments: list[Segment] = []
        guarded = False
        cleared = bool(self.cleared and any(self.cleared.search(r.text) for r in read))
        for sentence, original, covered in zip(read, sentences, self._covered(read, reason, story, cleared), strict=True):
            # A parent who says they are safe is believed: what the net softened is not asked about,
            # nor, once a medical event has ended, the event as told before it ended.
            if reason == "resolved":
                kept = [h for h in sentence.hits if not (covered and h.kind == CrisisKind.MEDICAL)]
            else:
                kept = [h for h in sentence.hits if not (reason and h.softened)]
            hits.extend(kept)
            guarded = guarded or sentence.guarded
            # In a message believed safe, Rasa alone is not trusted on the statement itself nor on
            # what it covers (softened risk words, a story told in the past, an event that ended).
            untrusted = sentence.guarded or (reason is not None and (covered or len(kept) < len(sentence.hits)))
            segments.append(Segment(original, trusted=not untrusted))
        illness = bool(self.illness_context and any(self.illness_context.search(s) for s in sentences))
        if not hits:
            return NetVerdict("none", None, None, guarded, tuple(segments), illness, reason)
        top = max(_LEVEL_RANK[h.level] for h in hits)
        best = [h for h in hits if _LEVEL_RANK[h.level] == top]
        best.sort(key=lambda h: PRIORITY.index(h.kind))
        return NetVerdict(best[0].level, best[0].kind, best[0].pattern_id, guarded, tuple(segments), illness)


def _read_spec(path: Path) -> PatternFile:
    """A pattern file, validated, with errors that name the pattern at fault."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        spec = PatternFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error["loc"]
            where = ".".join(str(x) for x in loc)
            if len(loc) >= 2 and loc[0] in ("patterns", "guards", "safety", "frames") and isinstance(loc[1], int):
                items = raw.get(loc[0]) or []
                if loc[1] < len(items) and isinstance(items[loc[1]], dict):
                    where = f"{loc[0]}[{items[loc[1]].get('id', loc[1])}]." + ".".join(str(x) for x in loc[2:])
            problems.append(f"{where}: {error['msg']}")
        raise ValueError(f"{path.name}: " + "; ".join(problems)) from exc
    for f in spec.frames:
        for slot in f.slots:
            unknown = set(re.findall(r"\{([A-Z_]+)\}", slot)) - set(spec.macros)
            if unknown:
                raise ValueError(f"{path.name}: frames[{f.id}].slots: unknown macro {sorted(unknown)}")
            try:
                re.compile(_expand(slot, spec.macros))
            except re.error as exc:
                raise ValueError(f"{path.name}: frames[{f.id}].slots: {exc}") from exc
    for p in spec.patterns:
        if p.format_macro and p.format_macro not in spec.macros:
            raise ValueError(f"{path.name}: patterns[{p.id}].format_macro: unknown macro {p.format_macro}")
        try:
            CrisisNet._compile_check(p, spec.macros)
        except re.error as exc:
            raise ValueError(f"{path.name}: patterns[{p.id}].regex: {exc}") from exc
    return spec


@lru_cache(maxsize=8)
def load_spec(language: str = "en") -> PatternFile:
    path = patterns_path(language)
    if not path.is_file():
        raise ValueError(f"no crisis patterns for language {language!r} (expected {path})")
    return _read_spec(path)


@lru_cache(maxsize=8)
def default_net(language: str = "en") -> CrisisNet:
    """The net for one language, read once."""
    return CrisisNet.for_language(language)


def net_languages() -> tuple[str, ...]:
    """Every language with a pattern file: the nets that read every message."""
    return tuple(sorted(p.name for p in PATTERNS_DIR.iterdir() if (p / "crisis.yml").is_file()))


class MultiNet:
    """Every language's net reads every message, whatever the parent's setting: a Spanish-speaking
    parent set to English (or writing Spanglish) is never outside the net. The message's own
    language reads first and gives the verdict, unless another language's net finds stronger risk;
    a statement of safety in one language never hides risk another language's net found."""

    def __init__(self, nets: dict[str, CrisisNet], primary: str = "en") -> None:
        if primary not in nets:
            raise ValueError(f"no net for the primary language {primary!r}")
        self.nets = nets
        self.primary = primary

    def check(self, text: str, language: str | None = None) -> NetVerdict:
        first = language if language in self.nets else self.primary
        verdict = self.nets[first].check(text)
        for other, net in self.nets.items():
            if other == first:
                continue
            candidate = net.check(text)
            if _LEVEL_RANK[candidate.level] > _LEVEL_RANK[verdict.level]:
                verdict = candidate
        return verdict


@lru_cache(maxsize=1)
def every_net() -> MultiNet:
    """The nets of every language, English first among equals."""
    langs = net_languages()
    return MultiNet({lang: default_net(lang) for lang in langs}, "en" if "en" in langs else langs[0])
