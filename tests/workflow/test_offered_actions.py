"""What adapters offer equals what the workflow allows: `offered_actions` (no database) against
the `can_*` queries (the guards the actions run), for every state, person and action; and the
Slack backend hands the same answers to the listeners."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from drafts_in_state import Made, make
from wfhelpers import CLEAN, LEGAL

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.slack.backend import NotPermitted
from bot.slack.workflow_backend import WorkflowBackend
from bot.workflow import InvalidTransition, WorkflowError, WorkflowService
from bot.workflow.states import Action, State
from bot.workflow.unit import UnitOfWork
from models import Draft

# Everyone who might look at a draft: its submitter, the brand's approvers (of this stage and of
# another group), an auditor, an agency colleague, another brand's approver.
PEOPLE = ("UAGENCY1", "USOLO", "UBRAND1", "UBRAND2", "ULEGAL1", "UAUDIT", "UAGENCY2")


def _query(service: WorkflowService, action: Action) -> Callable[[int, str], object] | None:
    return {
        Action.OVERRIDE: lambda d, a: service.can_override(d, actor=a),
        Action.REVISE: lambda d, a: service.can_revise(d, actor=a),
        Action.WITHDRAW: lambda d, a: service.can_withdraw(d, actor=a),
        Action.PUBLISH: lambda d, a: service.can_publish(d, actor=a),
        Action.DECIDE: lambda d, a: service.can_decide(d, actor=a),
    }.get(action)


def _allowed(service: WorkflowService, action: Action, made: Made, actor: str) -> bool:
    if action == Action.DELEGATE:  # a seat, and someone it may pass to
        if not _allowed(service, Action.DECIDE, made, actor):
            return False
        return bool(service.eligible_delegates(service.get(made.id), actor))
    query = _query(service, action)
    assert query is not None
    before = service.get(made.id)
    try:
        query(made.id, actor)
    except WorkflowError:
        return False
    finally:
        assert service.get(made.id) == before  # a question changes nothing
    return True


@pytest.mark.parametrize("state", list(State))
def test_offered_exactly_when_the_service_allows(service: WorkflowService, state: State) -> None:
    made = make(service, state)
    view = service.get(made.id)
    offered_any = False
    for actor in PEOPLE:
        offered = service.offered_actions(view, actor)
        for action in Action:
            assert (action in offered) is _allowed(service, action, made, actor), (
                f"{action} for {actor} on a {state} draft"
            )
        offered_any |= bool(offered)
    assert offered_any is (state not in (State.REJECTED, State.WITHDRAWN, State.PUBLISHED))


def test_an_unoverridable_block_offers_no_override(service: WorkflowService) -> None:
    pii = "Write to jane.doe@example.com for a free jacket."
    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=pii)
    assert view.state == State.BLOCKED
    assert Action.OVERRIDE not in service.offered_actions(view, "UAGENCY1")
    assert {Action.REVISE, Action.WITHDRAW} <= service.offered_actions(view, "UAGENCY1")


def test_a_second_stage_offers_nothing_to_who_decided_the_first(service: WorkflowService) -> None:
    view = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL, override_reason="tested"
    )
    assert [s.group for s in view.route] == ["legal", "brand"]
    view = service.approve(view.id, actor="ULEGAL1")
    assert Action.DECIDE not in service.offered_actions(view, "ULEGAL1")
    assert Action.DECIDE in service.offered_actions(view, "UBRAND1")
    # everyone else of the brand sits on a stage of this draft: nobody to delegate to
    assert Action.DELEGATE not in service.offered_actions(view, "UBRAND1")


def test_move_refuses_what_the_table_does_not_list() -> None:
    uow = UnitOfWork(session=None, now=datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    draft = Draft(id=7, state=State.APPROVED)
    with pytest.raises(InvalidTransition, match="cannot go from approved to in_review"):
        uow.move(draft, State.IN_REVIEW)
    uow.move(draft, State.PUBLISHED)
    assert draft.state == State.PUBLISHED


def test_slack_backend_asks_the_workflow(service: WorkflowService, guidelines_dir: object) -> None:
    backend = WorkflowBackend(service, GuidelineStore(guidelines_dir, RULE_TYPES))  # type: ignore[arg-type]
    changes = make(service, State.CHANGES_REQUESTED)
    # The listeners used to allow revise only when blocked or changes requested; the workflow
    # revises in review too, and now the backend says so.
    in_review = make(service, State.IN_REVIEW)
    info = backend.can_revise(str(in_review.id), 1, actor="UAGENCY1")
    assert info.offers(Action.REVISE) and info.offers(Action.WITHDRAW)
    assert not info.offers(Action.DECIDE)
    assert backend.can_revise(str(changes.id), 1, actor="UAGENCY1").offers(Action.REVISE)
    with pytest.raises(NotPermitted, match="only the submitter"):
        backend.can_revise(str(in_review.id), 1, actor="UAGENCY2")
    with pytest.raises(NotPermitted, match="only the submitter"):
        backend.can_withdraw(str(in_review.id), actor="UBRAND1")
    assert backend.offered(str(in_review.id), actor="UBRAND1").offered == ("decide", "delegate")
    blocked = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL)
    assert backend.can_override(str(blocked.id), 1, actor="UAGENCY1").offers(Action.OVERRIDE)
    assert backend.can_publish(str(make(service, State.APPROVED).id), actor="UBRAND2").offers(
        Action.PUBLISH
    )
    stale = service.revise(in_review.id, actor="UAGENCY1", text=CLEAN + " Two colours.")
    assert stale.revision == 2
    with pytest.raises(Exception, match="now at revision 2"):
        backend.can_revise(str(in_review.id), 1, actor="UAGENCY1")


def test_each_message_says_what_its_recipient_may_do(service: WorkflowService, db: object) -> None:
    from wfhelpers import outbox_rows

    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    rows = outbox_rows(db, view.id)  # type: ignore[arg-type]
    offered = {(m.kind, m.recipient): m.payload["offered"] for m in rows}
    assert offered[("findings", "UAGENCY1")] == ["revise", "withdraw"]
    assert offered[("review_request", "UBRAND1")] == ["decide", "delegate"]
    service.approve(view.id, actor="UBRAND1")
    rows = outbox_rows(db, view.id)  # type: ignore[arg-type]
    later = {(m.kind, m.recipient): m.payload["offered"] for m in rows}
    assert later[("decision_made", "UBRAND2")] == ["publish"]  # a brand approver may publish
    assert later[("outcome", "UAGENCY1")] == ["publish"]
    withdrawn = make(service, State.IN_REVIEW)
    service.withdraw(withdrawn.id, actor="UAGENCY1")
    settled = [m for m in outbox_rows(db, withdrawn.id) if m.kind == "decision_made"]  # type: ignore[arg-type]
    assert settled and all(m.payload["offered"] == [] for m in settled)
