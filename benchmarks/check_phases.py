"""What each phase of a check costs, by ablation, beside spaCy's bare tokenizer.

    .venv/bin/python benchmarks/check_phases.py [--rounds 15]

Timing phases one by one inside a batch is distorted by the timers themselves and by where a
garbage collection happens to fall; so instead the whole `check_many` is timed with one phase
switched off at a time (normalisation made the identity, term matching returning nothing, a
rule finding nothing). Findings change in these variants: this measures, it does not check.
The drafts and the brand are those of `check_throughput.py`, one pass over the unique texts per
round; all variants and the bare tokenizer alternate round by round and each keeps its best
CPU time, the figure load from other processes disturbs least (printed with the load).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_throughput import lexicon_terms, load_drafts, time_checker, write_guidelines

import bot.engine.checker as checker_module
from bot.engine.checker import Checker, get_checker
from bot.engine.findings import Draft
from bot.engine.normalize import Normalized, normalize
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines


def variants(checker: Checker) -> dict[str, Callable[[], None]]:
    """Name -> a function that switches the checker to that variant (from the baseline)."""
    original_match = checker.terms.match

    def baseline() -> None:
        checker_module.normalize = normalize  # type: ignore[attr-defined]
        checker.terms.match = original_match  # type: ignore[method-assign]
        for rule in checker.rules:
            rule.__dict__.pop("find", None)

    def without_normalising() -> None:
        baseline()
        checker_module.normalize = lambda text: Normalized(text, text)  # type: ignore[attr-defined]

    def without_matching() -> None:
        baseline()
        checker.terms.match = lambda doc: {}  # type: ignore[method-assign]

    def without_rule(rule_id: str) -> Callable[[], None]:
        def switch() -> None:
            baseline()
            for rule in checker.rules:
                if rule.spec.id == rule_id:
                    rule.find = lambda doc: []  # type: ignore[method-assign]

        return switch

    found = {
        "baseline": baseline,
        "no normalisation": without_normalising,
        "no term matching (nor terms-only rules)": without_matching,
    }
    for rule in checker.rules:
        found[f"no rule {rule.spec.id}"] = without_rule(rule.spec.id)
    return found


def cpu_us_per_draft(run: Callable[[], None], count: int) -> float:
    started = time.process_time()
    run()
    return (time.process_time() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cycled, drafts_origin = load_drafts(20000)
    texts = list(dict.fromkeys(cycled))  # one pass over the unique texts per round
    terms, terms_origin = lexicon_terms()
    with tempfile.TemporaryDirectory() as tmp:
        guidelines = load_guidelines(write_guidelines(Path(tmp), terms), RULE_TYPES)
        checker = get_checker(guidelines)
    time_checker(checker, texts)  # warm-up: tokenizer cache, PhraseMatcher, memoised messages
    switches = variants(checker)

    def check() -> None:
        for _ in checker.check_many(Draft(text=t, platform="x") for t in texts):
            pass

    def tokenize() -> None:
        for _ in checker.nlp.pipe(texts, batch_size=1000):
            pass

    best: dict[str, float] = {name: float("inf") for name in [*switches, "bare tokenizer"]}
    for _ in range(args.rounds):
        for name, switch in switches.items():
            switch()
            best[name] = min(best[name], cpu_us_per_draft(check, len(texts)))
        best["bare tokenizer"] = min(best["bare tokenizer"], cpu_us_per_draft(tokenize, len(texts)))
    switches["baseline"]()
    print(f"drafts: {drafts_origin}; guidelines: {terms_origin}")
    print(f"best CPU microseconds per draft of {args.rounds} alternating rounds:")
    baseline = best["baseline"]
    for name, value in best.items():
        print(f"  {name:44s} {value:7.1f}   saves {baseline - value:6.1f}")
    print(f"  CPU ratio bare tokenizer / check: {best['bare tokenizer'] / baseline:.3f}")
    load = os.getloadavg()
    print(f"load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
