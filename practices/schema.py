"""The shape of one guided practice file (`practices/<lang>/<id>.yml`).

Practice scripts are written by people, not generated, so the schema is strict on purpose: an
unknown key is more likely a typo ("pause_second") than an extension, and a parent in a bad
moment should never meet a half-rendered step. Strings are strict (YAML happily turns `yes` into
a boolean and `3:00` into a number), and every field that reaches the parent must be non-empty.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

#: Intents a practice may fit. A subset of the NLU contract in shared/design.md, repeated here
#: rather than imported so that practices/ stays free of the NLU package.
FitIntent = Literal[
    "self_criticism",
    "overwhelm",
    "worry",
    "sadness",
    "anger",
    "loneliness",
    "child_suffering",
    "positive",
    "request_practice",
]
FIT_INTENTS: Final[tuple[str, ...]] = get_args(FitIntent)

#: The distress intents: each must be fitted by at least two practices in every language, so
#: "Something else" always has somewhere kind to go.
DISTRESS_INTENTS: Final[frozenset[str]] = frozenset(
    {"self_criticism", "overwhelm", "worry", "sadness", "anger", "loneliness", "child_suffering"}
)

Kind = Literal["practice", "savouring", "parenting_skill", "breathing"]

#: Telegram allows 4096 characters, but one step is one breath of reading on a phone.
MAX_STEP_CHARS: Final = 600

Text = Annotated[StrictStr, Field(min_length=1)]
LongText = Annotated[StrictStr, Field(min_length=1, max_length=MAX_STEP_CHARS)]


class _Frozen(BaseModel):
    """Practices are loaded once and shared by every conversation, so they must not change."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(_Frozen):
    """Where the script comes from: the named practice and the seed documents it stands on."""

    name: Text
    seeds: tuple[Annotated[StrictStr, Field(pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")], ...] = Field(
        default=()
    )
    note: Text


class Step(_Frozen):
    """One Telegram message. A question makes the runner wait for a reply (never stored)."""

    text: LongText
    pause_seconds: Annotated[StrictInt, Field(ge=3, le=180)] | None = None
    question: Annotated[StrictStr, Field(min_length=1, max_length=300)] | None = None


class Practice(_Frozen):
    id: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
    #: A language ("es"), or a variant of one ("es-usted": the same practice in another register).
    language: Annotated[StrictStr, Field(pattern=r"^[a-z]{2,3}(?:-[a-z]{2,12})?$")]
    title: Annotated[StrictStr, Field(min_length=1, max_length=60)]
    summary: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    kind: Kind
    fits: Annotated[tuple[FitIntent, ...], Field(min_length=1)]
    duration_minutes: Annotated[StrictInt, Field(ge=1, le=5)]
    source: Source
    intro: Annotated[StrictStr, Field(min_length=1, max_length=MAX_STEP_CHARS)]
    steps: Annotated[tuple[Step, ...], Field(min_length=2, max_length=6)]
    closing: Annotated[StrictStr, Field(min_length=1, max_length=MAX_STEP_CHARS)]
    #: How this language's version was adapted to the culture of the parents who read it, not
    #: translated: its first sentence sums it up in one line. Required in every language but the one
    #: the practice was first written in (see the tests), so the reasoning travels with the text.
    adaptation: Annotated[StrictStr, Field(min_length=1)] | None = None

    @field_validator("summary", "title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # The summary is spliced into the offer sentence; a line break would tear it apart.
        if "\n" in value:
            raise ValueError("must be a single line")
        return value

    @field_validator("fits")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Order in `fits` is meaningful (most fitting first, see PracticeLibrary.for_intent),
        # so a repeated intent would be ambiguous.
        if len(set(value)) != len(value):
            raise ValueError("lists an intent twice")
        return value

    def fit_rank(self, intent: str) -> int:
        """Position of `intent` in `fits`: 0 is what this practice is first of all for."""
        return self.fits.index(intent)  # type: ignore[arg-type]
