"""The draft state machine: the one place that says which action is allowed in which state.

Adapters (the Slack app, the CLI) ask the workflow which buttons and commands to offer
(`WorkflowService.offered_actions`, the `can_*` queries), and the workflow service asks these
functions before it changes anything, so the two can never disagree. The service also checks who
may act (the submitter, an assigned approver); this module only knows states.

Both tables are data: the tests enumerate every (state, action) and (state, state) pair from them.
"""

from __future__ import annotations

from enum import StrEnum

# The models hold the column's vocabulary (they may not import the application); this module
# owns what may happen to it.
from models.drafts import DraftState as State


class Action(StrEnum):
    """What a person can do to a draft. `decide` covers approve, reject, request changes and
    edit-and-approve: which of them is allowed depends on the stage, not on the state."""

    OVERRIDE = "override"
    REVISE = "revise"
    WITHDRAW = "withdraw"
    DECIDE = "decide"
    DELEGATE = "delegate"
    PUBLISH = "publish"


# Who may take each action (the service enforces it against the draft's people).
SUBMITTER_ACTIONS = frozenset({Action.OVERRIDE, Action.REVISE, Action.WITHDRAW, Action.PUBLISH})
APPROVER_ACTIONS = frozenset({Action.DECIDE, Action.DELEGATE, Action.PUBLISH})

# Not yet decided: the submitter may still change or take back the text.
OPEN = frozenset({State.SUBMITTED, State.BLOCKED, State.IN_REVIEW, State.CHANGES_REQUESTED})

# The states each action may start from.
ALLOWED_FROM: dict[Action, frozenset[State]] = {
    Action.OVERRIDE: frozenset({State.BLOCKED}),
    # an expired draft comes back with a revision (and a new publish_at), or is taken back
    Action.REVISE: OPEN | {State.EXPIRED},
    Action.WITHDRAW: OPEN | {State.EXPIRED},
    Action.DECIDE: frozenset({State.IN_REVIEW}),
    Action.DELEGATE: frozenset({State.IN_REVIEW}),
    Action.PUBLISH: frozenset({State.APPROVED}),
}

# Where a (re-)check lands: blocked, approved by the policy, sent to people, or left submitted
# when nobody is eligible to approve.
_CHECKED = frozenset({State.BLOCKED, State.APPROVED, State.IN_REVIEW, State.SUBMITTED})

# Every move the workflow may make, as data. A state that reaches itself does so by being
# re-checked (a revision, an override), never by standing still.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.SUBMITTED: _CHECKED | {State.WITHDRAWN, State.EXPIRED},
    State.BLOCKED: _CHECKED | {State.WITHDRAWN, State.EXPIRED},
    State.IN_REVIEW: _CHECKED
    | {State.REJECTED, State.CHANGES_REQUESTED, State.WITHDRAWN, State.EXPIRED},
    State.CHANGES_REQUESTED: _CHECKED | {State.WITHDRAWN, State.EXPIRED},
    State.EXPIRED: _CHECKED | {State.WITHDRAWN},
    State.APPROVED: frozenset({State.PUBLISHED}),
    State.REJECTED: frozenset(),
    State.WITHDRAWN: frozenset(),
    State.PUBLISHED: frozenset(),
}

# Final decisions of people or policy, and states nobody acts on any more.
DECIDED = frozenset({State.APPROVED, State.REJECTED, State.CHANGES_REQUESTED, State.PUBLISHED})
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# States that count as "the text went through" (approved, possibly already live).
ACCEPTED = frozenset({State.APPROVED, State.PUBLISHED})

# How a refusal names the action: "... and cannot be <participle>".
_PARTICIPLES = {
    Action.OVERRIDE: "overridden",
    Action.REVISE: "revised",
    Action.WITHDRAW: "withdrawn",
    Action.DECIDE: "decided",
    Action.DELEGATE: "delegated",
    Action.PUBLISH: "marked published",
}


def allows(state: str, action: Action) -> bool:
    """True when `action` may be taken on a draft in `state` (unknown states allow nothing)."""
    try:
        return State(state) in ALLOWED_FROM[action]
    except ValueError:
        return False


def can_move(source: str, target: str) -> bool:
    """True when the workflow may move a draft from `source` to `target`."""
    try:
        return State(target) in TRANSITIONS[State(source)]
    except ValueError:
        return False


def actions_in(state: str, *, submitter: bool = False, approver: bool = False) -> frozenset[Action]:
    """The actions a person with those roles may be offered for a draft in `state`."""
    roles: frozenset[Action] = frozenset()
    if submitter:
        roles |= SUBMITTER_ACTIONS
    if approver:
        roles |= APPROVER_ACTIONS
    return frozenset(a for a in roles if allows(state, a))


def refusal(state: str, action: Action, draft_id: int | None = None) -> str:
    """Why `action` is not allowed in `state`, in words for people."""
    subject = "the draft" if draft_id is None else f"draft {draft_id}"
    allowed = sorted(ALLOWED_FROM[action])
    done = _PARTICIPLES[action]
    if len(allowed) == 1:
        return f"{subject} is {state}, not {allowed[0]}: it cannot be {done}"
    return f"{subject} is {state} and cannot be {done} (only when {', '.join(allowed)})"


def move_refusal(source: str, target: str, draft_id: int | None = None) -> str:
    subject = "the draft" if draft_id is None else f"draft {draft_id}"
    return f"{subject} cannot go from {source} to {target}"


__all__ = [
    "ACCEPTED",
    "ALLOWED_FROM",
    "APPROVER_ACTIONS",
    "DECIDED",
    "OPEN",
    "SUBMITTER_ACTIONS",
    "TERMINAL",
    "TRANSITIONS",
    "Action",
    "State",
    "actions_in",
    "allows",
    "can_move",
    "move_refusal",
    "refusal",
]
