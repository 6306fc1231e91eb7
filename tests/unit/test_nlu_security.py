"""The NLU service is never reachable without a token, and a remote one needs an explicit token."""

from __future__ import annotations

import pytest

from bot.runtime import InsecureNluConfig, check_nlu_security
from bot.settings import Settings
from nlu.rasa_service import NluServer


def test_remote_nlu_without_token_is_refused() -> None:
    with pytest.raises(InsecureNluConfig):
        check_nlu_security(Settings(nlu_url="http://nlu.internal:5005", nlu_token=None))


def test_remote_nlu_with_token_and_local_without_are_fine() -> None:
    check_nlu_security(Settings(nlu_url="http://nlu.internal:5005", nlu_token="abc"))
    check_nlu_security(Settings(nlu_url="http://127.0.0.1:5005", nlu_token=None))


def test_server_binds_localhost_and_always_has_a_token(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TEND_NLU_TOKEN", raising=False)
    server = NluServer(model=tmp_path / "none.tar.gz")
    assert server.host == "127.0.0.1" and server.token


def test_serve_refuses_remote_bind_without_flag(capsys) -> None:
    from bot.cli import main

    assert main(["nlu", "serve", "--host", "0.0.0.0"]) == 2
    assert "Refusing" in capsys.readouterr().err
