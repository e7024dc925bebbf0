"""What approvers do: decide (approve, reject, request changes, edit-and-approve), delegate.

Exactly one decision wins a stage in `any` mode: the draft row is locked before the open stage
is read, and the stage moves out of `pending` with a conditional UPDATE as a second guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import CursorResult, update

from bot.audit import events as ev
from bot.engine.findings import CheckResult
from bot.guidelines.model import Guidelines
from bot.workflow import outbox
from bot.workflow.context import (
    SYSTEM_ACTOR,
    WorkflowContext,
    find_draft,
    normalise_text,
    required,
    revision_of,
    round_stages,
    stage_decisions,
    unoverridable_rules,
)
from bot.workflow.errors import (
    AlreadyDecided,
    Blocked,
    InvalidRequest,
    InvalidTransition,
    NotOverridable,
)
from bot.workflow.pausing import refuse_if_paused
from bot.workflow.payloads import diff_payload
from bot.workflow.reviews import Reviews
from bot.workflow.seats import check_delegate, open_stage, seat_for
from bot.workflow.snapshots import DraftView, build_view, decision_json
from bot.workflow.states import State
from bot.workflow.unit import RETRIES, Once, StaleRead, UnitOfWork, Units
from models import Decision, Draft, ReviewStage, StageApprover
from models import review as rv

DECISION_ALIASES = {
    "approve": rv.APPROVE,
    "approved": rv.APPROVE,
    "reject": rv.REJECT,
    "rejected": rv.REJECT,
    "changes": rv.CHANGES,
    "request_changes": rv.CHANGES,
    "changes_requested": rv.CHANGES,
    "edit": rv.EDIT_APPROVE,
    "edit_approve": rv.EDIT_APPROVE,
    "edit_and_approve": rv.EDIT_APPROVE,
}
APPROVALS = (rv.APPROVE, rv.EDIT_APPROVE)
# Where a draft goes when a stage refuses it.
REFUSED_STATE = {rv.REJECT: State.REJECTED, rv.CHANGES: State.CHANGES_REQUESTED}


@dataclass(frozen=True)
class DecisionRequest:
    """A decision as asked for, validated: `kind` is one of models.review.DECISIONS."""

    draft_id: int
    actor: str
    kind: str
    reason: str | None
    text: str | None
    expected_revision: int | None
    override_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": "decide",
            "draft": self.draft_id,
            "decision": self.kind,
            "reason": self.reason,
            "text": self.text,
            "expected_revision": self.expected_revision,
            "override_reason": self.override_reason,
        }


def decision_request(
    draft_id: int,
    *,
    actor: str,
    decision: str,
    reason: str | None,
    text: str | None,
    expected_revision: int | None,
    override_reason: str | None,
) -> DecisionRequest:
    kind = DECISION_ALIASES.get(decision.strip().lower().replace("-", "_"))
    if kind is None:
        raise InvalidRequest(
            f"unknown decision {decision!r}: approve, reject, changes or edit_approve"
        )
    actor = required(actor, "the approver")
    if kind == rv.REJECT:
        reason = required(reason, "a reason to reject")
    elif kind == rv.CHANGES:
        reason = required(reason, "a comment when requesting changes")
    elif kind == rv.EDIT_APPROVE:
        text = normalise_text(required(text, "the edited text"))
    return DecisionRequest(draft_id, actor, kind, reason, text, expected_revision, override_reason)


class Deciding:
    def __init__(self, ctx: WorkflowContext, units: Units, reviews: Reviews) -> None:
        self.ctx = ctx
        self.units = units
        self.reviews = reviews

    def can_decide(self, draft_id: int, actor: str, expected_revision: int | None) -> DraftView:
        actor = required(actor, "the approver")
        with self.ctx.db.reading() as session:
            draft = find_draft(session, draft_id)
            seat_for(session, draft, actor, expected_revision)
            return build_view(session, draft)

    def decide(self, request: DecisionRequest, idempotency_key: str | None) -> DraftView:
        once = Once(request.actor, idempotency_key, request.to_json())
        for _ in range(RETRIES):
            edit = self._check_edit(request)
            try:
                return self.units.run(
                    once, partial(self._decide, once=once, request=request, edit=edit)
                )
            except StaleRead:
                continue
        raise InvalidTransition(f"draft {request.draft_id} kept changing while deciding; try again")

    def _check_edit(self, request: DecisionRequest) -> tuple[int, CheckResult] | None:
        """The edited text's check, outside the lock: (the revision it edits, the result)."""
        if request.kind != rv.EDIT_APPROVE:
            return None
        assert request.text is not None
        with self.ctx.db.reading() as session:
            draft = find_draft(session, request.draft_id)
        g = self.ctx.guidelines.get(draft.brand_id)
        return draft.current_revision, self.ctx.check_revision(g, draft, request.text)

    def _decide(
        self,
        uow: UnitOfWork,
        once: Once,
        request: DecisionRequest,
        edit: tuple[int, CheckResult] | None,
    ) -> DraftView:
        draft = uow.lock(request.draft_id, once=once)
        stage = seat_for(uow.session, draft, request.actor, request.expected_revision)
        if request.kind in (rv.APPROVE, rv.EDIT_APPROVE):
            refuse_if_paused(uow.session, draft.brand_id, "approvals are")
        if edit is not None and draft.current_revision != edit[0]:
            raise StaleRead
        sha = uow.sha256_in_force(self.ctx, draft)
        draft.updated_at = uow.now
        if edit is not None:
            self._record_edit(uow, draft, request, edit[1])
        record = self._record(uow, draft, stage, request)
        complete = self._stage_complete(uow, stage, request)
        next_stage = self._advance(uow, draft, stage, request.kind) if complete else None
        uow.session.flush()
        uow.audit(
            ev.DECIDED,
            request.actor,
            draft,
            {
                "decision": request.kind,
                "reason": request.reason,
                "stage": stage.number,
                "group": stage.group_name,
                "mode": stage.mode,
                "stage_complete": complete,
                "state": draft.state,
                # the text decided on, so that `audit match` answers from the chain alone
                "text_sha256": revision_of(uow.session, draft).text_sha256,
            },
            guidelines_sha256=sha,
        )
        self._tell(uow, draft, stage, request, next_stage, complete)
        return build_view(uow.session, draft, decision=decision_json(record, stage))

    # -- the steps of a decision -------------------------------------------------------------

    def _record_edit(
        self, uow: UnitOfWork, draft: Draft, request: DecisionRequest, result: CheckResult
    ) -> None:
        """Edit-and-approve: the edit becomes a new revision, re-checked, authored by the
        approver; a blocked edit needs an override reason (and an overridable block)."""
        assert request.text is not None
        if result.verdict == "block":
            if not request.override_reason:
                raise Blocked(
                    "the edited text has error-level findings; fix them or give an override reason",
                    [f.to_json() for f in result.blocking],
                )
            if not result.overridable:
                raise NotOverridable(
                    f"the edited text has errors that cannot be overridden "
                    f"({unoverridable_rules(result)})"
                )
        previous = revision_of(uow.session, draft)
        draft.current_revision += 1
        rev = self.reviews.add_revision(
            uow,
            draft,
            text=request.text,
            author=request.actor,
            origin_event="edited",
            result=result,
        )
        uow.audit(
            ev.EDITED,
            request.actor,
            draft,
            {
                "text": request.text,
                "text_sha256": rev.text_sha256,
                "previous_revision": previous.number,
                "diff": diff_payload(previous, rev),
            },
            guidelines_sha256=result.guidelines_sha256,
        )
        self.reviews.audit_checked(uow, draft, rev, result)
        if result.verdict == "block":
            assert request.override_reason is not None
            self.reviews.audit_override(uow, draft, request.actor, request.override_reason, result)

    @staticmethod
    def _record(
        uow: UnitOfWork, draft: Draft, stage: ReviewStage, request: DecisionRequest
    ) -> Decision:
        record = Decision(
            draft_id=draft.id,
            stage_id=stage.id,
            revision=draft.current_revision,
            actor=request.actor,
            decision=request.kind,
            reason=request.reason,
            created_at=uow.now,
        )
        uow.session.add(record)
        uow.session.flush()
        return record

    @staticmethod
    def _stage_complete(uow: UnitOfWork, stage: ReviewStage, request: DecisionRequest) -> bool:
        """Whether this decision settles the stage; if so, the stage leaves `pending`."""
        kind = request.kind
        if kind in APPROVALS:
            new_state = rv.STAGE_APPROVED
            if stage.mode == "all":
                approved = {
                    d.actor for d in stage_decisions(uow.session, stage) if d.decision in APPROVALS
                }
                if not {a.user_id for a in stage.approvers if a.active} <= approved:
                    return False
        else:
            new_state = rv.STAGE_REJECTED if kind == rv.REJECT else rv.STAGE_CHANGES
        # Conditional on `pending`: a second line of defence behind the draft row lock.
        claimed: CursorResult[Any] = uow.session.execute(  # type: ignore[assignment]
            update(ReviewStage)
            .where(ReviewStage.id == stage.id, ReviewStage.state == rv.PENDING)
            .values(state=new_state, decided_at=uow.now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise AlreadyDecided(request.actor, uow.now)
        uow.session.expire(stage, ["state", "decided_at"])
        return True

    def _advance(
        self, uow: UnitOfWork, draft: Draft, stage: ReviewStage, kind: str
    ) -> ReviewStage | None:
        """After a settled stage: the next stage opens, or the draft reaches its outcome."""
        stages = round_stages(uow.session, draft)
        if kind not in APPROVALS:
            uow.move(draft, REFUSED_STATE[kind])
            draft.current_stage = None
            for later in stages:
                if later.state == rv.WAITING:
                    later.state = rv.CANCELLED
                    later.decided_at = uow.now
            return None
        next_stage = next((s for s in stages if s.number == stage.number + 1), None)
        if next_stage is None:
            uow.move(draft, State.APPROVED)
            draft.current_stage = None
            return None
        g = self.ctx.in_force(draft)
        reseated = open_stage(uow.session, draft, next_stage, self._default_members(g))
        if reseated and g is not None:
            uow.audit(
                ev.ESCALATED,
                SYSTEM_ACTOR,
                draft,
                {
                    "group": next_stage.group_name,
                    "reason": "every member already decided an earlier stage of this draft",
                    "fallback": [s.group for s in g.routing_default],
                },
                guidelines_sha256=g.sha256,
            )
        return next_stage

    @staticmethod
    def _default_members(g: Guidelines | None) -> list[str]:
        if g is None:
            return []
        return [m for s in g.routing_default for m in g.approvers.get(s.group, ())]

    def _tell(
        self,
        uow: UnitOfWork,
        draft: Draft,
        stage: ReviewStage,
        request: DecisionRequest,
        next_stage: ReviewStage | None,
        complete: bool,
    ) -> None:
        """Everyone asked in this stage sees the decision (the decider's own message too); the
        next stage is asked; an edit reaches who still decides; the submitter hears the end."""
        name = self.ctx.brand_name(draft)
        self.reviews.settle_requests(
            uow,
            draft,
            stage,
            decision=request.kind,
            decided_by=request.actor,
            reason=request.reason,
            brand_name=name,
        )
        if next_stage is not None:
            self.reviews.request_review(uow, draft, next_stage, name)
        elif request.kind == rv.EDIT_APPROVE and not complete:
            # An `all` stage whose text just changed: the members still to decide see the edit.
            decided = {d.actor for d in stage_decisions(uow.session, stage)}
            active = [a.user_id for a in stage.approvers if a.active]
            self.reviews.request_review(
                uow, draft, stage, name, only={u for u in active if u not in decided}
            )
        if draft.state in (State.APPROVED, State.REJECTED, State.CHANGES_REQUESTED):
            payload = self.ctx.payload(uow.session, draft, name)
            payload.update(
                outcome=draft.state,
                decided_by=request.actor,
                reason=request.reason,
                by_policy=False,
            )
            uow.notify(
                outbox.OUTCOME,
                draft.submitter,
                draft,
                payload,
                f"d{draft.id}:n{draft.review_round}:{draft.state}",
            )

    # -- delegation --------------------------------------------------------------------------

    def delegate(self, draft_id: int, actor: str, to: str, reason: str | None) -> DraftView:
        to = required(to, "the delegate")
        return self.units.run(None, lambda uow: self._delegate(uow, draft_id, actor, to, reason))

    def _delegate(
        self, uow: UnitOfWork, draft_id: int, actor: str, to: str, reason: str | None
    ) -> DraftView:
        draft = uow.lock(draft_id)
        stage = seat_for(uow.session, draft, actor, None)
        g = self.ctx.guidelines.get(draft.brand_id)
        check_delegate(uow.session, draft, stage, to, g)
        seats = {a.user_id: a for a in stage.approvers}
        seats[actor].active = False
        if to in seats:
            seats[to].active = True
            seats[to].delegated_from = actor
        else:
            position = max(a.position for a in stage.approvers) + 1
            stage.approvers.append(
                StageApprover(user_id=to, position=position, delegated_from=actor)
            )
        draft.updated_at = uow.now
        uow.session.flush()
        uow.audit(
            ev.DELEGATED,
            actor,
            draft,
            {"stage": stage.number, "group": stage.group_name, "to": to, "reason": reason},
            guidelines_sha256=uow.note_guidelines(g),
        )
        self.reviews.settle_requests(
            uow,
            draft,
            stage,
            decision="delegated",
            decided_by=actor,
            reason=reason,
            brand_name=g.brand,
            users=[actor],
        )
        self.reviews.request_review(uow, draft, stage, g.brand, only={to})
        return build_view(uow.session, draft)
