"""`make demo`: run brandgate on the bundled brands and example drafts, end to end."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.cli.main import main as cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "drafts.jsonl"


def banner(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)))


def run() -> int:
    banner("Validating the bundled guideline files")
    if cli(["guidelines", "validate"]) != 0:
        return 2
    banner(f"Checking {EXAMPLES.relative_to(ROOT)} against the bundled brands")
    status = cli(["check", "--input", str(EXAMPLES)])
    if status == 2:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(run())
