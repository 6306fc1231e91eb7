"""Async client for the Rasa NLU server (`POST /model/parse`).

The bot never imports Rasa: Rasa lives in its own Python 3.10 environment and is reached over
HTTP, the standard Rasa deployment. This module turns Rasa's loose JSON into a small typed
result so nothing downstream depends on Rasa's dict layout, and turns every way the server can
fail into one of two exceptions so callers can fall back (the crisis net keeps working alone).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "Entity",
    "IntentScore",
    "NluBadResponse",
    "NluError",
    "NluResult",
    "NluUnavailable",
    "RasaClient",
]


class NluError(Exception):
    """Any failure to understand a message through the NLU server."""


class NluUnavailable(NluError):
    """The server could not be reached or did not answer in time."""


class NluBadResponse(NluError):
    """The server answered, but not with a parse result we can trust."""


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """An extracted entity; `value` is the span as Rasa reports it, not yet interpreted."""

    entity: str
    value: str
    start: int | None = None
    end: int | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class NluResult:
    intent: str
    confidence: float
    ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    #: The pipeline's risk reader (`nlu/rasa_components/risk_reader.py`): the probability that the
    #: text is risk of any kind. None when the model has no reader (an older model, a fake NLU).
    risk: float | None = None

    def score_of(self, intent: str) -> float:
        """Confidence Rasa gave `intent` (0.0 when it is not in the ranking)."""
        if intent == self.intent:
            return self.confidence
        for item in self.ranking:
            if item.name == intent:
                return item.confidence
        return 0.0

    def rank_of(self, intent: str) -> int | None:
        """1-based position of `intent` in the ranking, None when absent."""
        for position, item in enumerate(self.ranking, start=1):
            if item.name == intent:
                return position
        return 1 if intent == self.intent else None

    def entity_values(self, name: str) -> list[str]:
        return [e.value for e in self.entities if e.entity == name]


def _as_confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NluBadResponse(f"confidence is not a number: {type(value).__name__}")
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0 + 1e-6:
        raise NluBadResponse("confidence outside [0, 1]")
    return min(number, 1.0)


def parse_rasa_payload(payload: Any) -> NluResult:
    """Validate Rasa's `/model/parse` answer and keep only what Tend uses.

    Rasa answers `{"intent": null}` when the model has no intent classifier or the text is
    empty; that is treated as a bad response rather than guessed at.
    """
    if not isinstance(payload, dict):
        raise NluBadResponse("answer is not a JSON object")
    intent = payload.get("intent")
    if not isinstance(intent, dict) or not isinstance(intent.get("name"), str) or not intent["name"]:
        raise NluBadResponse("answer has no intent name")
    top = IntentScore(intent["name"], _as_confidence(intent.get("confidence")))

    ranking: list[IntentScore] = []
    raw_ranking = payload.get("intent_ranking") or []
    if not isinstance(raw_ranking, list):
        raise NluBadResponse("intent_ranking is not a list")
    for item in raw_ranking:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            ranking.append(IntentScore(item["name"], _as_confidence(item.get("confidence"))))
    if not ranking:
        ranking = [top]

    entities: list[Entity] = []
    raw_entities = payload.get("entities") or []
    if isinstance(raw_entities, list):
        for item in raw_entities:
            if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
                continue
            conf = item.get("confidence_entity")
            entities.append(
                Entity(
                    entity=item["entity"],
                    value=str(item.get("value", "")),
                    start=item.get("start") if isinstance(item.get("start"), int) else None,
                    end=item.get("end") if isinstance(item.get("end"), int) else None,
                    confidence=float(conf) if isinstance(conf, (int, float)) else None,
                )
            )
    risk: float | None = None
    raw_risk = payload.get("risk")
    if raw_risk is not None:
        if not isinstance(raw_risk, dict):
            raise NluBadResponse("risk is not an object")
        risk = _as_confidence(raw_risk.get("confidence"))
    return NluResult(top.name, top.confidence, tuple(ranking), tuple(entities), risk)


class RasaClient:
    """One shared `httpx.AsyncClient` per process; cheap to call from many tasks at once.

    Retries: parsing is a pure function of the text, so repeating a request is harmless, but a
    parent is waiting, so only failures that cost nothing are retried — the connection was
    refused or never established, or the server said it is temporarily unavailable (503, e.g.
    a model still loading behind a load balancer). A read timeout is not retried: the server
    is slow, and trying again would only double the wait.
    """

    #: Rasa answers at most this much text well; longer messages are cut (the crisis net
    #: always sees the whole message before this client is called).
    MAX_CHARS = 2000

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        connect_timeout: float = 1.0,
        read_timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._retries = retries
        self._backoff = backoff
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        )

    async def __aenter__(self) -> RasaClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _params(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def parse(self, text: str) -> NluResult:
        text = text[: self.MAX_CHARS]
        attempt = 0
        while True:
            try:
                response = await self._http.post("/model/parse", params=self._params(), json={"text": text})
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt < self._retries:
                    attempt += 1
                    await asyncio.sleep(self._backoff * attempt)
                    continue
                raise NluUnavailable(f"NLU server unreachable at {self.base_url}") from exc
            except httpx.TimeoutException as exc:
                raise NluUnavailable("NLU server did not answer in time") from exc
            except httpx.HTTPError as exc:
                raise NluUnavailable(f"NLU request failed: {type(exc).__name__}") from exc

            if response.status_code == 503 and attempt < self._retries:
                attempt += 1
                await asyncio.sleep(self._backoff * attempt)
                continue
            if response.status_code in (401, 403):
                raise NluBadResponse("NLU server refused the auth token")
            if response.status_code >= 500:
                raise NluUnavailable(f"NLU server error {response.status_code}")
            if response.status_code != 200:
                raise NluBadResponse(f"NLU server answered {response.status_code}")
            try:
                payload = response.json()
            except ValueError as exc:
                raise NluBadResponse("answer is not JSON") from exc
            return parse_rasa_payload(payload)

    async def is_alive(self) -> bool:
        """True when the server answers at all (it may still be loading the model)."""
        try:
            response = await self._http.get("/", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def model_loaded(self) -> bool:
        """True when the server has a model ready to parse with."""
        try:
            response = await self._http.get("/status", params=self._params(), timeout=2.0)
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            return False
        try:
            body = response.json()
        except ValueError:
            return False
        return bool(isinstance(body, dict) and body.get("model_file"))
