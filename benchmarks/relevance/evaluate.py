"""Precision and recall of the `relevance` rule on real (customer message, brand reply) pairs
labelled by hand (benchmarks/relevance/labels.csv; criteria in README.md).

    .venv/bin/python benchmarks/relevance/evaluate.py [--labels FILE] [--show]

The texts are read from ../shared/data (twcs_sample.csv, ibm_twitter_cc/), never stored here;
without them the script says so and exits 0. A pair counts as positive when labelled `ignores`
(the reply ignores what the customer said); `skip` rows (not a customer/brand pair) are left out.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from pairs import SHARED, all_pairs  # noqa: E402

from bot.engine.checker import Checker  # noqa: E402
from bot.engine.findings import Draft  # noqa: E402
from bot.engine.rules import RULE_TYPES  # noqa: E402
from bot.guidelines.loader import load_guidelines  # noqa: E402

GUIDELINES = """\
brand: Eval
language: en
version: "eval"
rules:
  - id: relevance
    type: relevance
    level: warning
approvers:
  brand: [U01EVAL01]
routing:
  default: [brand]
"""


def checker(tmp: Path) -> Checker:
    path = tmp / "eval.yml"
    path.write_text(GUIDELINES, encoding="utf-8")
    return Checker(load_guidelines(path, RULE_TYPES))


def _flagged(check: Checker, customer: str, reply: str) -> bool:
    result = check.check(Draft(text=reply, platform="x", kind="reply", context=customer))
    return any(f.rule == "relevance" for f in result.findings)


def _corpus(check: Checker, pairs: dict[str, Any], label_files: list[Path]) -> None:
    labels: dict[str, str] = {}
    for path in label_files:
        with path.open(encoding="utf-8", newline="") as handle:
            labels.update({r["id"]: r["label"] for r in csv.DictReader(handle)})
    flagged = [p for p in pairs.values() if _flagged(check, p.customer, p.reply)]
    judged = [labels[p.id] for p in flagged if labels.get(p.id, "skip") != "skip"]
    unlabelled = sum(1 for p in flagged if p.id not in labels)
    right = judged.count("ignores")
    precision = right / len(judged) if judged else float("nan")
    print(
        f"whole corpus: {len(flagged)} of {len(pairs)} pairs flagged "
        f"({len(flagged) / len(pairs):.1%}); {len(judged)} of them labelled (others: "
        f"{unlabelled} unlabelled, {len(flagged) - len(judged) - unlabelled} skipped), "
        f"{right} ignore the customer: precision {precision:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, nargs="+", default=[HERE / "labels.csv"])
    parser.add_argument("--show", action="store_true", help="print each disagreement")
    parser.add_argument(
        "--corpus",
        action="store_true",
        help="also check every pair of the data and report how many are flagged, and the "
        "precision over those of them that are labelled (in any --labels file)",
    )
    args = parser.parse_args()
    pairs = all_pairs()
    if not pairs:
        print(f"no data under {SHARED}: nothing to measure")
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        check = checker(Path(tmp))
        tp = fp = fn = tn = missing = 0
        started = time.perf_counter()
        for labels in args.labels:
            with labels.open(encoding="utf-8", newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if r["label"] != "skip"]
            for row in rows:
                pair = pairs.get(row["id"])
                if pair is None:
                    missing += 1
                    continue
                result = check.check(
                    Draft(text=pair.reply, platform="x", kind="reply", context=pair.customer)
                )
                flagged = any(f.rule == "relevance" for f in result.findings)
                truth = row["label"] == "ignores"
                tp += flagged and truth
                fp += flagged and not truth
                fn += truth and not flagged
                tn += not flagged and not truth
                if args.show and flagged != truth:
                    kind = "FP" if flagged else "FN"
                    print(
                        f"{kind} {row['id']}: {row['reason']}\n   C: {pair.customer[:200]!r}"
                        f"\n   R: {pair.reply[:200]!r}"
                    )
        elapsed = time.perf_counter() - started
        if args.corpus:
            _corpus(check, pairs, args.labels)
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print(
        f"labelled pairs: {n} ({tp + fn} ignore the customer), from "
        + ", ".join(p.name for p in args.labels)
        + (f"; {missing} ids not found in the data" if missing else "")
    )
    print(f"flagged: {tp + fp}  true positives: {tp}  false positives: {fp}  missed: {fn}")
    print(
        f"precision: {precision:.2f}  recall: {recall:.2f}  (target: precision >= 0.9 at "
        "recall >= 0.5)"
    )
    print(
        f"conditions: Python {platform.python_version()}, {platform.machine()}, "
        f"{elapsed:.1f} s for {n} checks, data {SHARED}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
