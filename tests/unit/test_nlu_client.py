"""The Rasa client against a real (fake) HTTP server: typed results, timeouts, retries, errors."""

from __future__ import annotations

import pytest

from nlu.client import NluBadResponse, NluResult, NluUnavailable, RasaClient, parse_rasa_payload
from nlu.rasa_service import free_port
from tests.fakes.fake_rasa import FakeRasaServer


@pytest.fixture
async def rasa():
    server = FakeRasaServer()
    await server.start()
    yield server
    await server.stop()


async def test_parse_returns_typed_result(rasa: FakeRasaServer) -> None:
    async with RasaClient(rasa.url, rasa.token) as client:
        result = await client.parse("please call me at 8pm")
    assert isinstance(result, NluResult)
    assert result.intent == "out_of_scope"
    assert result.ranking[1].name == "worry"
    assert result.entity_values("time") == ["8pm"]
    assert result.score_of("sadness") == pytest.approx(0.1)
    assert result.rank_of("worry") == 2
    assert result.rank_of("greet") is None


async def test_crisis_intent_comes_through(rasa: FakeRasaServer) -> None:
    async with RasaClient(rasa.url, rasa.token) as client:
        result = await client.parse("i want to die")
    assert result.intent == "crisis_self_harm"
    assert result.confidence == pytest.approx(0.91)


async def test_dead_server_raises_unavailable_after_retries() -> None:
    port = free_port()
    async with RasaClient(f"http://127.0.0.1:{port}", "t", retries=2, backoff=0.01) as client:
        with pytest.raises(NluUnavailable):
            await client.parse("hello")


async def test_wrong_token_is_a_bad_response(rasa: FakeRasaServer) -> None:
    async with RasaClient(rasa.url, "wrong") as client:
        with pytest.raises(NluBadResponse):
            await client.parse("hello")
        assert not await client.model_loaded()


@pytest.mark.parametrize("mode", ["garbage", "not_json"])
async def test_garbage_is_a_bad_response(rasa: FakeRasaServer, mode: str) -> None:
    rasa.mode = mode
    async with RasaClient(rasa.url, rasa.token) as client:
        with pytest.raises(NluBadResponse):
            await client.parse("hello")


async def test_server_error_is_unavailable_and_not_retried(rasa: FakeRasaServer) -> None:
    rasa.mode = "error500"
    async with RasaClient(rasa.url, rasa.token) as client:
        with pytest.raises(NluUnavailable):
            await client.parse("hello")
    assert rasa.requests == 1


async def test_503_is_retried_once_then_succeeds(rasa: FakeRasaServer) -> None:
    rasa.mode = "unavailable_once"
    async with RasaClient(rasa.url, rasa.token, backoff=0.01) as client:
        result = await client.parse("hi there")
    assert result.intent == "greet"
    assert rasa.requests == 2


async def test_read_timeout_is_unavailable_and_not_retried(rasa: FakeRasaServer) -> None:
    rasa.mode, rasa.delay = "slow", 1.0
    async with RasaClient(rasa.url, rasa.token, read_timeout=0.2) as client:
        with pytest.raises(NluUnavailable):
            await client.parse("hello")
    assert rasa.requests == 1


async def test_long_text_is_cut_before_sending(rasa: FakeRasaServer) -> None:
    seen: list[int] = []

    def answer(text: str) -> dict:
        seen.append(len(text))
        return {"intent": {"name": "overwhelm", "confidence": 0.8}, "intent_ranking": [], "entities": []}

    rasa.answer = answer
    async with RasaClient(rasa.url, rasa.token) as client:
        result = await client.parse("x" * 10_000)
    assert result.intent == "overwhelm" and result.ranking[0].name == "overwhelm"
    assert seen == [RasaClient.MAX_CHARS]


async def test_alive_and_loaded(rasa: FakeRasaServer) -> None:
    async with RasaClient(rasa.url, rasa.token) as client:
        assert await client.is_alive()
        assert await client.model_loaded()


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"intent": None},
        {"intent": {"name": ""}},
        {"intent": {"name": "greet", "confidence": "high"}},
        {"intent": {"name": "greet", "confidence": 1.7}},
        {"intent": {"name": "greet", "confidence": 0.9}, "intent_ranking": "x"},
        {"intent": {"name": "greet", "confidence": 0.9}, "risk": 0.4},
        {"intent": {"name": "greet", "confidence": 0.9}, "risk": {"confidence": 2}},
    ],
)
def test_payload_validation_rejects(payload: object) -> None:
    with pytest.raises(NluBadResponse):
        parse_rasa_payload(payload)


def test_the_risk_readers_probability_comes_through_and_is_optional() -> None:
    with_reader = parse_rasa_payload({"intent": {"name": "worry", "confidence": 0.7}, "risk": {"confidence": 0.83}})
    assert with_reader.risk == pytest.approx(0.83)
    assert parse_rasa_payload({"intent": {"name": "worry", "confidence": 0.7}}).risk is None
