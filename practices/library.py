"""Loading the practice files of one language into an immutable, shared library.

Loading fails loudly and precisely: a broken practice file must stop the bot at start-up (and in
CI) with the file and the field named, rather than surface as a half-sent step to a parent in
the middle of a hard moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from practices.schema import FIT_INTENTS, Practice

#: Where the shipped practices live: one directory per language.
DEFAULT_ROOT: Final[Path] = Path(__file__).resolve().parent
FALLBACK_LANGUAGE: Final = "en"
_SUFFIXES: Final = (".yml", ".yaml")
_PROJECT_ROOT: Final[Path] = DEFAULT_ROOT.parent

#: Among equally fitting practices, gentler work comes first and skills last: Compassion-Focused
#: Parent Training puts the parent's own safety and self-compassion before any technique.
_KIND_ORDER: Final[dict[str, int]] = {"practice": 0, "breathing": 1, "savouring": 2, "parenting_skill": 3}


class PracticeFileError(ValueError):
    """A practice file that cannot be used; the message names the file and the field(s)."""

    def __init__(self, path: Path, problems: Iterable[tuple[str, str]]) -> None:
        self.path = path
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        #: The first offending field, e.g. "steps.0.text" ("(file)" when the file as a whole is bad).
        self.field = self.problems[0][0] if self.problems else "(file)"
        shown = _display(path)
        super().__init__("; ".join(f"{shown}: {field}: {message}" for field, message in self.problems))


def _display(path: Path) -> str:
    """Project-relative when possible ("practices/en/x.yml"), so messages read the same everywhere."""
    try:
        return path.resolve().relative_to(_PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def load_practice_file(path: Path, language: str | None = None) -> Practice:
    """Read and validate one file. `language` defaults to the name of the file's directory."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PracticeFileError(path, [("(yaml)", " ".join(str(exc).split()))]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PracticeFileError(path, [("(file)", str(exc))]) from exc
    if not isinstance(raw, dict):
        raise PracticeFileError(path, [("(file)", "expected a mapping of fields at the top level")])
    try:
        practice = Practice.model_validate(raw)
    except ValidationError as exc:
        problems = [(_field(err["loc"]), err["msg"]) for err in exc.errors(include_url=False)]
        raise PracticeFileError(path, problems) from None
    expected_language = language if language is not None else path.parent.name
    problems = []
    if practice.id != path.stem:
        problems.append(("id", f"'{practice.id}' must equal the file name '{path.stem}'"))
    if practice.language != expected_language:
        problems.append(
            ("language", f"'{practice.language}' must equal the directory name '{expected_language}'")
        )
    if problems:
        raise PracticeFileError(path, problems)
    return practice


class PracticeLibrary:
    """All practices of one language, in a stable order (sorted by id)."""

    def __init__(self, language: str, practices: Iterable[Practice], languages: Iterable[str] = ()) -> None:
        self.language = language
        self._by_id: dict[str, Practice] = {}
        for practice in sorted(practices, key=lambda p: p.id):
            if practice.id in self._by_id:
                raise ValueError(f"duplicate practice id {practice.id!r}")
            self._by_id[practice.id] = practice
        self._languages = frozenset(languages) | {language}
        self._by_intent: dict[str, list[Practice]] = {
            intent: sorted(
                (p for p in self._by_id.values() if intent in p.fits),
                key=lambda p: (p.fit_rank(intent), _KIND_ORDER[p.kind], p.duration_minutes, p.id),
            )
            for intent in FIT_INTENTS
        }

    def get(self, practice_id: str) -> Practice:
        """KeyError for an unknown id (e.g. a button from a practice since removed)."""
        return self._by_id[practice_id]

    def for_intent(self, intent: str) -> list[Practice]:
        """Practices fitting `intent`, best fit first; [] for an intent no practice fits.

        "Best" is decided by the content: the position of the intent in a practice's `fits`
        (a practice lists what it is first of all for first), then gentler kinds before skills,
        then shorter before longer (in a hard moment a short practice is the kinder offer), then id.
        """
        return list(self._by_intent.get(intent, ()))

    def all(self) -> list[Practice]:
        return list(self._by_id.values())

    @property
    def languages(self) -> set[str]:
        """Languages that have practices under this library's root (always includes its own)."""
        return set(self._languages)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, practice_id: object) -> bool:
        return practice_id in self._by_id

    def __iter__(self) -> Iterator[Practice]:
        return iter(self.all())


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in _SUFFIXES)


def available_languages(root: Path | None = None) -> set[str]:
    base = root if root is not None else DEFAULT_ROOT
    if not base.is_dir():
        return set()
    return {d.name for d in base.iterdir() if d.is_dir() and _files(d)}


def _resolve_language(language: str, languages: set[str]) -> str:
    """Exact match, then the primary subtag ("pt-BR" -> "pt"), then English."""
    wanted = (language or FALLBACK_LANGUAGE).strip().lower().replace("_", "-")
    for candidate in (wanted, wanted.split("-")[0]):
        if candidate in languages:
            return candidate
    return FALLBACK_LANGUAGE


def load_library(language: str = FALLBACK_LANGUAGE, root: Path | None = None) -> PracticeLibrary:
    """The library for `language`, loaded once per (language, root) and then shared.

    Unknown languages fall back to English, so a parent whose Telegram is set to a language
    without practices still gets practices rather than an error.
    """
    # DEFAULT_ROOT is resolved at import: resolving it on every turn cost a stat call per folder.
    base = DEFAULT_ROOT if root is None else root.resolve()
    return _load_cached(language, base)


@lru_cache(maxsize=32)
def _load_cached(language: str, root: Path) -> PracticeLibrary:
    languages = available_languages(root)
    resolved = _resolve_language(language, languages)
    directory = root / resolved
    files = _files(directory)
    if not files:
        raise FileNotFoundError(f"no practice files in {directory}")
    seen: dict[str, Path] = {}
    practices = []
    for path in files:
        practice = load_practice_file(path, language=resolved)
        if practice.id in seen:
            raise PracticeFileError(
                path, [("id", f"duplicate id '{practice.id}' (also in {_display(seen[practice.id])})")]
            )
        seen[practice.id] = path
        practices.append(practice)
    return PracticeLibrary(resolved, practices, languages)


def clear_cache() -> None:
    """Forget loaded libraries (tests, or a reload after editing content)."""
    _load_cached.cache_clear()
