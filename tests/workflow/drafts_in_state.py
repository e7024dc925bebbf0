"""A draft in each state of the state machine, made through the service (never by writing rows).

Used by the state machine and offered-actions tests: `make(service, state)` returns the draft's
id and its submitter. In `acme`, a clean post goes to the `brand` stage (UBRAND1, UBRAND2);
`solo`'s only approver submitting leaves the draft `submitted` (nobody eligible).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wfhelpers import CLEAN, LEGAL

from bot.workflow import WorkflowService, run_timers
from bot.workflow.states import Action, State


@dataclass(frozen=True)
class Made:
    id: int
    submitter: str


def make(service: WorkflowService, state: State) -> Made:
    if state == State.SUBMITTED:
        view = service.submit(submitter="USOLO", brand="solo", platform="x", text=CLEAN)
        assert view.state == State.SUBMITTED and view.problem
        return Made(view.id, "USOLO")
    text = LEGAL if state == State.BLOCKED else CLEAN
    planned = datetime.now(UTC) + timedelta(hours=1) if state == State.EXPIRED else None
    view = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=text, publish_at=planned
    )
    made = Made(view.id, "UAGENCY1")
    if state == State.APPROVED or state == State.PUBLISHED:
        service.approve(made.id, actor="UBRAND1")
    if state == State.PUBLISHED:
        service.mark_published(made.id, actor="UAGENCY1", url="https://x.com/p/1")
    if state == State.REJECTED:
        service.reject(made.id, actor="UBRAND1", reason="off brand")
    if state == State.CHANGES_REQUESTED:
        service.request_changes(made.id, actor="UBRAND1", comment="shorter")
    if state == State.WITHDRAWN:
        service.withdraw(made.id, actor="UAGENCY1")
    if state == State.EXPIRED:
        assert planned is not None
        assert run_timers(service, planned)["expired"] == 1
    assert service.get(made.id).state == state
    return made


# The person each action is tried by: the one who would be entitled to it in its own state.
def entitled(action: Action, made: Made) -> str:
    if action in (Action.DECIDE, Action.DELEGATE):
        return "UBRAND2"
    return made.submitter


def attempt(service: WorkflowService, action: Action, made: Made) -> None:
    """Take `action` on the draft as its entitled person, with valid arguments."""
    actor = entitled(action, made)
    if action == Action.OVERRIDE:
        service.override(made.id, actor=actor, reason="the claim is substantiated")
    elif action == Action.REVISE:
        service.revise(made.id, actor=actor, text=CLEAN + " Now with a hood.")
    elif action == Action.WITHDRAW:
        service.withdraw(made.id, actor=actor)
    elif action == Action.DECIDE:
        service.approve(made.id, actor=actor)
    elif action == Action.DELEGATE:
        service.delegate(made.id, actor=actor, to="ULEGAL1")
    elif action == Action.PUBLISH:
        service.mark_published(made.id, actor=actor, url="https://x.com/p/2")
    else:  # pragma: no cover - a new Action needs a line here
        raise AssertionError(action)
