"""`make demo`: run brandgate on the bundled brands and example drafts, end to end.

1. validate the bundled guideline files;
2. check every example draft (`brandgate check --input examples/drafts.jsonl`);
3. submit them as agency staff into the configured database (the SQLite default unless
   DATABASE_URL says otherwise), let brand owners approve, reject, request changes and edit;
4. leave the drafts of `examples/waiting.jsonl` waiting for a decision, so that the README's
   commands have something to act on, and print the ids left in each state with those commands;
5. verify the audit log's hash chain.

Every submission carries an idempotency key, so running the demo again changes nothing.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.main import main as cli
from bot.config import Settings

if TYPE_CHECKING:
    from bot.workflow.service import WorkflowService

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "drafts.jsonl"
WAITING = ROOT / "examples" / "waiting.jsonl"
BIN = ".venv/bin/brandgate"


def banner(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)), flush=True)


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def leave_waiting(service: WorkflowService) -> list[int]:
    """Submit the drafts of examples/waiting.jsonl and leave them in review."""
    from bot.workflow.scenario import default_submitter

    pick = default_submitter(service)
    ids = []
    for item in _read_jsonl(WAITING):
        brand = str(item["brand"])
        view = service.submit(
            submitter=pick(brand),
            brand=brand,
            platform=str(item["platform"]),
            kind=str(item.get("kind") or "post"),
            text=str(item["text"]),
            idempotency_key=f"demo:{item['id']}",
        )
        ids.append(view.id)
    return ids


def ids_by_state(service: WorkflowService) -> dict[str, list[int]]:
    states: dict[str, list[int]] = defaultdict(list)
    for row in reversed(service.list(limit=10_000)):  # oldest first
        states[row["state"]].append(int(row["id"]))
    return dict(states)


def _revised(text: str) -> str:
    return text.rstrip().rstrip(".") + ", in October."


def try_commands(service: WorkflowService, states: dict[str, list[int]]) -> list[str]:
    """The README's walk through the CLI, with ids and people that are true on this database."""
    from bot.workflow.states import State

    waiting = states.get(State.IN_REVIEW, [])
    if len(waiting) < 3:
        return []
    views = [service.get(draft_id) for draft_id in waiting[:3]]
    approver = [v.route[(v.current_stage or 1) - 1].approvers[0] for v in views]
    agent = views[0].submitter
    commands = [
        f"drafts show {views[0].id}",
        f"drafts decide {views[0].id} approve --as {approver[0]}",
        f'drafts decide {views[1].id} reject --as {approver[1]} --reason "Off-message."',
        f'drafts decide {views[2].id} changes --as {approver[2]} --reason "Say where."',
        f'drafts revise {views[2].id} --as {views[2].submitter} "{_revised(views[2].text)}"',
        f"drafts publish {views[0].id} --as {agent} --url https://x.com/northwind/status/1",
    ]
    for draft_id in states.get(State.BLOCKED, []):
        blocked = service.get(draft_id, with_revisions=False)
        errors = [f for f in blocked.findings if f["level"] == "error"]
        if all(f.get("overridable", True) and f["rule"] != "platform-length" for f in errors):
            reason = '--reason "Quote from the lab report, cleared by legal."'
            commands.append(f"drafts override {draft_id} --as {blocked.submitter} {reason}")
            break
    return [f"{BIN} {command}" for command in commands]


def _print_deadlines(service: WorkflowService, states: dict[str, list[int]]) -> None:
    """The review deadline (and reminder, escalation times) of each draft left in review, so
    the brands' `sla:` shows before any timer fires."""
    from bot.workflow.pending import pending_timers
    from bot.workflow.states import State

    waiting = states.get(State.IN_REVIEW, [])
    if not waiting:
        return
    print("\nReview deadlines (drafts in review):")
    for draft_id in waiting:
        timers = pending_timers(service.db, draft_id)
        text = ", ".join(f"{t['kind']} {t['due_at']}" for t in timers) or "no deadline (no sla)"
        print(f"  {draft_id:>4}  {text}")


def run_workflow(settings: Settings) -> int:
    # Imported here: the check part of the demo must not need the database layer.
    from bot.audit.verify import verify
    from bot.engine.rules import RULE_TYPES
    from bot.guidelines.loader import GuidelineStore
    from bot.workflow.scenario import run_scenario, summary_table
    from bot.workflow.service import WorkflowService
    from models.db import open_database

    db = open_database(settings.database_url)
    service = WorkflowService(db, GuidelineStore(settings.guidelines_dir, RULE_TYPES))
    rows = run_scenario(service, _read_jsonl(EXAMPLES))
    print(summary_table(rows))
    banner(f"Leaving {WAITING.relative_to(ROOT)} waiting for a decision")
    leave_waiting(service)
    states = ids_by_state(service)
    for state, ids in sorted(states.items()):
        print(f"{state:<18} {' '.join(map(str, ids))}")
    _print_deadlines(service, states)
    commands = try_commands(service, states)
    if commands:
        print("\nTry (the README's examples, true on this database):")
        print("\n".join(f"  {command}" for command in commands))
    banner("Verifying the audit log")
    result = verify(db)
    print(result)
    db.dispose()
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
