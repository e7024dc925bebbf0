"""Fixtures: small guideline files written for the engine tests (never the bundled examples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.checker import Checker, get_checker
from bot.engine.findings import CheckResult, Draft
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from bot.guidelines.model import Guidelines
from tests.engine.support import EN_GUIDELINES, IT_GUIDELINES, CheckFn, write_guidelines


@pytest.fixture(scope="session")
def guidelines_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("guidelines")
    write_guidelines(directory, "northwind", EN_GUIDELINES)
    write_guidelines(directory, "aurora", IT_GUIDELINES)
    return directory


@pytest.fixture(scope="session")
def en(guidelines_dir: Path) -> Guidelines:
    return load_guidelines(guidelines_dir / "northwind.yml", RULE_TYPES)


@pytest.fixture(scope="session")
def it(guidelines_dir: Path) -> Guidelines:
    return load_guidelines(guidelines_dir / "aurora.yml", RULE_TYPES)


def _checker_fn(checker: Checker) -> CheckFn:
    def check(text: str, platform: str = "instagram", **kw: object) -> CheckResult:
        return checker.check(Draft(text=text, platform=platform, **kw))  # type: ignore[arg-type]

    return check


@pytest.fixture(scope="session")
def check_en(en: Guidelines) -> CheckFn:
    return _checker_fn(get_checker(en))


@pytest.fixture(scope="session")
def check_it(it: Guidelines) -> CheckFn:
    return _checker_fn(get_checker(it))
