"""`make demo`: run brandgate on the bundled brands and example drafts, end to end.

1. validate the bundled guideline files;
2. check every example draft (`brandgate check --input examples/drafts.jsonl`);
3. submit them as agency staff into the configured database (the SQLite default unless
   DATABASE_URL says otherwise), let brand owners approve, reject, request changes and edit;
4. verify the audit log's hash chain and print a summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.cli.main import main as cli
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "drafts.jsonl"


def banner(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)), flush=True)


def run_workflow(settings: Settings) -> int:
    # Imported here: the check part of the demo must not need the database layer.
    from bot.audit.verify import verify
    from bot.engine.rules import RULE_TYPES
    from bot.guidelines.loader import GuidelineStore
    from bot.workflow.demo import run_scenario, summary_table
    from bot.workflow.service import WorkflowService
    from models.db import open_database

    db = open_database(settings.database_url)
    service = WorkflowService(db, GuidelineStore(settings.guidelines_dir, RULE_TYPES))
    drafts = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    rows = run_scenario(service, drafts)
    print(summary_table(rows))
    banner("Verifying the audit log")
    result = verify(db)
    print(result)
    return 0 if result.ok else 1


def run() -> int:
    settings = Settings.from_env()
    banner("Validating the bundled guideline files")
    if cli(["guidelines", "validate"]) != 0:
        return 2
    banner(f"Checking {EXAMPLES.relative_to(ROOT)} against the bundled brands")
    if cli(["check", "--input", str(EXAMPLES)]) == 2:
        return 2
    banner(f"Submitting and deciding them on {settings.database_url}")
    return run_workflow(settings)


if __name__ == "__main__":
    sys.exit(run())
