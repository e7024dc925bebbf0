"""The state machine as data, and the service holding to it for every (state, action) pair."""

from __future__ import annotations

import itertools

import pytest
from drafts_in_state import attempt, make

from bot.workflow import AlreadyDecided, InvalidTransition, WorkflowService
from bot.workflow.states import (
    ALLOWED_FROM,
    DECIDED,
    TERMINAL,
    TRANSITIONS,
    Action,
    State,
    actions_in,
    allows,
    can_move,
    refusal,
)
from models import drafts as model_drafts

PAIRS = list(itertools.product(State, Action))


def test_every_state_and_action_is_in_the_tables() -> None:
    assert set(TRANSITIONS) == set(State)
    assert set(ALLOWED_FROM) == set(Action)
    # the column's vocabulary and the state machine's are one
    assert tuple(s.value for s in State) == model_drafts.STATES


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_allows_reads_the_table(state: State, action: Action) -> None:
    assert allows(state, action) is (state in ALLOWED_FROM[action])
    assert allows(state.value, action) is allows(state, action)
    if not allows(state, action):
        assert state.value in refusal(state, action)


@pytest.mark.parametrize(
    ("source", "target"),
    list(itertools.product(State, State)),
    ids=[f"{s}-{t}" for s, t in itertools.product(State, State)],
)
def test_can_move_reads_the_table(source: State, target: State) -> None:
    assert can_move(source, target) is (target in TRANSITIONS[source])


def test_terminal_states_allow_nothing_and_unknown_states_nothing_either() -> None:
    assert {State.REJECTED, State.WITHDRAWN, State.PUBLISHED} == TERMINAL
    for state in TERMINAL:
        assert actions_in(state, submitter=True, approver=True) == frozenset()
    assert not allows("limbo", Action.REVISE)
    assert not can_move("limbo", State.APPROVED)
    assert not can_move(State.APPROVED, "limbo")


def test_an_action_starts_only_where_a_move_leads_on() -> None:
    for action, states in ALLOWED_FROM.items():
        for state in states:
            assert TRANSITIONS[state], f"{action} allowed from {state}, which leads nowhere"
    assert {State.APPROVED, State.REJECTED, State.CHANGES_REQUESTED} <= DECIDED


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_the_service_does_exactly_what_the_table_allows(
    service: WorkflowService, state: State, action: Action
) -> None:
    made = make(service, state)
    if allows(state, action):
        attempt(service, action, made)  # succeeds: raises nothing
        return
    with pytest.raises((InvalidTransition, AlreadyDecided)):
        attempt(service, action, made)
    assert service.get(made.id).state == state  # a refusal changes nothing
