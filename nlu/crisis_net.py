"""Layer 1 of the safety stack: a deterministic net of risk expressions.

It runs on every message before anything else and alone when Rasa is unreachable, so it must
be fast, predictable and reviewable: the patterns live in `crisis_patterns.yml`, each with an
example that the tests fire. The net reads sentence by sentence; figurative idioms are blanked
out first ("this laundry is killing me"), then a negated or reported-past sentence downgrades a
match to a gentle question, and a sentence about a film or the news without first-person risk
drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nlu.text_normalise import normalise

CrisisKind = Literal["self_harm", "harm_others", "unsafe_home", "medical", "child_at_risk"]
Level = Literal["none", "check", "crisis"]
PATTERNS_PATH = Path(__file__).with_name("crisis_patterns.yml")

#: Most urgent, most specific first (see the header of crisis_patterns.yml).
PRIORITY: tuple[CrisisKind, ...] = ("medical", "child_at_risk", "harm_others", "self_harm", "unsafe_home")
_LEVEL_RANK = {"none": 0, "check": 1, "crisis": 2}

_SENTENCES = re.compile(r"(?<=[.!?;\n])\s+|\s*\n+\s*|\s+(?:but|and then|although)\s+(?=i\b)")
_NEGATION = re.compile(
    r"\b(?:not|never|no|don't|didn't|wouldn't|won't|isn't|aren't|wasn't|nothing|without|no longer|"
    r"nor|neither|hardly)\b(?:\s+\S+){0,3}\s*$"
)
_NEGATED_PHRASE = re.compile(
    r"\b(?:i'm not|i am not|not feeling|i'd never|i would never|i'll never|i will never|never would i|"
    r"no thoughts? of|no intention|not going to|not planning|i don't want to hurt|i'd never hurt)\b"
)
_PAST = re.compile(
    r"\b(?:used to|years ago|months ago|long time ago|a while ago|when i was (?:younger|young|a teen|a teenager|"
    r"at uni|in school|at school|pregnant|a kid|little)|back in (?:19|20)\d\d|in the past|as a teen(?:ager)?|"
    r"in my (?:teens|twenties|twenties)|before (?:the kids|i had kids|my son was born|my daughter was born)|"
    r"i'm (?:ok|okay|fine|better|safe) now|not anymore|but not now|no longer)\b"
)
_MEDIA = re.compile(
    r"\b(?:film|movie|show|series|episode|tv|telly|netflix|documentary|book|novel|news|article|podcast|"
    r"character|song|lyrics|play|game|video game|storyline|soap|headline|report(?:ed)?)\b"
)
_FIRST_PERSON_RISK = re.compile(
    r"\b(?:i want to|i'm going to|i will|i've been|i keep|i feel like|made me (?:want|think)|i'm thinking)\b"
)


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


class GuardSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    regex: str
    examples: list[str] = Field(min_length=1)
    description: str | None = None


class PatternFile(_Strict):
    macros: dict[str, str] = Field(default_factory=dict)
    guards: list[GuardSpec]
    patterns: list[PatternSpec] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _unique_ids(cls, value: list[PatternSpec]) -> list[PatternSpec]:
        ids = [p.id for p in value]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate pattern ids: {sorted(duplicates)}")
        return value


@dataclass(frozen=True)
class NetVerdict:
    level: Level
    kind: CrisisKind | None
    pattern_id: str | None
    #: A figurative idiom or a media context was recognised (and set aside) in the message.
    guarded: bool = False


NONE = NetVerdict("none", None, None)


@dataclass(frozen=True)
class _Compiled:
    id: str
    kind: CrisisKind
    level: Level
    regexes: tuple[re.Pattern[str], ...]
    negation_is_risk: bool = False


_INNER_NEGATION = re.compile(r"\b(?:never|not|don't|do not|didn't|did not|no longer|wouldn't|won't)\b")


class CrisisNet:
    def __init__(self, spec: PatternFile) -> None:
        self.spec = spec
        self.guards = tuple(re.compile(g.regex) for g in spec.guards)
        compiled = []
        for p in spec.patterns:
            sources = [p.regex] if isinstance(p.regex, str) else list(p.regex)
            if p.format_macro:
                macro = spec.macros[p.format_macro]
                sources = [s.replace("%s", macro) for s in sources]
            compiled.append(_Compiled(p.id, p.kind, p.level, tuple(re.compile(s) for s in sources),
                                      p.negation_is_risk))
        self.patterns = tuple(compiled)

    @classmethod
    def from_file(cls, path: Path | None = None) -> CrisisNet:
        path = path or PATTERNS_PATH
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            spec = PatternFile.model_validate(raw)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                loc = error["loc"]
                where = ".".join(str(x) for x in loc)
                if len(loc) >= 2 and loc[0] in ("patterns", "guards") and isinstance(loc[1], int):
                    items = raw.get(loc[0]) or []
                    if loc[1] < len(items) and isinstance(items[loc[1]], dict):
                        where = f"{loc[0]}[{items[loc[1]].get('id', loc[1])}]." + ".".join(str(x) for x in loc[2:])
                problems.append(f"{where}: {error['msg']}")
            raise ValueError(f"{path.name}: " + "; ".join(problems)) from exc
        for p in spec.patterns:
            if p.format_macro and p.format_macro not in spec.macros:
                raise ValueError(f"{path.name}: patterns[{p.id}].format_macro: unknown macro {p.format_macro}")
            try:
                cls._compile_check(p, spec.macros)
            except re.error as exc:
                raise ValueError(f"{path.name}: patterns[{p.id}].regex: {exc}") from exc
        return cls(spec)

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

    def _sentence_verdicts(self, sentence: str) -> tuple[list[tuple[Level, CrisisKind, str]], bool]:
        cleaned = self._blank_guards(sentence)
        found: list[tuple[Level, CrisisKind, str]] = []
        media = bool(_MEDIA.search(cleaned)) and not _FIRST_PERSON_RISK.search(cleaned)
        guarded = media or cleaned != sentence
        past = bool(_PAST.search(cleaned))
        for pattern in self.patterns:
            for regex in pattern.regexes:
                match = regex.search(cleaned)
                if match is None:
                    continue
                level: Level = pattern.level
                before = re.split(r"[,:]", cleaned[: match.start()])[-1]  # the same clause only
                negated = bool(_NEGATION.search(before)) or bool(_NEGATED_PHRASE.search(before)) or (
                    not pattern.negation_is_risk and bool(_INNER_NEGATION.search(match.group(0))))
                if media:
                    level = "none"
                elif level == "crisis" and (negated or past):
                    level = "check"
                if level != "none":
                    found.append((level, pattern.kind, pattern.id))
                break
        return found, guarded

    def check(self, text: str) -> NetVerdict:
        normal = normalise(text)
        if not normal:
            return NONE
        hits: list[tuple[Level, CrisisKind, str]] = []
        guarded = False
        for sentence in _SENTENCES.split(normal):
            if sentence and sentence.strip():
                found, sentence_guarded = self._sentence_verdicts(sentence.strip())
                hits.extend(found)
                guarded = guarded or sentence_guarded
        if not hits:
            return NetVerdict("none", None, None, guarded)
        top = max(_LEVEL_RANK[level] for level, _, _ in hits)
        best = [h for h in hits if _LEVEL_RANK[h[0]] == top]
        best.sort(key=lambda h: PRIORITY.index(h[1]))
        level, kind, pattern_id = best[0]
        return NetVerdict(level, kind, pattern_id, guarded)


@lru_cache(maxsize=1)
def default_net() -> CrisisNet:
    return CrisisNet.from_file()
