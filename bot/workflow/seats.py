"""Approvers' seats: who may decide the open stage, and to whom a seat may be handed.

Stages exist to add a second pair of eyes, so nobody decides two stages of one draft: not by
being routed to both, not by a delegation.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.guidelines.model import Guidelines
from bot.workflow.context import round_stages, stage_decisions
from bot.workflow.errors import AlreadyDecided, InvalidRequest, InvalidTransition, NotAllowed
from bot.workflow.guards import at_revision, brand_approvers
from bot.workflow.states import DECIDED, Action, allows
from models import Decision, Draft, ReviewStage, StageApprover
from models import review as rv

SECOND_PAIR = "nobody decides two stages of one draft"


def _active(stage: ReviewStage) -> list[str]:
    return [a.user_id for a in stage.approvers if a.active]


def _refuse_closed(session: Session, draft: Draft, stages: list[ReviewStage]) -> None:
    """A draft that is not in review: who decided it, if anyone, else why there is nothing."""
    if draft.state in DECIDED:
        decisions = [d for s in stages for d in stage_decisions(session, s)]
        if decisions:
            last = max(decisions, key=lambda d: (d.created_at, d.id))
            raise AlreadyDecided(last.actor, last.created_at, last.decision)
        if draft.auto_approved_by:
            raise AlreadyDecided(draft.auto_approved_by, draft.updated_at, rv.APPROVE)
    raise InvalidTransition(f"draft {draft.id} is {draft.state}: there is nothing to decide")


def decided_elsewhere(
    session: Session, stages: list[ReviewStage], user: str, stage: ReviewStage
) -> tuple[ReviewStage, Decision] | None:
    """The other stage of this round that `user` already decided, if any."""
    for other in stages:
        if other.id == stage.id:
            continue
        mine = [d for d in stage_decisions(session, other) if d.actor == user]
        if mine:
            return other, mine[0]
    return None


def seat_for(
    session: Session, draft: Draft, actor: str, expected_revision: int | None
) -> ReviewStage:
    """The open stage `actor` may decide now, or the refusal that explains why not."""
    stages = round_stages(session, draft)
    if not allows(draft.state, Action.DECIDE):
        _refuse_closed(session, draft, stages)
    pending = next(s for s in stages if s.number == draft.current_stage)
    if actor in [a.user_id for a in pending.approvers]:  # seated, or unseated for a reason
        mine = [d for d in stage_decisions(session, pending) if d.actor == actor]
        if mine:
            raise AlreadyDecided(actor, mine[0].created_at, mine[0].decision)
        other = decided_elsewhere(session, stages, actor, pending)
        if other is not None:
            raise NotAllowed(
                f"{actor} already decided stage {other[0].number} ({other[0].group_name}) "
                f"of draft {draft.id}: {SECOND_PAIR}"
            )
    if actor in _active(pending):
        at_revision(draft, expected_revision)
        return pending
    _refuse_unseated(session, draft, stages, pending, actor)
    raise AssertionError("unreachable")  # pragma: no cover


def _refuse_unseated(
    session: Session,
    draft: Draft,
    stages: list[ReviewStage],
    pending: ReviewStage,
    actor: str,
) -> None:
    """Why someone without a seat in the open stage may not decide it, most telling first."""
    for stage in stages:
        if stage.number < pending.number and actor in [a.user_id for a in stage.approvers]:
            decisions = stage_decisions(session, stage)
            if decisions:
                last = decisions[-1]
                raise AlreadyDecided(last.actor, last.created_at, last.decision)
    if actor == draft.submitter:
        raise NotAllowed("a submitter never approves their own draft")
    for stage in stages:
        if stage.number > pending.number and actor in [a.user_id for a in stage.approvers]:
            raise NotAllowed(
                f"{actor} approves at stage {stage.number} ({stage.group_name}), "
                f"which opens after stage {pending.number} ({pending.group_name})"
            )
    raise NotAllowed(
        f"{actor} is not an assigned approver of draft {draft.id} "
        f"(stage {pending.number}: {pending.group_name})"
    )


def check_delegate(
    session: Session, draft: Draft, stage: ReviewStage, to: str, g: Guidelines
) -> None:
    """Refuse a delegate who may not take `stage`'s seat, with the reason (SPEC "Workflow":
    only an approver of the same brand, never the submitter; and never a second stage)."""
    if to == draft.submitter:
        raise NotAllowed("a submitter never approves their own draft")
    if to in _active(stage):
        raise InvalidRequest(f"{to} is already an approver of stage {stage.number}")
    if to not in brand_approvers(g):
        raise NotAllowed(
            f"{to} is not an approver of brand {draft.brand_id}: a seat passes only to one"
        )
    stages = round_stages(session, draft)
    other = decided_elsewhere(session, stages, to, stage)
    if other is not None:
        raise NotAllowed(
            f"{to} already decided stage {other[0].number} ({other[0].group_name}) "
            f"of draft {draft.id}: {SECOND_PAIR}"
        )
    for seated in stages:
        if seated.id != stage.id and to in _active(seated):
            raise NotAllowed(
                f"{to} approves at stage {seated.number} ({seated.group_name}) "
                f"of draft {draft.id}: {SECOND_PAIR}"
            )


def deciders(session: Session, stages: list[ReviewStage]) -> set[str]:
    return {d.actor for s in stages for d in stage_decisions(session, s)}


def open_stage(
    session: Session, draft: Draft, stage: ReviewStage, fallback: list[str]
) -> list[str]:
    """Make `stage` the pending one; whoever decided an earlier stage loses their seat here.
    A stage left with nobody takes the eligible members of `fallback` (routing.default), as
    routing does for an empty group; returns the users so seated."""
    stage.state = rv.PENDING
    draft.current_stage = stage.number
    done = deciders(session, [s for s in round_stages(session, draft) if s.id != stage.id])
    for seat in stage.approvers:
        if seat.user_id in done:
            seat.active = False
    if any(seat.active for seat in stage.approvers):
        return []
    seated = {seat.user_id for seat in stage.approvers}
    added = [u for u in dict.fromkeys(fallback) if u not in done and u != draft.submitter]
    position = max((a.position for a in stage.approvers), default=-1)
    for user in added:
        if user in seated:
            next(a for a in stage.approvers if a.user_id == user).active = True
        else:
            position += 1
            stage.approvers.append(StageApprover(user_id=user, position=position, active=True))
    return added
