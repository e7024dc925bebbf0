"""`serve` when Slack or the database does not answer at start (issue 10 items 5, 26) and what it
logs when all is well (item 19).

The retry loop's wait and clock are injected: a "wait" here checks `/healthz` over HTTP and moves
a fake clock on, so two minutes of back-off take no time at all.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import build_parser, main
from bot.config import Settings
from bot.slack import ids
from bot.slack.cli import serve
from bot.slack.endpoint import SlackEndpoint
from bot.slack.runtime import Runtime
from bot.slack.server import HttpServer
from bot.slack.startup import Startup
from tests.slack.brands import SUBMITTER
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, TrackingExecutor
from tests.slack.signed import SignedClient


def _health(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _startup_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "brandgate.slack.startup" and r.levelno == logging.WARNING
    ]


def test_slack_failing_at_start_is_retried_then_the_app_serves(
    fake_slack: FakeSlack, sqlite_url: str, guidelines_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake_slack.fail_next(8, status=503, method="auth.test")
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
        database_url=sqlite_url,
        guidelines_dir=guidelines_dir,
    )
    executor = TrackingExecutor()
    clock = FakeClock()
    seen: list[tuple[int, dict[str, Any]]] = []
    early: list[int] = []

    endpoint = SlackEndpoint(SIGNING_SECRET, health=lambda: startup.health())
    server = HttpServer(endpoint, host="127.0.0.1", port=0).start()
    client = SignedClient(server.url, SIGNING_SECRET, fake_slack.response_url_base)

    def wait(seconds: float) -> bool:
        seen.append(_health(server.url))
        if not early:  # Slack's own requests meanwhile: "try again later", nothing done
            early.append(client.command(ids.CMD_BRANDCHECK, "hello", user=SUBMITTER).status)
        clock.now += seconds
        return False

    startup = Startup(lambda: Runtime.build(settings, executor=executor), wait=wait, clock=clock)
    runtime = startup.run()
    try:
        assert runtime is not None and startup.attempts == 8
        assert len(seen) == 8 and early == [503]
        assert all(
            status == 503
            and body["detail"] == "starting: slack: auth.test answered HTTP 503; retrying"
            for status, body in seen
        )
        # Eight failures over two minutes of back-off (0, 1, 3, ... 61, 91 s): one line a minute.
        assert len(_startup_warnings(caplog)) == 2
        assert not any(r.exc_info for r in caplog.records)

        endpoint.health = runtime.health
        endpoint.serve(runtime.app)
        runtime.dispatcher.start()
        assert _health(server.url) == (200, {"ok": True, "detail": "ok"})
        resp = client.command(ids.CMD_BRANDCHECK, "acme x We guarantee it", user=SUBMITTER)
        assert resp.status == 200
        executor.wait_idle()
        answers = [c for c in fake_slack.calls if c.method.startswith("/respond/")]
        assert len(answers) == 1 and "guarantee" in answers[0].rendered()
    finally:
        server.stop()
        executor.shutdown(wait=True)
        if runtime is not None:
            runtime.close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_slack: FakeSlack) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is picked up
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(tmp_path))


def _serve_args(port: int) -> Any:
    argv = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    return build_parser("serve").parse_args(argv)


@pytest.mark.parametrize("unreachable", ["database", "slack"])
def test_serve_waits_for_an_unreachable_dependency_without_a_traceback(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    unreachable: str,
) -> None:
    caplog.set_level(logging.INFO)
    nowhere = _closed_port()
    if unreachable == "database":
        monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://brandgate@127.0.0.1:{nowhere}/x")
    else:
        monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{nowhere}/api/")
    port = _closed_port()
    seen: list[tuple[int, dict[str, Any]]] = []

    def wait(seconds: float) -> bool:
        seen.append(_health(f"http://127.0.0.1:{port}"))
        return len(seen) == 3  # then the operator stops it

    assert serve(_serve_args(port), wait=wait) == 0
    assert [status for status, _ in seen] == [503, 503, 503]
    assert all(body["detail"].startswith(f"starting: {unreachable}: ") for _, body in seen)
    (warning,) = _startup_warnings(caplog)  # three attempts within a minute: one line
    assert unreachable in warning.getMessage()
    assert not any(r.exc_info for r in caplog.records)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


class _StopWhenReady(logging.Handler):
    """Sends SIGTERM (as `docker stop` would) once serve says it is ready."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("ready:"):
            os.kill(os.getpid(), signal.SIGTERM)


def test_serve_starts_quietly(env: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    stopper = _StopWhenReady()
    logging.getLogger("brandgate.slack.cli").addHandler(stopper)
    previous = signal.getsignal(signal.SIGTERM)
    # Only a guard against hanging should serve never say it is ready.
    guard = threading.Timer(60, os.kill, (os.getpid(), signal.SIGTERM))
    guard.start()
    try:
        assert serve(_serve_args(_closed_port())) == 0
    finally:
        guard.cancel()
        logging.getLogger("brandgate.slack.cli").removeHandler(stopper)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records]
    assert not [line for line in lines if "alembic" in line], lines
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], lines
    assert len(lines) <= 4, lines


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("SLACK_BOT_TOKEN", "xoxa-not-a-bot-token-123", "Slack refused SLACK_BOT_TOKEN: not_"),
        ("DATABASE_URL", "nosuchdb://somewhere/x", "DATABASE_URL nosuchdb://somewhere/x: "),
    ],
)
def test_what_waiting_cannot_fix_is_one_line_and_exit_2(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    said: str,
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["serve", "--http", "--host", "127.0.0.1", "--port", str(_closed_port())]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "xoxa-not-a-bot-token-123" not in err
