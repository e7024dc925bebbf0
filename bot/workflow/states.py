"""The draft state machine: the one place that says which action is allowed in which state.

Adapters (the Slack app, the CLI) ask these functions which buttons and commands to offer, and the
workflow service asks them before it changes anything, so the two can never disagree. The service
still checks who may act (the submitter, an assigned approver); this module only knows states.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """A draft's stored state (SPEC "Workflow"). `revised` is an audit event, never a state:
    a revision is re-checked at once and lands in `blocked` or `in_review`."""

    SUBMITTED = "submitted"
    BLOCKED = "blocked"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"
    PUBLISHED = "published"


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

_OPEN = (State.SUBMITTED, State.BLOCKED, State.IN_REVIEW, State.CHANGES_REQUESTED)

# The states each action may start from, as data: tests enumerate every (state, action) pair.
ALLOWED_FROM: dict[Action, frozenset[State]] = {
    Action.OVERRIDE: frozenset({State.BLOCKED}),
    Action.REVISE: frozenset(_OPEN),
    Action.WITHDRAW: frozenset(_OPEN),
    Action.DECIDE: frozenset({State.IN_REVIEW}),
    Action.DELEGATE: frozenset({State.IN_REVIEW}),
    Action.PUBLISH: frozenset({State.APPROVED}),
}

# Where a transition may lead; `None` target sets mean "decided by the check or the stages".
TRANSITIONS: dict[State, frozenset[State]] = {
    State.SUBMITTED: frozenset({State.BLOCKED, State.IN_REVIEW, State.APPROVED, State.WITHDRAWN}),
    State.BLOCKED: frozenset(
        {State.BLOCKED, State.IN_REVIEW, State.APPROVED, State.SUBMITTED, State.WITHDRAWN}
    ),
    State.IN_REVIEW: frozenset(
        {
            State.IN_REVIEW,
            State.BLOCKED,
            State.APPROVED,
            State.REJECTED,
            State.CHANGES_REQUESTED,
            State.SUBMITTED,
            State.WITHDRAWN,
        }
    ),
    State.CHANGES_REQUESTED: frozenset(
        {State.BLOCKED, State.IN_REVIEW, State.APPROVED, State.SUBMITTED, State.WITHDRAWN}
    ),
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


def refusal(state: str, action: Action) -> str:
    """Why `action` is not allowed in `state`, in words for people."""
    where = ", ".join(sorted(ALLOWED_FROM[action]))
    return f"cannot {action.value} a draft that is {state} (only when {where})"


__all__ = [
    "ACCEPTED",
    "ALLOWED_FROM",
    "APPROVER_ACTIONS",
    "DECIDED",
    "SUBMITTER_ACTIONS",
    "TERMINAL",
    "TRANSITIONS",
    "Action",
    "State",
    "actions_in",
    "allows",
    "can_move",
    "refusal",
]
