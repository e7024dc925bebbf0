"""Platform limits, hashtags and disclosure: the checks every brand gets."""

from __future__ import annotations

from pathlib import Path

from bot.engine.builtins import _link_count
from bot.engine.checker import Checker
from bot.engine.findings import CheckResult, Draft, Finding
from bot.engine.links import URL
from bot.engine.platforms import weighted_length
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from tests.engine.support import CheckFn, rules_of, write_guidelines


def test_platform_length_counts_like_the_platform(check_en: CheckFn) -> None:
    assert weighted_length("https://example.com/a/very/long/path/indeed", "x") == 23
    assert weighted_length("日本", "x") == 4
    assert weighted_length("日本", "instagram") == 2
    fits = "a" * 280
    assert "platform-length" not in rules_of(check_en(fits, platform="x"))
    text = "a" * 300
    finding = next(f for f in check_en(text, platform="x").findings if f.rule == "platform-length")
    assert (finding.start, finding.end, finding.level) == (280, 300, "error")
    assert "280" in finding.message and "300" in finding.message
    # the same text is fine on Instagram
    assert "platform-length" not in rules_of(check_en(text, platform="instagram"))


def test_short_links_in_any_case_weigh_23_on_x(check_en: CheckFn) -> None:
    # 150 characters, but each of the 13 links weighs 23 on X: 13 * 23 + 12 spaces = 311.
    text = " ".join(["WWW.a.io", "www.b.io", "Www.c.io", "http://d.io"] * 3 + ["https://e.io"])
    assert len(text) <= 150 and weighted_length(text, "x") == 311
    assert "platform-length" in rules_of(check_en(text, platform="x"))
    assert "platform-length" not in rules_of(check_en(text, platform="instagram"))


def test_platform_defaults_apply_when_the_file_is_silent(check_en: CheckFn) -> None:
    assert "platform-length" in rules_of(check_en("b" * 501, platform="threads"))


def test_platform_hashtags(check_en: CheckFn) -> None:
    assert "platform-hashtags" not in rules_of(check_en("#a #b", platform="x"))
    text = "Go #hike #camp #trail"
    finding = next(
        f for f in check_en(text, platform="x").findings if f.rule == "platform-hashtags"
    )
    assert finding.text == "#trail" and finding.level == "warning"


def test_disclosure_required_when_sponsored(check_en: CheckFn) -> None:
    assert "disclosure" not in rules_of(check_en("New boots.", sponsored=False))
    missing = check_en("New boots from our partner.", sponsored=True)
    assert "disclosure" in rules_of(missing) and missing.verdict == "block"
    assert "disclosure" not in rules_of(check_en("#ad New boots.", sponsored=True))
    assert "disclosure" not in rules_of(check_en("New boots #Sponsored", sponsored=True))
    late = "x" * 200 + " #ad"
    finding = next(f for f in check_en(late, sponsored=True).findings if f.rule == "disclosure")
    assert finding.text == "#ad" and "125" in finding.message
    # "#adventure" is not "#ad"
    assert "disclosure" in rules_of(check_en("#adventure time", sponsored=True))


def _checker_with_threads_limit(tmp_path: Path, limit: int, language: str = "en") -> Checker:
    text = f"brand: Acme\nlanguage: {language}\nplatforms:\n  threads: {{max_chars: {limit}}}\n"
    return Checker(load_guidelines(write_guidelines(tmp_path, "acme", text), RULE_TYPES))


def _length_finding(result: CheckResult) -> Finding:
    return next(f for f in result.findings if f.rule == "platform-length")


def test_over_the_platforms_hard_limit_is_not_overridable(check_en: CheckFn) -> None:
    # A 636-character Threads post (limit 500) reached approvers through `drafts override`.
    result = check_en("b" * 636, platform="threads")
    finding = _length_finding(result)
    assert finding.overridable is False and result.overridable is False
    assert "cannot be overridden" in finding.message
    assert finding.to_json()["overridable"] is False


def test_over_the_brands_own_limit_only_stays_overridable(tmp_path: Path) -> None:
    checker = _checker_with_threads_limit(tmp_path, 300)
    within_platform = checker.check(Draft("b" * 400, "threads"))
    assert _length_finding(within_platform).overridable is True
    assert within_platform.overridable is True
    assert _length_finding(checker.check(Draft("b" * 636, "threads"))).overridable is False


def test_a_brand_limit_above_the_platforms_is_capped_by_it(tmp_path: Path) -> None:
    checker = _checker_with_threads_limit(tmp_path, 1000)
    finding = _length_finding(checker.check(Draft("b" * 636, "threads")))
    assert (finding.start, finding.overridable) == (500, False)


def test_hard_limit_message_speaks_the_brands_language(tmp_path: Path) -> None:
    checker = _checker_with_threads_limit(tmp_path, 1000, language="it")
    finding = _length_finding(checker.check(Draft("b" * 636, "threads")))
    assert finding.message == (
        "threads ammette 500 caratteri; questa bozza ne ha 636 (136 di troppo). "
        "threads stesso rifiuta post più lunghi: non si può forzare."
    )


def test_link_count_bounds_every_links_weight() -> None:
    """The platform-length rule skips measuring a draft when its length plus 23 per counted
    link is within the limit: the count must never be below the links X weighs."""
    texts = [
        "Thanks. We will help. See example.com. Bye.",
        "Go to www.example.com/a1.\nThen https://x.co/abc. Done.",
        "Read https://a.b/c. Then www.. ok",
        "ends with a link shop.it",
        "no links at all. none. ",
        "www.x www.y www.z.",
    ]
    for text in texts:
        assert _link_count(text) >= len(URL.findall(text)), text
