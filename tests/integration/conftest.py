"""The real Rasa server, started once per test session on 127.0.0.1 and stopped afterwards.

`make test` trains the model before pytest runs; if the model is missing these tests fail
with the reason rather than skip, since an untested NLU would be silently unsafe.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nlu import rasa_service


@pytest.fixture(scope="session")
def rasa_server() -> Iterator[rasa_service.NluServer]:
    if not rasa_service.model_path("en").exists():
        pytest.fail("No trained NLU model: run `make model` (make test does it for you).")
    server = rasa_service.NluServer("en", token="integration-test-token")
    server.start()
    try:
        server.wait_ready(timeout=240)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rasa_server_es() -> Iterator[rasa_service.NluServer]:
    """The Spanish model on its own server, as `tend run` serves it beside the English one."""
    if not rasa_service.model_path("es").exists():
        pytest.fail("No trained Spanish NLU model: run `make model` (make test does it for you).")
    server = rasa_service.NluServer("es", token="integration-test-token")
    server.start()
    try:
        server.wait_ready(timeout=240)
        yield server
    finally:
        server.stop()
