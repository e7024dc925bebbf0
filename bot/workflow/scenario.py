"""A scripted workflow scenario for `make demo`: agency staff submit, brand owners decide.

    rows = run_scenario(service, drafts)     # drafts: dicts like examples/drafts.jsonl lines
    print(summary_table(rows))

Drafts that reach review are decided in turn by approving, requesting changes (then revised by
the submitter and approved), rejecting, and editing-and-approving, each by an eligible approver
of the open stage. Idempotency keys make a second run return the same drafts, not new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.workflow.errors import Blocked, WorkflowError
from bot.workflow.service import WorkflowService
from bot.workflow.snapshots import DraftView
from bot.workflow.states import State

PLAN = ("approve", "changes", "reject", "edit")


@dataclass
class DemoRow:
    input_id: str
    draft_id: int | None
    brand: str
    platform: str
    verdict: str
    state: str
    steps: list[str] = field(default_factory=list)


def default_submitter(service: WorkflowService) -> Callable[[str], str]:
    def pick(brand: str) -> str:
        allowed = [u for u in service.guidelines.get(brand).submitters if u != "*"]
        return allowed[0] if allowed else "U0AGENCY1"

    return pick


def _approve_through(service: WorkflowService, view: DraftView, steps: list[str]) -> DraftView:
    """Approve every remaining stage (each member, for `all` stages)."""
    while view.state == State.IN_REVIEW and view.current_stage is not None:
        stage = view.route[view.current_stage - 1]
        decided = {d["actor"] for d in stage.decisions}
        who = next(u for u in stage.approvers if u not in decided)
        view = service.approve(view.id, actor=who)
        steps.append(f"approved by {who} (stage {stage.stage} {stage.group})")
    return view


def _first_approver(view: DraftView) -> str:
    assert view.current_stage is not None
    return view.route[view.current_stage - 1].approvers[0]


def _act(service: WorkflowService, view: DraftView, action: str, steps: list[str]) -> DraftView:
    who = _first_approver(view)
    if action == "changes":
        view = service.request_changes(
            view.id, actor=who, comment="Say where and how it was tested, please."
        )
        steps.append(f"changes requested by {who}")
        revised = view.text.rstrip() + " Tested by our team on the trail."
        view = service.revise(view.id, actor=view.submitter, text=revised)
        steps.append(f"revised by {view.submitter} ({view.verdict})")
        return _approve_through(service, view, steps) if view.state == State.IN_REVIEW else view
    if action == "reject":
        view = service.reject(view.id, actor=who, reason="Not the message for this campaign.")
        steps.append(f"rejected by {who}")
        return view
    if action == "edit":
        edited = view.text.rstrip().rstrip("!.") + "."
        try:
            view = service.edit_and_approve(view.id, actor=who, text=edited)
            steps.append(f"edited and approved by {who}")
        except Blocked:
            view = service.approve(view.id, actor=who)
            steps.append(f"approved by {who} (edit was blocked)")
        return _approve_through(service, view, steps)
    return _approve_through(service, view, steps)


def run_scenario(
    service: WorkflowService,
    drafts: Iterable[dict[str, Any]],
    *,
    submitter: str | Callable[[str], str] | None = None,
    plan: Sequence[str] = PLAN,
) -> list[DemoRow]:
    """Submit each draft and play `plan` over those that reach review; one row per draft."""
    pick = (
        default_submitter(service)
        if submitter is None
        else (submitter if callable(submitter) else (lambda _brand: submitter))
    )
    rows: list[DemoRow] = []
    turn = 0
    for n, item in enumerate(drafts, start=1):
        input_id = str(item.get("id") or n)
        brand = str(item["brand"])
        row = DemoRow(input_id, None, brand, str(item.get("platform")), "-", "refused")
        rows.append(row)
        try:
            view = service.submit(
                submitter=pick(brand),
                brand=brand,
                platform=str(item["platform"]),
                kind=str(item.get("kind") or "post"),
                sponsored=bool(item.get("sponsored", False)),
                context=item.get("context"),
                text=str(item["text"]),
                idempotency_key=f"demo:{input_id}",
            )
            row.draft_id, row.verdict, row.state = view.id, view.verdict, view.state
            row.steps.append(
                f"submitted by {view.submitter}" + (" (again: same draft)" if view.replayed else "")
            )
            if view.auto_approved_by:
                row.steps.append(f"approved by {view.auto_approved_by}")
            if view.problem:
                row.steps.append(view.problem)
            if view.state == State.IN_REVIEW and not view.replayed:
                view = _act(service, view, plan[turn % len(plan)], row.steps)
                turn += 1
            row.state = view.state
        except WorkflowError as exc:
            row.steps.append(f"refused: {exc}")
    return rows


def summary_table(rows: Sequence[DemoRow]) -> str:
    lines = [f"{'input':<8} {'draft':>5}  {'brand':<18} {'platform':<9} {'verdict':<7} state"]
    for r in rows:
        draft = "-" if r.draft_id is None else str(r.draft_id)
        lines.append(
            f"{r.input_id:<8} {draft:>5}  {r.brand:<18} {r.platform:<9} {r.verdict:<7} "
            f"{r.state}: {'; '.join(r.steps)}"
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    lines.append("totals: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return "\n".join(lines)
