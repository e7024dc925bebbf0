"""`brandgate serve`: mode selection, required settings, clean shutdown on SIGTERM."""

from __future__ import annotations

import os
import signal
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import build_parser, main
from bot.slack.cli import serve
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_slack: FakeSlack) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is picked up
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(tmp_path))


def test_http_mode_needs_token_and_signing_secret(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--http", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err


def test_socket_mode_when_app_token_is_set_and_sigterm_stops_it(
    env: None, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0-test")
    seen: dict[str, Any] = {}

    class FakeSocketModeHandler:
        def __init__(self, app: Any, app_token: str) -> None:
            seen["app"], seen["token"] = app, app_token

        def connect(self) -> None:
            # Connected: now `docker stop` sends SIGTERM.
            os.kill(os.getpid(), signal.SIGTERM)

        def close(self) -> None:
            seen["closed"] = True

    monkeypatch.setattr("slack_bolt.adapter.socket_mode.SocketModeHandler", FakeSocketModeHandler)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["serve"]) == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert seen["token"] == "xapp-1-A0-test" and seen["closed"] is True
    assert fake_slack.calls_to("auth.test")


def test_socket_mode_retries_a_connection_slack_does_not_answer_yet(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0-test")
    attempts: list[str] = []
    waits: list[float] = []

    class FlakySocketModeHandler:
        def __init__(self, app: Any, app_token: str) -> None:
            pass

        def connect(self) -> None:
            attempts.append("connect")
            if len(attempts) < 3:
                raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
            os.kill(os.getpid(), signal.SIGTERM)  # connected; now `docker stop`

        def close(self) -> None:
            attempts.append("closed")

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return False

    monkeypatch.setattr("slack_bolt.adapter.socket_mode.SocketModeHandler", FlakySocketModeHandler)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert serve(build_parser("serve").parse_args(["serve"]), wait=wait) == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert attempts == ["connect", "connect", "connect", "closed"]
    assert waits == [1.0, 2.0]
    assert "Traceback" not in capsys.readouterr().err
