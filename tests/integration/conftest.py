"""The real Rasa server, started once per test session on 127.0.0.1 and stopped afterwards.

`make test` trains the model before pytest runs; if the model is missing these tests fail
with the reason rather than skip, since an untested NLU would be silently unsafe.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nlu import rasa_service


def _serve(language: str) -> Iterator[rasa_service.NluServer]:
    """One language's model on its own real server, as `tend run` serves each language."""
    if not rasa_service.model_path(language).exists():
        pytest.fail(f"No trained {language} NLU model: run `make model` (make test does it for you).")
    server = rasa_service.NluServer(language, token="integration-test-token")
    server.start()
    try:
        server.wait_ready(timeout=240)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rasa_server() -> Iterator[rasa_service.NluServer]:
    yield from _serve("en")


@pytest.fixture(scope="session")
def rasa_server_es() -> Iterator[rasa_service.NluServer]:
    """The Spanish model on its own server, beside the English one."""
    yield from _serve("es")
