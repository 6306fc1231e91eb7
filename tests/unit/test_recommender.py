"""Which practice Tend offers: fitting, varied, guided by what helped, and deterministic."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from practices.library import PracticeLibrary, load_library
from practices.recommender import PastSession, helpfulness, recommend
from practices.schema import Practice

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _practice(pid: str, fits: Sequence[str], kind: str = "practice", minutes: int = 3) -> Practice:
    return Practice.model_validate({
        "id": pid, "language": "en", "title": pid.replace("_", " ").title(),
        "summary": f"A practice called {pid}.", "kind": kind, "fits": list(fits),
        "duration_minutes": minutes,
        "source": {"name": "test", "seeds": [], "note": "test"},
        "intro": "Intro.", "steps": [{"text": "One.", "pause_seconds": 10}, {"text": "Two."}],
        "closing": "Done.",
    })


@pytest.fixture
def lib() -> PracticeLibrary:
    """A small library: three practices for worry (a, b, c in that order), one general one."""
    return PracticeLibrary("en", [
        _practice("a_first", ["worry"]),
        _practice("b_second", ["worry", "request_practice"]),
        _practice("c_third", ["overwhelm", "worry"]),
        _practice("general", ["request_practice"]),
        _practice("only_anger", ["anger"]),
    ])


def _s(pid: str, minutes_ago: int, before: int | None = None, after: int | None = None,
       finished: bool = True) -> PastSession:
    return PastSession(pid, T0 - timedelta(minutes=minutes_ago), finished, before, after)


def test_library_order_without_history(lib: PracticeLibrary) -> None:
    assert [p.id for p in lib.for_intent("worry")] == ["a_first", "b_second", "c_third"]
    assert recommend("worry", [], lib).id == "a_first"


def test_exclude_passes_the_one_just_offered(lib: PracticeLibrary) -> None:
    assert recommend("worry", [], lib, exclude=["a_first"]).id == "b_second"
    assert recommend("worry", [], lib, exclude=("a_first", "b_second")).id == "c_third"


def test_none_when_every_fitting_practice_is_excluded(lib: PracticeLibrary) -> None:
    assert recommend("worry", [], lib, exclude={"a_first", "b_second", "c_third"}) is None


def test_not_three_times_running(lib: PracticeLibrary) -> None:
    history = [_s("a_first", 10, 8, 3), _s("a_first", 60, 8, 3)]  # helped a lot, twice in a row
    assert recommend("worry", history, lib).id != "a_first"


def test_twice_but_not_in_a_row_is_fine(lib: PracticeLibrary) -> None:
    history = [_s("a_first", 10, 8, 3), _s("b_second", 30), _s("a_first", 60, 8, 3)]
    assert recommend("worry", history, lib).id == "a_first"


def test_third_time_allowed_when_it_is_the_only_candidate(lib: PracticeLibrary) -> None:
    history = [_s("only_anger", 10), _s("only_anger", 60)]
    assert recommend("anger", history, lib).id == "only_anger"
    history = [_s("a_first", 10), _s("a_first", 60)]
    assert recommend("worry", history, lib, exclude=["b_second", "c_third"]).id == "a_first"


def test_run_rule_counts_unfinished_sessions_and_ignores_input_order(lib: PracticeLibrary) -> None:
    history = [_s("b_second", 300), _s("a_first", 60, finished=False), _s("a_first", 10, finished=False)]
    assert recommend("worry", history, lib).id != "a_first"


def test_prefers_what_helped(lib: PracticeLibrary) -> None:
    history = [_s("a_first", 500, 5, 6), _s("c_third", 400, 8, 4), _s("x_other", 10), _s("y_other", 20),
               _s("z_other", 30)]
    assert recommend("worry", history, lib).id == "c_third"


def test_helpfulness_uses_only_finished_rated_sessions() -> None:
    history = [
        _s("a", 10, 8, 2),                      # drop 6
        _s("a", 20, 6, 6),                      # drop 0
        _s("a", 30, 9, 1, finished=False),      # abandoned: ignored
        _s("b", 40, None, 3),                   # no before rating: ignored
        _s("c", 50, 3, 7),                      # rose by 4
    ]
    assert helpfulness(history) == {"a": 3.0, "c": -4.0}


def test_unhelpful_practice_does_not_outrank_library_order(lib: PracticeLibrary) -> None:
    history = [_s("c_third", 400, 5, 5), _s("x", 1), _s("y", 2), _s("z", 3)]
    assert recommend("worry", history, lib).id == "a_first"


def test_prefers_not_done_recently(lib: PracticeLibrary) -> None:
    history = [_s("a_first", 10)]
    assert recommend("worry", history, lib).id == "b_second"
    history = [_s("a_first", 10), _s("b_second", 20)]
    assert recommend("worry", history, lib).id == "c_third"


def test_among_recent_ones_the_oldest_comes_first(lib: PracticeLibrary) -> None:
    history = [_s("c_third", 10), _s("a_first", 20), _s("b_second", 30)]
    assert recommend("worry", history, lib).id == "b_second"


def test_helpful_beats_not_recent(lib: PracticeLibrary) -> None:
    history = [_s("b_second", 10, 7, 2)]
    assert recommend("worry", history, lib).id == "b_second"


def test_fallback_to_request_practice(lib: PracticeLibrary) -> None:
    # "general" lists request_practice first, so it leads; b_second lists it second.
    assert recommend("greet", [], lib).id == "general"
    assert recommend("loneliness", [], lib).id == "general"  # nothing fits loneliness here
    assert recommend("loneliness", [], lib, exclude=["general"]).id == "b_second"
    assert recommend("loneliness", [], lib, exclude=["general", "b_second"]) is None


def test_none_only_if_nothing_fits_at_all() -> None:
    bare = PracticeLibrary("en", [_practice("only_anger", ["anger"]), _practice("calm", ["positive"])])
    assert recommend("worry", [], bare) is None
    assert recommend("anger", [], bare).id == "only_anger"


def test_deterministic(lib: PracticeLibrary) -> None:
    history = [_s("a_first", 10, 6, 4), _s("c_third", 20, 8, 8), _s("b_second", 30)]
    first = recommend("worry", history, lib)
    for seed in range(20):
        shuffled = list(history)
        random.Random(seed).shuffle(shuffled)
        assert recommend("worry", shuffled, lib) == first
        assert recommend("worry", tuple(history), lib, exclude=set()) == first


def test_naive_timestamps_work(lib: PracticeLibrary) -> None:
    """SQLite hands back naive datetimes; the recommender only compares them with each other."""
    history = [PastSession("a_first", datetime(2025, 1, 1, 9), True, 5, 5),
               PastSession("a_first", datetime(2025, 1, 1, 10), True, 5, 5)]
    assert recommend("worry", history, lib).id == "b_second"


# -- with the shipped English library ----------------------------------------------------------

def test_something_else_walks_through_every_fitting_practice() -> None:
    library = load_library("en")
    for intent in ("self_criticism", "overwhelm", "worry", "sadness", "anger", "loneliness",
                   "child_suffering", "positive", "request_practice"):
        offered: list[str] = []
        while (practice := recommend(intent, [], library, exclude=offered)) is not None:
            assert practice.id not in offered
            offered.append(practice.id)
        assert offered == [p.id for p in library.for_intent(intent)]


def test_a_week_of_self_criticism_never_repeats_three_times() -> None:
    library = load_library("en")
    history: list[PastSession] = []
    for day in range(7):
        practice = recommend("self_criticism", history, library)
        assert practice is not None
        history.insert(0, PastSession(practice.id, T0 + timedelta(days=day), True, 8, 4))
        ids = [s.practice_id for s in history[:3]]
        assert not (len(ids) == 3 and len(set(ids)) == 1)
    assert len({s.practice_id for s in history}) >= 2
