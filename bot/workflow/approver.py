"""What approvers do: decide (approve, reject, request changes, edit-and-approve), delegate.

Exactly one decision wins a stage in `any` mode: the draft row is locked before the open stage
is read, and the stage moves out of `pending` with a conditional UPDATE as a second guard.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.audit import events as ev
from bot.engine.findings import CheckResult
from bot.workflow import outbox
from bot.workflow.core import (
    _RETRIES,
    DECIDED_STATES,
    DECISION_ALIASES,
    _required,
    _Retry,
    _Tx,
    _unblockable,
)
from bot.workflow.errors import (
    AlreadyDecided,
    Blocked,
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    NotOverridable,
    UnknownDraft,
)
from bot.workflow.messages import diff_payload
from bot.workflow.steps import WorkflowSteps
from bot.workflow.views import DraftView, build_view, decision_json
from models import (
    Decision,
    Draft,
    ReviewStage,
    StageApprover,
)
from models import drafts as st
from models import review as rv


class ApproverActions(WorkflowSteps):
    # ------------------------------------------------------------------ approver actions

    def _seat(
        self, session: Session, draft: Draft, actor: str, expected_revision: int | None
    ) -> ReviewStage:
        """The open stage `actor` may decide now, or the refusal that explains why not."""
        stages = self._stages(session, draft)
        if draft.state != st.IN_REVIEW:
            if draft.state in DECIDED_STATES:
                decisions = [d for s in stages for d in self._decisions(session, s)]
                if decisions:
                    last = max(decisions, key=lambda d: (d.created_at, d.id))
                    raise AlreadyDecided(last.actor, last.created_at, last.decision)
                if draft.auto_approved_by:
                    raise AlreadyDecided(draft.auto_approved_by, draft.updated_at, rv.APPROVE)
            raise InvalidTransition(
                f"draft {draft.id} is {draft.state}: there is nothing to decide"
            )
        pending = next(s for s in stages if s.number == draft.current_stage)
        if actor in [a.user_id for a in pending.approvers if a.active]:
            mine = [d for d in self._decisions(session, pending) if d.actor == actor]
            if mine:
                raise AlreadyDecided(actor, mine[0].created_at, mine[0].decision)
            if expected_revision is not None and expected_revision != draft.current_revision:
                raise InvalidTransition(
                    f"draft {draft.id} is now at revision {draft.current_revision} "
                    f"(you were looking at revision {expected_revision})"
                )
            return pending
        for stage in stages:
            if stage.number < pending.number and actor in [a.user_id for a in stage.approvers]:
                decisions = self._decisions(session, stage)
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

    def can_decide(
        self, draft_id: int, *, actor: str, expected_revision: int | None = None
    ) -> DraftView:
        """Raise what `decide` would raise for `actor` now (NotAllowed, AlreadyDecided,
        InvalidTransition, UnknownDraft), changing nothing; else the draft as it is.

        Adapters ask before opening a form, so nobody types a reason they cannot submit;
        `decide` checks again under the lock either way.
        """
        actor = _required(actor, "the approver")
        with self.db.reading() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                raise UnknownDraft(draft_id)
            self._seat(session, draft, actor, expected_revision)
            return build_view(session, draft)

    def decide(
        self,
        draft_id: int,
        *,
        actor: str,
        decision: str,
        reason: str | None = None,
        text: str | None = None,
        expected_revision: int | None = None,
        override_reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> DraftView:
        """Approve, reject (reason), request changes (comment) or edit-and-approve (text).

        Exactly one decision wins a stage in `any` mode; whoever comes second gets
        AlreadyDecided naming the winner. `expected_revision` (e.g. from a Slack button) refuses
        a decision on a text that has since been revised. With `idempotency_key`, a repeat
        returns the first call's outcome (`replayed=True`, with its `decision`) and writes
        nothing.
        """
        kind = DECISION_ALIASES.get(decision.strip().lower().replace("-", "_"))
        if kind is None:
            raise InvalidRequest(
                f"unknown decision {decision!r}: approve, reject, changes or edit_approve"
            )
        actor = _required(actor, "the approver")
        if kind == rv.REJECT:
            reason = _required(reason, "a reason to reject")
        elif kind == rv.CHANGES:
            reason = _required(reason, "a comment when requesting changes")
        elif kind == rv.EDIT_APPROVE:
            text = _required(text, "the edited text")
        request = {
            "action": "decide",
            "draft": draft_id,
            "decision": kind,
            "reason": reason,
            "text": text,
            "expected_revision": expected_revision,
            "override_reason": override_reason,
        }
        return self._idempotent(
            actor,
            idempotency_key,
            request,
            lambda: self._decide(
                draft_id,
                actor,
                kind,
                reason,
                text,
                expected_revision,
                override_reason,
                idempotency_key,
                request,
            ),
        )

    def _decide(
        self,
        draft_id: int,
        actor: str,
        kind: str,
        reason: str | None,
        text: str | None,
        expected_revision: int | None,
        override_reason: str | None,
        key: str | None,
        request: dict[str, Any],
    ) -> DraftView:
        for _ in range(_RETRIES):
            result: CheckResult | None = None
            base_number: int | None = None
            if kind == rv.EDIT_APPROVE:
                assert text is not None
                draft, base = self._peek(draft_id)
                base_number = base.number
                g = self.guidelines.get(draft.brand_id)
                result = self._check(
                    g,
                    text,
                    platform=draft.platform,
                    kind=draft.kind,
                    sponsored=draft.sponsored,
                    context=draft.context,
                    draft_id=draft.id,
                )
            try:
                with self._tx() as tx:
                    draft = self._lock(tx, draft_id)
                    # First, under the lock: a twin that got here first is a replay, not a
                    # refusal (a refusal below rolls the claim back with everything else).
                    self._claim_key(tx, actor, key, request, draft.id)
                    stage = self._seat(tx.session, draft, actor, expected_revision)
                    if base_number is not None and draft.current_revision != base_number:
                        raise _Retry
                    return self._apply_decision(
                        tx, draft, stage, actor, kind, reason, text, result, override_reason
                    )
            except _Retry:
                continue
        raise InvalidTransition(f"draft {draft_id} kept changing while deciding; try again")

    def approve(self, draft_id: int, *, actor: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.APPROVE, **kw)

    def reject(self, draft_id: int, *, actor: str, reason: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.REJECT, reason=reason, **kw)

    def request_changes(self, draft_id: int, *, actor: str, comment: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.CHANGES, reason=comment, **kw)

    def edit_and_approve(self, draft_id: int, *, actor: str, text: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.EDIT_APPROVE, text=text, **kw)

    def _apply_decision(
        self,
        tx: _Tx,
        draft: Draft,
        stage: ReviewStage,
        actor: str,
        kind: str,
        reason: str | None,
        text: str | None,
        result: CheckResult | None,
        override_reason: str | None,
    ) -> DraftView:
        session = tx.session
        g_name = self._brand_name(draft)
        if kind == rv.EDIT_APPROVE:
            assert text is not None and result is not None
            if result.verdict == "block":
                if not override_reason:
                    raise Blocked(
                        "the edited text has error-level findings; fix them or give an "
                        "override reason",
                        [f.to_json() for f in result.blocking],
                    )
                if not result.overridable:
                    raise NotOverridable(
                        f"the edited text has errors that cannot be overridden "
                        f"({_unblockable(result)})"
                    )
            previous = self._revision(session, draft)
            draft.current_revision += 1
            rev = self._add_revision(
                tx, draft, text=text, author=actor, origin_event="edited", result=result
            )
            tx.audit(
                ev.EDITED,
                actor,
                draft,
                {
                    "text": text,
                    "text_sha256": rev.text_sha256,
                    "previous_revision": previous.number,
                    "diff": diff_payload(previous, rev),
                },
                guidelines_sha256=result.guidelines_sha256,
            )
            self._audit_checked(tx, draft, rev, result)
            if result.verdict == "block":
                draft.override_reason = override_reason
                tx.audit(
                    ev.OVERRIDDEN,
                    actor,
                    draft,
                    {"reason": override_reason, "rules": sorted({f.rule for f in result.blocking})},
                    guidelines_sha256=result.guidelines_sha256,
                )
        record = Decision(
            draft_id=draft.id,
            stage_id=stage.id,
            revision=draft.current_revision,
            actor=actor,
            decision=kind,
            reason=reason,
            created_at=tx.now,
        )
        session.add(record)
        session.flush()
        active = [a.user_id for a in stage.approvers if a.active]
        complete = True
        if kind in (rv.APPROVE, rv.EDIT_APPROVE):
            if stage.mode == "all":
                approved = {
                    d.actor
                    for d in self._decisions(session, stage)
                    if d.decision in (rv.APPROVE, rv.EDIT_APPROVE)
                }
                complete = set(active) <= approved
            new_stage_state = rv.STAGE_APPROVED
        else:
            new_stage_state = rv.STAGE_REJECTED if kind == rv.REJECT else rv.STAGE_CHANGES
        if complete:
            # Conditional on `pending`: a second line of defence behind the draft row lock.
            claimed = session.execute(
                update(ReviewStage)
                .where(ReviewStage.id == stage.id, ReviewStage.state == rv.PENDING)
                .values(state=new_stage_state, decided_at=tx.now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise AlreadyDecided(actor, tx.now)
            session.expire(stage, ["state", "decided_at"])
        draft.updated_at = tx.now
        next_stage: ReviewStage | None = None
        if complete and kind in (rv.APPROVE, rv.EDIT_APPROVE):
            stages = self._stages(session, draft)
            next_stage = next((s for s in stages if s.number == stage.number + 1), None)
            if next_stage is not None:
                next_stage.state = rv.PENDING
                draft.current_stage = next_stage.number
            else:
                draft.state = st.APPROVED
                draft.current_stage = None
        elif complete:
            draft.state = st.REJECTED if kind == rv.REJECT else st.CHANGES_REQUESTED
            draft.current_stage = None
            for later in self._stages(session, draft):
                if later.state == rv.WAITING:
                    later.state = rv.CANCELLED
                    later.decided_at = tx.now
        session.flush()
        tx.audit(
            ev.DECIDED,
            actor,
            draft,
            {
                "decision": kind,
                "reason": reason,
                "stage": stage.number,
                "group": stage.group_name,
                "mode": stage.mode,
                "stage_complete": complete,
                "state": draft.state,
            },
        )
        # Everyone asked in this stage sees the decision (the decider's own message too).
        self._settle_requests(
            tx,
            draft,
            stage,
            decision=kind,
            decided_by=actor,
            reason=reason,
            brand_name=g_name,
        )
        if next_stage is not None:
            self._request_review(tx, draft, next_stage, g_name)
        elif kind == rv.EDIT_APPROVE and not complete:
            # An `all` stage whose text just changed: the members still to decide see the edit.
            decided = {d.actor for d in self._decisions(session, stage)}
            self._request_review(
                tx, draft, stage, g_name, only={u for u in active if u not in decided}
            )
        if draft.state in (st.APPROVED, st.REJECTED, st.CHANGES_REQUESTED):
            payload = self._payload(session, draft, g_name)
            payload.update(outcome=draft.state, decided_by=actor, reason=reason, by_policy=False)
            tx.notify(
                outbox.OUTCOME,
                draft.submitter,
                draft,
                payload,
                f"d{draft.id}:n{draft.review_round}:{draft.state}",
            )
        return build_view(session, draft, decision=decision_json(record, stage))

    def delegate(
        self, draft_id: int, *, actor: str, to: str, reason: str | None = None
    ) -> DraftView:
        """Hand an approver's seat in the open stage to someone else (never the submitter)."""
        to = _required(to, "the delegate")
        with self._tx() as tx:
            draft = self._lock(tx, draft_id)
            stage = self._seat(tx.session, draft, actor, None)
            if to == draft.submitter:
                raise NotAllowed("a submitter never approves their own draft")
            seats = {a.user_id: a for a in stage.approvers}
            if to in seats and seats[to].active:
                raise InvalidRequest(f"{to} is already an approver of stage {stage.number}")
            seats[actor].active = False
            if to in seats:
                seats[to].active = True
                seats[to].delegated_from = actor
            else:
                position = max(a.position for a in stage.approvers) + 1
                stage.approvers.append(
                    StageApprover(user_id=to, position=position, delegated_from=actor)
                )
            draft.updated_at = tx.now
            tx.session.flush()
            tx.audit(
                ev.DELEGATED,
                actor,
                draft,
                {"stage": stage.number, "group": stage.group_name, "to": to, "reason": reason},
            )
            brand_name = self._brand_name(draft)
            self._settle_requests(
                tx,
                draft,
                stage,
                decision="delegated",
                decided_by=actor,
                reason=reason,
                brand_name=brand_name,
                users=[actor],
            )
            self._request_review(tx, draft, stage, brand_name, only={to})
            return build_view(tx.session, draft)
