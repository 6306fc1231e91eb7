"""The Spanish crisis net alone: every example fires, guards hold, statements of safety are believed,
and the Spanish patterns stay quiet on English (every language's net reads every message)."""

from __future__ import annotations

import pytest
import yaml

from nlu.crisis_net import default_net, patterns_path

SPEC = yaml.safe_load(patterns_path("es").read_text(encoding="utf-8"))
EN_SPEC = yaml.safe_load(patterns_path("en").read_text(encoding="utf-8"))
NET = default_net("es")

PATTERN_EXAMPLES = [(p["id"], p["kind"], p["level"], ex) for p in SPEC["patterns"] for ex in p["examples"]]
FRAME_EXAMPLES = [(f["id"], f["kind"], f["level"], ex) for f in SPEC["frames"] for ex in f["examples"]]
GUARD_EXAMPLES = [(g["id"], ex) for g in SPEC["guards"] for ex in g["examples"]]
SAFETY_EXAMPLES = [(g["id"], ex) for g in SPEC["safety"] for ex in g["examples"]]


@pytest.mark.parametrize(("pattern_id", "kind", "level", "text"), PATTERN_EXAMPLES)
def test_every_pattern_example_fires(pattern_id: str, kind: str, level: str, text: str) -> None:
    verdict = NET.check(text)
    assert (verdict.kind, verdict.level) == (kind, level), (pattern_id, verdict)


@pytest.mark.parametrize(("frame_id", "kind", "level", "text"), FRAME_EXAMPLES)
def test_every_frame_example_fires_its_kind(frame_id: str, kind: str, level: str, text: str) -> None:
    verdict = NET.check(text)
    assert verdict.kind == kind and verdict.level in ({"crisis"} if level == "crisis" else {"check", "crisis"}), \
        (frame_id, verdict)


@pytest.mark.parametrize(("guard_id", "text"), GUARD_EXAMPLES)
def test_every_guard_example_is_neutral(guard_id: str, text: str) -> None:
    assert NET.check(text).level == "none", (guard_id, NET.check(text))


@pytest.mark.parametrize(("safety_id", "text"), SAFETY_EXAMPLES)
def test_every_safety_statement_example_is_believed(safety_id: str, text: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassured, (safety_id, verdict)


# Written for this test (phone typing: no accents, abbreviations), not copied from the pattern file.
MUST_CATCH = [
    ("ya no aguanto más, quiero desaparecer", "self_harm"),
    ("ME QUIERO MORIRRR", "self_harm"),
    ("toy pensando en matarme esta noche", "self_harm"),
    ("mis hijos estarían mejor sin mí, ya lo decidí", "self_harm"),
    ("tengo guardadas las pastillas de mi suegra, creo q ya alcanzan", "self_harm"),
    ("me volví a cortar los brazos", "self_harm"),
    ("tengo miedo de hacerle daño a mi bebé cuando no deja de llorar", "harm_others"),
    ("mi marido me pegó y me encerró con los niños", "unsafe_home"),
    ("dice q si lo dejo me va a matar", "unsafe_home"),
    ("mi nena no respira bien, tiene los labios moraditos", "medical"),
    ("se tomó no sé cuántas pastillas de mi mamá", "medical"),
    ("le di el diastat y sigue convulsionando", "medical"),
    ("mi hijo de 13 dice que se quiere matar", "child_at_risk"),
    ("encontré cortadas en sus brazos, tiene 14", "child_at_risk"),
]


@pytest.mark.parametrize(("text", "kind"), MUST_CATCH)
def test_spanish_risk_typed_on_a_phone_is_caught(text: str, kind: str) -> None:
    verdict = NET.check(text)
    assert verdict.level != "none" and verdict.kind == kind, verdict


# The issue's own figurative examples, and everyday phrases with risky words.
FIGURATIVE = [
    "me muero de sueño",
    "este niño me va a matar",
    "estoy muerta",
    "me quiero morir de la vergüenza",
    "casi me da un infarto cuando se subió al techo",
    "me mato trabajando y no alcanza",
    "lo voy a ahorcar jajaja se comió mi pastel",
    "ando muerto, el trámite del seguro me tiene hasta el cuello de papeles",
]


@pytest.mark.parametrize("text", FIGURATIVE)
def test_spanish_figurative_speech_is_not_risk(text: str) -> None:
    assert NET.check(text).level == "none", NET.check(text)


ENGLISH = [ex for p in EN_SPEC["patterns"] for ex in p["examples"]] + \
    [ex for g in EN_SPEC["guards"] for ex in g["examples"]] + \
    [ex for g in EN_SPEC["safety"] for ex in g["examples"]] + \
    [ex for f in EN_SPEC["frames"] for ex in f["examples"]]


def test_the_spanish_net_is_quiet_on_english() -> None:
    """Every language's net reads every message: Spanish patterns must not fire on English text."""
    fired = [(t, NET.check(t).pattern_id) for t in ENGLISH if NET.check(t).level != "none"]
    assert not fired, fired


@pytest.mark.parametrize(
    ("text", "kind"),
    [("hace dos años busqué ayuda pero ahora quiero matarme otra vez", "self_harm"),
     ("en 2019 fui a terapia y salí adelante, pero esta noche ya tengo las pastillas juntas", "self_harm")],
)
def test_a_turn_to_today_is_not_told_as_past(text: str, kind: str) -> None:
    """A date (or "busqué ayuda") before "pero ahora" does not speak for what follows."""
    verdict = NET.check(text)
    assert verdict.level != "none" and verdict.kind == kind and not verdict.reassured, verdict


@pytest.mark.parametrize(
    "text",
    ["al pibe le toca quimio hoy y después tengo que ir a la obra social",
     "le toca la vacuna de los 4 años el sábado",
     "mi esposo y yo estamos separados y hoy le tocaba a él tener a los niños",
     "soy un desastre, me quiero matar jajaja le mandé a la maestra el audio que era para mi hermana",
     "los resultados salieron perfectos, me quiero morir de la emoción"],
)
def test_everyday_spanish_with_risky_words_is_not_risk(text: str) -> None:
    """Round 9, from the Spanish net's alarms on the training data: "le toca" is "it is his turn"; a wish
    to die said laughing or of joy is figurative."""
    assert NET.check(text).level == "none", NET.check(text)


@pytest.mark.parametrize(
    "text",
    ["mi sobrina de 12 me contó q el novio de su mamá le toca en la noche",
     "el cuñado de mi hermana le toca las piernas a mi hija",
     "mi cuñado le toca a mi hija cuando yo no estoy",
     "el tío de mi esposo la tocó, ella me lo acaba de contar"],
)
def test_a_child_touched_is_still_risk(text: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "crisis" and verdict.kind == "child_at_risk", verdict


@pytest.mark.parametrize(
    "text",
    ["hace dos años quise quitarme la vida. eso ya quedó atrás, fui a terapia",
     "en 2019 pensaba en matarme, ahora estoy en tratamiento y estable"],
)
def test_the_ways_of_saying_a_crisis_is_over_are_heard_in_spanish(text: str) -> None:
    verdict = NET.check(text)
    assert verdict.level == "none" and verdict.reassurance == "past", verdict


@pytest.mark.parametrize(
    ("quiet", "risk"),
    [  # "me pegó la tristeza" is sadness hitting, not a blow
     ("me pegó una tristeza honda cuando el pediatra dijo expectativa de vida", "mi esposo me pegó anoche"),
     ("solo que hoy me pegó todo lo que hemos perdido desde el diagnóstico", "él me pega cuando toma"),
     # "estoy bien ... con mis hijos" is not hiding with the children
     ("muy triste hoy. pero estoy bien, comiendo y durmiendo, con mis hijos", "estoy en el carro con mis hijos, no podemos volver a la casa")],
)
def test_round_10_spanish_everyday_senses_are_quiet_and_the_risk_stays(quiet: str, risk: str) -> None:
    """Round 10, from the Spanish net's alarms on the training data's feeling messages."""
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level == "crisis" and verdict.kind == "unsafe_home", verdict


@pytest.mark.parametrize(
    ("quiet", "risk", "level", "kind"),
    [("dice que no salgo de la clínica hasta que firme todo", "mi esposo tiene los papeles y dice que de aquí no salgo viva",
      "crisis", "unsafe_home"),
     ("tiene marcas en el cuello por los parches del monitor", "tengo las marcas en el cuello y mañana es la cita del niño, me van a preguntar",
      "check", "unsafe_home"),
     ("le tengo que moler las pastillas en el jugo porque no las traga",
      "pienso en darle todas sus pastillas de la epilepsia para que ya no despierte", "crisis", "harm_others")],
)
def test_round_11_spanish_frames_keep_their_risk_and_lose_the_everyday_sense(quiet: str, risk: str, level: str, kind: str) -> None:
    """Round 11, the same families as in English, in Spanish words: a threat to the parent's life,
    violence told by its marks, a parent's plan told by its means."""
    assert NET.check(quiet).level == "none", NET.check(quiet)
    verdict = NET.check(risk)
    assert verdict.level == level and verdict.kind == kind, verdict


def test_a_crisis_told_at_a_younger_age_than_today_is_over_in_spanish() -> None:
    verdict = NET.check("mi hijo intentó matarse a los 12. tiene 15 años ahora y está bien gracias a dios")
    assert verdict.level == "none" and verdict.reassurance == "past", verdict
    for text in ("se tomó todas mis pastillas a las 11. ahora tiene 14", "se tomó las pastillas a los 13 y ahora tiene 13"):
        assert NET.check(text).level == "crisis", NET.check(text)


@pytest.mark.parametrize(
    ("quiet", "risk"),
    [("me voy a tirar de un puente si me vuelven a cambiar la cita jajaja no es cierto pero que coraje", "me quiero matar y no es broma"),
     ("me quiero tirar por la ventana con tanto papeleo jaja es broma, vivo en un primer piso",
      "me voy a tirar del puente, ya no sé si es broma")],
)
def test_a_wish_taken_back_in_the_same_breath_is_a_figure_of_speech_in_spanish(quiet: str, risk: str) -> None:
    assert NET.check(quiet).level == "none", NET.check(quiet)
    assert NET.check(risk).level == "crisis", NET.check(risk)
