"""A CLI batch holds Python's cyclic collector off while it checks a batch, and only then:
never for one draft, never with other threads running, and always switched back on."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from bot.engine.checker import Checker, DraftError
from bot.engine.findings import CheckResult, Draft
from bot.guidelines.model import Guidelines

TEXTS = ["Thanks for writing, we guarantee a fix today!", "Our team is on it.", "See you soon"]


@pytest.fixture()
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether the collector was on in each batch the checker ran."""
    states: list[bool] = []
    phases = Checker._check_phases

    def spy(self: Checker, *args: object) -> list[CheckResult]:
        states.append(gc.isenabled())
        return phases(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Checker, "_check_phases", spy)
    assert gc.isenabled()
    yield states
    assert gc.isenabled()


def _drafts() -> list[Draft]:
    return [Draft(text=t, platform="x") for t in TEXTS]


def test_a_batch_runs_without_the_collector_and_restores_it(
    en: Guidelines, seen: list[bool]
) -> None:
    checker = Checker(en)
    plain = [checker.check(d).findings for d in _drafts()]
    assert [r.findings for r in checker.check_many(_drafts())] == plain
    assert seen == [True, True, True, False]  # three single checks, then one batch
    assert gc.isenabled()


def test_a_failing_batch_switches_the_collector_back_on(en: Guidelines, seen: list[bool]) -> None:
    checker = Checker(en)

    def broken(self: Checker, *args: object) -> list[CheckResult]:
        raise RuntimeError("a rule failed")

    phases = Checker._check_phases
    Checker._check_phases = broken  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            list(checker.check_many(_drafts()))
    finally:
        Checker._check_phases = phases  # type: ignore[method-assign]
    assert gc.isenabled()
    with pytest.raises(DraftError):
        list(checker.check_many([*_drafts(), Draft(text=" ", platform="x")]))
    assert gc.isenabled()


def test_with_another_thread_running_the_collector_stays_on(
    en: Guidelines, seen: list[bool]
) -> None:
    checker = Checker(en)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        list(checker.check_many(_drafts()))
    finally:
        stop.set()
        other.join()
    assert seen == [True]


def test_a_collector_switched_off_by_the_caller_stays_off(en: Guidelines) -> None:
    checker = Checker(en)
    gc.disable()
    try:
        list(checker.check_many(_drafts()))
        assert not gc.isenabled()
    finally:
        gc.enable()
