"""The on-disk compile cache: used only under its exact key, rebuilt when stale or corrupt, and
never a reason to fail (an unusable folder just means no cache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.engine import lexicon
from bot.engine.checker import Checker
from bot.engine.compile_cache import CompileCache, default_directory
from bot.engine.findings import Draft
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from bot.guidelines.model import Guidelines
from tests.engine.support import EN_GUIDELINES, write_guidelines

DRAFTS = [
    "We guarantee this jacket is risk-free and 100% waterproof!",
    "Our team tested it on the ridge. Thanks for asking!",
    "Honestly the best gear you will ever buy, guaranteed.",
    "Reach me at jane.doe@example.com for the refund.",
]


@pytest.fixture
def guidelines(tmp_path: Path) -> Guidelines:
    directory = tmp_path / "guidelines"
    directory.mkdir()
    write_guidelines(directory, "northwind", EN_GUIDELINES)
    return load_guidelines(directory / "northwind.yml", RULE_TYPES)


def findings(checker: Checker) -> list[object]:
    return [r.findings for r in checker.check_many(Draft(text=t, platform="x") for t in DRAFTS)]


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.bin"))


def test_second_compile_reads_the_entry_and_finds_the_same(
    guidelines: Guidelines, tmp_path: Path
) -> None:
    cache = CompileCache(tmp_path / "cache")
    first = Checker(guidelines, cache)
    assert not first.terms.from_cache
    assert len(entries(tmp_path / "cache")) == 1
    second = Checker(guidelines, cache)
    assert second.terms.from_cache
    uncached = Checker(guidelines)
    assert findings(second) == findings(first) == findings(uncached)
    assert any(findings(uncached))  # the drafts do hit the lexicon


def test_other_terms_are_a_miss_and_replace_the_brands_old_entry(
    guidelines: Guidelines, tmp_path: Path
) -> None:
    cache = CompileCache(tmp_path / "cache")
    Checker(guidelines, cache)
    (old,) = entries(tmp_path / "cache")
    edited_file = guidelines.path.with_name("northwind.yml")
    edited_file.write_text(EN_GUIDELINES.replace("guarantee", "promise"), encoding="utf-8")
    edited = load_guidelines(edited_file, RULE_TYPES)
    assert edited.sha256 != guidelines.sha256
    checker = Checker(edited, cache)
    assert not checker.terms.from_cache
    (new,) = entries(tmp_path / "cache")
    assert new != old
    assert findings(checker) == findings(Checker(edited))


def test_a_corrupt_entry_is_compiled_again_and_rewritten(
    guidelines: Guidelines, tmp_path: Path
) -> None:
    cache = CompileCache(tmp_path / "cache")
    expected = findings(Checker(guidelines, cache))
    (entry,) = entries(tmp_path / "cache")
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF  # one flipped byte in the payload
    entry.write_bytes(bytes(data))
    checker = Checker(guidelines, cache)
    assert not checker.terms.from_cache
    assert findings(checker) == expected
    assert Checker(guidelines, cache).terms.from_cache  # rewritten whole

    entry.write_bytes(data[:100])  # truncated
    assert not Checker(guidelines, cache).terms.from_cache


def test_an_entry_of_other_versions_is_never_used(
    guidelines: Guidelines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CompileCache(tmp_path / "cache")
    Checker(guidelines, cache)
    versions = lexicon.compile_versions()
    for name in ("spacy", "brandgate", "code", "python"):
        other = {**versions, name: versions[name] + "-other"}
        monkeypatch.setattr(lexicon, "compile_versions", lambda other=other: other)
        assert not Checker(guidelines, cache).terms.from_cache, name
    monkeypatch.setattr(lexicon, "compile_versions", lambda: versions)
    # ...and the entry written under the last other version replaced the first one.
    assert not Checker(guidelines, cache).terms.from_cache


def test_an_entry_copied_under_another_key_is_refused(
    guidelines: Guidelines, tmp_path: Path
) -> None:
    cache = CompileCache(tmp_path / "cache")
    key = {"a": "1"}
    assert cache.store("slot", key, b"payload")
    (entry,) = entries(tmp_path / "cache")
    other = {"a": "2"}
    entry.rename(cache._path("slot", other))  # same bytes, file name of another key
    assert cache.load("slot", other) is None
    assert cache.load("slot", key) is None


def test_an_unwritable_folder_disables_the_cache(guidelines: Guidelines, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    cache = CompileCache(blocker / "cache")  # cannot be made: its parent is a file
    expected = findings(Checker(guidelines))
    checker = Checker(guidelines, cache)
    assert not checker.terms.from_cache
    assert findings(checker) == expected
    assert not Checker(guidelines, cache).terms.from_cache


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_may_write_to_is_not_used(guidelines: Guidelines, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    cache = CompileCache(shared)
    Checker(guidelines, cache)
    assert entries(shared) == []
    assert not Checker(guidelines, cache).terms.from_cache


def test_cache_folder_from_the_environment(tmp_path: Path) -> None:
    assert default_directory({"BRANDGATE_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_directory({"BRANDGATE_CACHE_DIR": "", "HOME": "/home/u"}) is None
    assert default_directory({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/brandgate")
    assert default_directory({"HOME": "/h"}) == Path("/h/.cache/brandgate")
    assert default_directory({}) is None


def test_dict_matching_and_the_phrase_matcher_agree(guidelines: Guidelines) -> None:
    """The first drafts are matched through the phrase dicts, later ones through the
    PhraseMatcher: both must find exactly the same."""
    slow = Checker(guidelines)
    fast = Checker(guidelines)
    fast.terms._slow_left = 0
    texts = [*DRAFTS, "risk free, Risk-Free, RISK-FREE", "guarantees guaranteed guaranteeing"]
    matched = 0
    for text in texts:
        doc = slow.nlp.make_doc(text)
        found = slow.terms.match(doc)
        assert found == fast.terms.match(doc), text
        matched += bool(found)
    assert matched >= 3
    assert slow.terms._matchers is None
    assert fast.terms._matchers is not None
