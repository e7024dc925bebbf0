"""`brandgate check` with its on-disk cache: the validated file is reused only for the same
bytes, a bad entry is validated again, and a cache folder that cannot be used changes nothing
but the speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.engine.compile_cache import CompileCache
from bot.engine.rules import RULE_TYPES
from bot.guidelines import store as store_module
from bot.guidelines.store import GuidelineStore
from tests.cli.conftest import run_cli
from tests.engine.support import EN_GUIDELINES, write_guidelines

TEXT = "We guarantee it is risk free!"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    directory = tmp_path / "guidelines"
    directory.mkdir()
    # A comment of its own: bytes no other test compiled (checkers are also kept in memory).
    write_guidelines(directory, "northwind", f"# {directory}\n{EN_GUIDELINES}")
    return directory


def check(folder: Path) -> tuple[int, list[str]]:
    ran = run_cli(
        [
            "check",
            "--guidelines-dir",
            str(folder),
            "--brand",
            "northwind",
            "--platform",
            "x",
            "--format",
            "json",
            TEXT,
        ]
    )
    return ran.status, [f["rule"] for f in json.loads(ran.out)["findings"]]


def test_check_writes_its_cache_and_answers_the_same_from_it(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("BRANDGATE_CACHE_DIR", str(cache))
    first = check(folder)
    assert first[0] == 1 and "no-guarantees" in first[1]
    assert {p.name.split("@")[0] for p in cache.glob("*.bin")} == {
        "northwind",
        "northwind.guidelines",
    }
    assert check(folder) == first


@pytest.mark.parametrize("setting", ["", "file"])
def test_no_cache_or_an_unusable_one_changes_nothing(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("BRANDGATE_CACHE_DIR", str(tmp_path / "cache"))
    expected = check(folder)
    if setting == "file":
        blocker = tmp_path / "blocker"
        blocker.write_text("x", encoding="utf-8")
        setting = str(blocker / "cache")
    monkeypatch.setenv("BRANDGATE_CACHE_DIR", setting)
    assert check(folder) == expected


def test_the_store_reuses_a_validated_file_only_for_the_same_bytes(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CompileCache(tmp_path / "cache")
    loaded = GuidelineStore(folder, RULE_TYPES, cache).get("northwind")

    def refuse(*args: object) -> object:
        raise AssertionError("validated again")

    with monkeypatch.context() as patched:
        patched.setattr(store_module, "load_bytes", refuse)
        again = GuidelineStore(folder, RULE_TYPES, cache).get("northwind")
    assert again == loaded and again is not loaded

    (folder / "northwind.yml").write_text(
        EN_GUIDELINES.replace("guarantee", "promise"), encoding="utf-8"
    )
    edited = GuidelineStore(folder, RULE_TYPES, cache).get("northwind")
    assert edited.sha256 != loaded.sha256


def test_a_corrupt_guidelines_entry_is_validated_again(folder: Path, tmp_path: Path) -> None:
    cache = CompileCache(tmp_path / "cache")
    loaded = GuidelineStore(folder, RULE_TYPES, cache).get("northwind")
    (entry,) = (tmp_path / "cache").glob("northwind.guidelines@*.bin")
    entry.write_bytes(entry.read_bytes()[:-5] + b"xxxxx")
    assert GuidelineStore(folder, RULE_TYPES, cache).get("northwind") == loaded
    assert entry.read_bytes().endswith(b".")  # pickle's STOP: the entry was written anew
