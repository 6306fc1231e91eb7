"""The practice library: shipped content is valid and complete, broken files fail precisely."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from practices.library import (
    DEFAULT_ROOT,
    PracticeFileError,
    PracticeLibrary,
    available_languages,
    clear_cache,
    load_library,
    load_practice_file,
)
from practices.schema import DISTRESS_INTENTS, FIT_INTENTS, MAX_STEP_CHARS, Practice

EN_DIR = DEFAULT_ROOT / "en"
EN_FILES = sorted(EN_DIR.glob("*.yml"))
CHECKOUT = Path(__file__).resolve().parents[2]


def _seeds_dir() -> Path:
    """The source documents of shared/design.md: `shared/seeds/` beside the checkout (or beside the
    checkout a clean clone was made from, as CI does), or TEND_SEEDS_DIR."""
    if os.environ.get("TEND_SEEDS_DIR"):
        return Path(os.environ["TEND_SEEDS_DIR"])
    candidates = [CHECKOUT.parent / "shared" / "seeds"]
    origin = subprocess.run(["git", "-C", str(CHECKOUT), "remote", "get-url", "origin"],
                            capture_output=True, text=True, check=False).stdout.strip()
    if origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / "shared" / "seeds")
    return next((c for c in candidates if c.is_dir()), candidates[0])


SEEDS_DIR = _seeds_dir()

REQUIRED_IDS = {
    "self_compassion_break", "soothing_touch", "compassionate_friend", "affectionate_breathing",
    "breathing_space", "parent_time_out", "equanimity_for_child", "inner_critic", "loving_kindness",
    "savouring", "one_on_one_time", "specific_praise",
}


@pytest.fixture(scope="module")
def library() -> PracticeLibrary:
    return load_library("en")


# -- shipped content ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", EN_FILES, ids=[p.stem for p in EN_FILES])
def test_every_file_loads(path: Path) -> None:
    practice = load_practice_file(path)
    assert practice.id == path.stem
    assert practice.language == "en"


def test_library_has_the_named_practices(library: PracticeLibrary) -> None:
    assert len(library) >= 12
    assert REQUIRED_IDS <= {p.id for p in library.all()}
    assert len(library.all()) == len(EN_FILES)


@pytest.mark.parametrize("intent", sorted(DISTRESS_INTENTS))
def test_each_distress_intent_has_at_least_three_practices(library: PracticeLibrary, intent: str) -> None:
    assert len(library.for_intent(intent)) >= 3


def test_positive_offers_savouring_first(library: PracticeLibrary) -> None:
    assert library.for_intent("positive")[0].id == "savouring"


def test_request_practice_has_many(library: PracticeLibrary) -> None:
    assert len(library.for_intent("request_practice")) >= 6


@pytest.mark.parametrize(
    ("intent", "first"),
    [
        ("self_criticism", "self_compassion_break"),
        ("anger", "parent_time_out"),
        ("child_suffering", "equanimity_for_child"),
        ("loneliness", "common_humanity_for_isolation"),
        ("request_practice", "self_compassion_break"),
    ],
)
def test_first_offer_per_intent(library: PracticeLibrary, intent: str, first: str) -> None:
    assert library.for_intent(intent)[0].id == first


def test_every_practice_fits_a_specific_intent(library: PracticeLibrary) -> None:
    """request_practice alone is not enough: each practice must be for something."""
    for practice in library.all():
        assert set(practice.fits) - {"request_practice"}, practice.id


def test_self_compassion_break_has_exactly_three_steps(library: PracticeLibrary) -> None:
    steps = library.get("self_compassion_break").steps
    assert len(steps) == 3
    assert "moment of suffering" in steps[0].text
    assert "Other parents feel this too" in steps[1].text
    assert "May I be kind to myself" in steps[2].text


def test_breathing_space_has_its_three_movements(library: PracticeLibrary) -> None:
    texts = [s.text for s in library.get("breathing_space").steps]
    assert [t.split(".")[0] for t in texts] == ["Awareness", "Gathering", "Expanding"]


def test_equanimity_phrase(library: PracticeLibrary) -> None:
    joined = " ".join(s.text for s in library.get("equanimity_for_child").steps)
    assert "can't take away your pain" in joined and "I am here with you" in joined


def test_shape_of_every_practice(library: PracticeLibrary) -> None:
    with_pause = with_question = 0
    for p in library.all():
        assert 1 <= p.duration_minutes <= 5
        assert 2 <= len(p.steps) <= 6
        assert "\n" not in p.summary
        assert p.source.name and p.source.note
        assert all(len(s.text) <= MAX_STEP_CHARS for s in p.steps)
        assert any(s.pause_seconds or s.question for s in p.steps), p.id
        with_pause += any(s.pause_seconds for s in p.steps)
        with_question += any(s.question for s in p.steps)
    assert with_pause >= 6 and with_question >= 6


def test_cited_seeds_exist() -> None:
    available = {p.name for p in SEEDS_DIR.glob("*.txt")}
    if not available:
        pytest.fail(f"the seed documents were expected in {SEEDS_DIR} (shared/seeds beside the checkout, "
                    "or beside the checkout this one was cloned from; TEND_SEEDS_DIR overrides); none found there")
    for path in EN_FILES:
        for seed in load_practice_file(path).source.seeds:
            assert seed in available, f"{path.name} cites missing seed {seed}"


_FORBIDDEN = re.compile(
    r"\btherapist\b|\btherapy\b|diagnos|prescri|\bdosage\b|\bmedication\b|\bi am a (person|human)\b|"
    r"\bi'm a (person|human)\b|\bas your (therapist|counsellor|counselor|doctor)\b",
    re.IGNORECASE,
)


def _parent_facing(p: Practice) -> list[str]:
    texts = [p.title, p.summary, p.intro, p.closing]
    for s in p.steps:
        texts.append(s.text)
        if s.question:
            texts.append(s.question)
    return texts


def test_scripts_never_play_therapist_or_doctor(library: PracticeLibrary) -> None:
    """Tend is a coach for small practices: no diagnosis, no medical advice, no therapist role."""
    for p in library.all():
        for text in _parent_facing(p):
            assert not _FORBIDDEN.search(text), f"{p.id}: {text!r}"


def test_scripts_do_not_blame() -> None:
    blame = re.compile(r"\byou should\b|\byou must\b|\byou failed\b|\bbad parent\b", re.IGNORECASE)
    for path in EN_FILES:
        for text in _parent_facing(load_practice_file(path)):
            for match in blame.finditer(text):
                # Allowed only when it is the inner critic being quoted or contradicted.
                window = text[max(0, match.start() - 40): match.end() + 5]
                assert "“" in window or "not that" in window, f"{path.name}: {text!r}"


# -- loader API --------------------------------------------------------------------------------

def test_get_and_unknown_id(library: PracticeLibrary) -> None:
    assert library.get("savouring").kind == "savouring"
    assert "savouring" in library
    with pytest.raises(KeyError):
        library.get("no_such_practice")


def test_for_intent_is_stable_and_a_copy(library: PracticeLibrary) -> None:
    first = [p.id for p in library.for_intent("overwhelm")]
    library.for_intent("overwhelm").clear()
    assert [p.id for p in library.for_intent("overwhelm")] == first
    assert library.for_intent("greet") == []


def test_all_is_sorted_by_id(library: PracticeLibrary) -> None:
    ids = [p.id for p in library.all()]
    assert ids == sorted(ids)


def test_languages_and_fallback(library: PracticeLibrary) -> None:
    assert "en" in library.languages
    assert "en" in available_languages()
    assert load_library("xx").language == "en"
    assert load_library("en-GB").language == "en"


def test_cached_per_language_and_root() -> None:
    cached = load_library("en")
    assert load_library("en") is cached
    assert load_library("en", DEFAULT_ROOT) is cached


def test_clear_cache_reloads() -> None:
    before = load_library("en")
    clear_cache()
    after = load_library("en")
    assert after is not before
    assert [p.id for p in after.all()] == [p.id for p in before.all()]


def test_practices_are_immutable(library: PracticeLibrary) -> None:
    with pytest.raises(ValidationError):
        library.get("savouring").title = "changed"  # type: ignore[misc]


# -- broken files ------------------------------------------------------------------------------

def _valid() -> dict:
    return yaml.safe_load((EN_DIR / "soothing_touch.yml").read_text(encoding="utf-8"))


def _write(root: Path, data: dict | str, stem: str = "soothing_touch", language: str = "en",
           suffix: str = ".yml") -> Path:
    directory = root / language
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}{suffix}"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _broken(tmp_path: Path, data: dict | str, **kw: str) -> PracticeFileError:
    path = _write(tmp_path, data, **kw)
    with pytest.raises(PracticeFileError) as caught:
        load_practice_file(path)
    assert str(path) in str(caught.value) or path.name in str(caught.value)
    assert caught.value.path == path
    return caught.value


def test_valid_copy_loads(tmp_path: Path) -> None:
    assert load_practice_file(_write(tmp_path, _valid())).id == "soothing_touch"


def test_missing_field(tmp_path: Path) -> None:
    data = _valid()
    del data["steps"][0]["text"]
    error = _broken(tmp_path, data)
    assert error.field == "steps.0.text"
    assert "steps.0.text: Field required" in str(error)


def test_missing_top_level_field(tmp_path: Path) -> None:
    data = _valid()
    del data["closing"]
    assert _broken(tmp_path, data).field == "closing"


def test_wrong_type(tmp_path: Path) -> None:
    data = _valid()
    data["duration_minutes"] = "three"
    error = _broken(tmp_path, data)
    assert error.field == "duration_minutes"
    assert "soothing_touch.yml: duration_minutes:" in str(error)


def test_yaml_boolean_is_not_a_title(tmp_path: Path) -> None:
    data = _valid()
    data["title"] = True
    assert _broken(tmp_path, data).field == "title"


def test_duration_out_of_range(tmp_path: Path) -> None:
    data = _valid()
    data["duration_minutes"] = 12
    assert _broken(tmp_path, data).field == "duration_minutes"


def test_unknown_intent(tmp_path: Path) -> None:
    data = _valid()
    data["fits"] = ["overwhelm", "boredom"]
    error = _broken(tmp_path, data)
    assert error.field == "fits.1"
    assert "boredom" in str(error) or "Input should be" in str(error)


def test_repeated_intent(tmp_path: Path) -> None:
    data = _valid()
    data["fits"] = ["overwhelm", "overwhelm"]
    assert _broken(tmp_path, data).field == "fits"


def test_id_must_equal_stem(tmp_path: Path) -> None:
    error = _broken(tmp_path, _valid(), stem="hand_on_heart")
    assert error.field == "id"
    assert "hand_on_heart" in str(error)


def test_language_must_equal_directory(tmp_path: Path) -> None:
    error = _broken(tmp_path, _valid(), language="es")
    assert error.field == "language"


def test_extra_key(tmp_path: Path) -> None:
    data = _valid()
    data["steps"][1]["pause_second"] = 10
    error = _broken(tmp_path, data)
    assert error.field == "steps.1.pause_second"
    assert "Extra inputs are not permitted" in str(error)


def test_extra_top_level_key(tmp_path: Path) -> None:
    data = _valid()
    data["priority"] = 1
    assert _broken(tmp_path, data).field == "priority"


def test_too_few_and_too_many_steps(tmp_path: Path) -> None:
    data = _valid()
    data["steps"] = data["steps"][:1]
    assert _broken(tmp_path, data).field == "steps"
    data["steps"] = [{"text": f"Step {i}"} for i in range(7)]
    assert _broken(tmp_path, data).field == "steps"


def test_step_too_long(tmp_path: Path) -> None:
    data = _valid()
    data["steps"][0]["text"] = "breathe " * 100
    assert _broken(tmp_path, data).field == "steps.0.text"


def test_multiline_summary(tmp_path: Path) -> None:
    data = _valid()
    data["summary"] = "One line.\nTwo lines."
    assert _broken(tmp_path, data).field == "summary"


def test_bad_seed_name(tmp_path: Path) -> None:
    data = _valid()
    data["source"]["seeds"] = ["some paper.pdf"]
    assert _broken(tmp_path, data).field == "source.seeds.0"


def test_invalid_yaml(tmp_path: Path) -> None:
    error = _broken(tmp_path, "id: x\nsummary: For when: it breaks\n  - oops")
    assert error.field == "(yaml)"


def test_not_a_mapping(tmp_path: Path) -> None:
    assert _broken(tmp_path, "- just\n- a list\n").field == "(file)"


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    _write(tmp_path, _valid())
    _write(tmp_path, _valid(), suffix=".yaml")
    with pytest.raises(PracticeFileError, match="duplicate id"):
        load_library("en", tmp_path)


def test_broken_file_stops_the_whole_library(tmp_path: Path) -> None:
    _write(tmp_path, _valid())
    data = _valid()
    data["id"] = "second"
    del data["intro"]
    _write(tmp_path, data, stem="second")
    with pytest.raises(PracticeFileError, match=r"second\.yml: intro: Field required"):
        load_library("en", tmp_path)


def test_message_names_project_relative_path() -> None:
    error = PracticeFileError(DEFAULT_ROOT / "en" / "x.yml", [("steps.0.text", "Field required")])
    assert str(error) == "practices/en/x.yml: steps.0.text: Field required"


def test_custom_root_and_other_language(tmp_path: Path) -> None:
    data = _valid()
    data["language"] = "es"
    _write(tmp_path, data, language="es")
    _write(tmp_path, _valid())
    spanish = load_library("es", tmp_path)
    assert spanish.language == "es" and spanish.languages == {"en", "es"}
    assert load_library("es-MX", tmp_path).language == "es"
    assert load_library("fr", tmp_path).language == "en"


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_library("en", tmp_path / "nowhere")


# -- purity ------------------------------------------------------------------------------------

_IMPURE = {"telegram", "storage", "dialogues", "bot", "nlu", "sqlalchemy"}


def test_practices_package_imports_no_adapter_or_storage() -> None:
    for module in DEFAULT_ROOT.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in _IMPURE, f"{module.name} imports {name}"


def test_importing_practices_loads_nothing_impure() -> None:
    code = (
        "import sys, practices.library, practices.recommender, practices.schema;"
        "practices.library.load_library('en');"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(_IMPURE)!r});"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=DEFAULT_ROOT.parent)
    assert result.stdout.strip() == ""


def test_intent_names_match_the_nlu_contract() -> None:
    """practices/ keeps its own copy of the intent names; it must agree with nlu/intents.py."""
    intents = pytest.importorskip("nlu.intents")
    assert set(FIT_INTENTS) <= intents.ALL_INTENTS
    assert DISTRESS_INTENTS == intents.DISTRESS_INTENTS
