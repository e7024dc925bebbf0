"""`serve`'s periodic jobs: the timers every minute and the audit anchor daily, in their thread."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from bot.slack.ticker import Ticker, did_something
from tests.slack.harness import Harness


def test_a_ticker_runs_at_once_survives_a_failure_and_stops() -> None:
    calls: list[int] = []
    second = threading.Event()
    woken: list[bool] = []

    def work() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database briefly away")
        second.set()
        return True

    ticker = Ticker(work, 0.01, name="test-ticker", after=lambda: woken.append(True))
    ticker.start()
    try:
        assert second.wait(5), "the loop died with the first failure"
        assert ticker.running
    finally:
        ticker.stop()
    assert not ticker.running
    assert woken  # a run that did something wakes the dispatcher


def test_nothing_fired_does_not_wake_the_dispatcher() -> None:
    woken: list[bool] = []
    ticker = Ticker(lambda: False, 60, name="idle", after=lambda: woken.append(True))
    assert ticker.tick() is False and woken == []
    assert did_something({"reminded": 0, "escalated": 1, "expired": 0})
    assert not did_something({"reminded": 0, "escalated": 0, "expired": 0})


def test_serve_runs_the_timers_and_anchors_the_log(
    slack_sqlite: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    timers, anchors = slack_sqlite.runtime.tickers[:2]
    assert (timers.name, timers.interval) == ("brandgate-timers", 60.0)
    assert (anchors.name, anchors.interval) == ("brandgate-anchor", 24 * 3600.0)
    assert timers.tick() is False  # nothing is due on an empty database
    written = anchors.tick()
    assert written is not None
    (line,) = (tmp_path / "var" / "anchors.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["seq"] == written.seq
