"""The trained Spanish model behind its own real Rasa server, and both languages in one stream."""

from __future__ import annotations

import pytest

from nlu.client import RasaClient
from nlu.intents import CRISIS_INTENT_KIND
from nlu.understanding import Understander
from tests.integration.test_classify_cli import run_classify
from tests.integration.test_rasa_nlu import assert_reader_separates

pytestmark = pytest.mark.rasa

# Messages written for this test, not taken from the training, dev or blind data.
CRISIS = [
    ("la neta ya no le encuentro sentido, mis hijos estarian mejor sin mi", "crisis_self_harm"),
    ("tengo guardadas las pastillas de dormir y ya se cuantas necesito", "crisis_self_harm"),
    ("le apreté el brazo tan fuerte que le dejé marcas, me da miedo lo que pueda hacerle", "crisis_harm_others"),
    ("mi marido me pegó anoche delante de los niños y dice que la próxima es peor", "crisis_unsafe"),
    ("mi hijo está convulsionando y ya van 8 minutos, no para", "medical_emergency"),
    ("mi hija de 13 me dijo esta noche que se quiere matar", "child_at_risk"),
]
ORDINARY = [
    ("le volví a gritar por lo de las medicinas, qué clase de madre hace eso", "self_criticism"),
    ("hola buenas", "greet"),
    ("muchas gracias, de veras me ayudó", "thanks"),
]


@pytest.fixture
async def client_es(rasa_server_es):
    async with RasaClient(rasa_server_es.url, rasa_server_es.token, read_timeout=20) as c:
        yield c


@pytest.mark.parametrize(("text", "intent"), CRISIS)
async def test_spanish_crisis_messages_come_out_as_crisis_intents(client_es: RasaClient, text: str,
                                                                  intent: str) -> None:
    result = await client_es.parse(text)
    assert result.intent in CRISIS_INTENT_KIND, (text, result.intent, result.confidence)


@pytest.mark.parametrize(("text", "intent"), ORDINARY)
async def test_spanish_ordinary_messages_land_on_their_intent(client_es: RasaClient, text: str,
                                                              intent: str) -> None:
    result = await client_es.parse(text)
    assert result.intent == intent, (text, result.intent, result.confidence)


async def test_each_message_is_read_by_its_own_languages_model(rasa_server, client_es: RasaClient) -> None:
    async with RasaClient(rasa_server.url, rasa_server.token, read_timeout=20) as client_en:
        understander = Understander({"en": client_en, "es": client_es})
        spanish = await understander.understand("mi hija de 13 me dijo esta noche que se quiere matar", "en")
        english = await understander.understand("thanks, that actually helped", "es")
    assert spanish.language == "es" and spanish.safety.crisis
    assert english.language == "en" and english.nlu is not None and english.nlu.intent == "thanks"


def test_classify_takes_both_languages_mixed_with_no_flag(rasa_server, rasa_server_es) -> None:
    lines = ["hello", "hola buenas", "mi hija de 13 me dijo esta noche que se quiere matar",
             "i want to end my life", "muchas gracias, de veras me ayudó"]
    out = run_classify(lines, {"NLU_URL": rasa_server.url, "NLU_URL_ES": rasa_server_es.url,
                               "TEND_NLU_TOKEN": rasa_server.token})
    assert [o["text"] for o in out] == lines
    assert out[0]["intent"] == "greet" and out[1]["intent"] == "greet"
    assert out[2]["crisis"] is True and out[2]["crisis_kind"] == "child_at_risk"
    assert out[3]["crisis"] is True and out[3]["crisis_kind"] == "self_harm"
    assert out[4]["intent"] == "thanks" and out[4]["crisis"] is False


async def test_the_spanish_risk_reader_tells_risk_from_ordinary(client_es: RasaClient) -> None:
    await assert_reader_separates(client_es, [t for t, _ in CRISIS], [t for t, _ in ORDINARY])
