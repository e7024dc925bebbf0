"""Steps shared by several actions: storing a revision, routing, asking and settling reviews."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import select

from bot.audit import events as ev
from bot.engine.findings import CheckResult
from bot.engine.findings import Draft as EngineDraft
from bot.guidelines.model import Guidelines
from bot.routing import matching_stages, plan_route
from bot.workflow import outbox
from bot.workflow.core import (
    POLICY_ACTOR,
    SYSTEM_ACTOR,
    WorkflowCore,
    _result_json,
    _text_sha256,
    _Tx,
)
from bot.workflow.history import record_revision
from bot.workflow.messages import base_payload, diff_payload
from bot.workflow.views import build_view, decision_json
from models import (
    Draft,
    OutboxMessage,
    ReviewStage,
    Revision,
    StageApprover,
)
from models import drafts as st
from models import review as rv


class WorkflowSteps(WorkflowCore):
    # ------------------------------------------------------------------ routing

    def _add_revision(
        self,
        tx: _Tx,
        draft: Draft,
        *,
        text: str,
        author: str,
        origin_event: str,
        result: CheckResult,
    ) -> Revision:
        rev = Revision(
            draft_id=draft.id,
            number=draft.current_revision,
            text=text,
            text_sha256=_text_sha256(text),
            author=author,
            origin_event=origin_event,
            check_result=_result_json(result),
            verdict=result.verdict,
            guidelines_sha256=result.guidelines_sha256,
            created_at=tx.now,
        )
        tx.session.add(rev)
        tx.session.flush()
        record_revision(
            tx.session,
            brand_id=draft.brand_id,
            draft_id=draft.id,
            revision_id=rev.id,
            text=text,
            created_at=tx.now,
        )
        return rev

    def _audit_checked(self, tx: _Tx, draft: Draft, rev: Revision, result: CheckResult) -> None:
        tx.audit(
            ev.CHECKED,
            SYSTEM_ACTOR,
            draft,
            {
                "verdict": result.verdict,
                "overridable": result.overridable,
                "findings": [f.to_json() for f in result.findings],
                "values": result.values_json(),
            },
            revision=rev.number,
            guidelines_sha256=result.guidelines_sha256,
        )

    def _after_check(
        self,
        tx: _Tx,
        g: Guidelines,
        draft: Draft,
        rev: Revision,
        result: CheckResult,
        *,
        actor: str,
        override_reason: str | None,
        previous: Revision | None,
    ) -> None:
        """Blocked, or (after an override) routed; then the submitter is told the findings."""
        if result.verdict == "block" and not override_reason:
            draft.state = st.BLOCKED
            draft.current_stage = None
        else:
            overridden = result.verdict == "block"
            if overridden:
                draft.override_reason = override_reason
                tx.audit(
                    ev.OVERRIDDEN,
                    actor,
                    draft,
                    {"reason": override_reason, "rules": sorted({f.rule for f in result.blocking})},
                    guidelines_sha256=g.sha256,
                )
            self._route(tx, g, draft, rev, result, overridden=overridden, previous=previous)
        payload = self._payload(tx.session, draft, g.brand)
        payload.update(
            route=[s.to_json() for s in build_view(tx.session, draft).route],
            problem=draft.route_problem,
            auto_approved_by=draft.auto_approved_by,
            overridable=result.overridable,
        )
        tx.notify(
            outbox.FINDINGS,
            draft.submitter,
            draft,
            payload,
            f"d{draft.id}:r{rev.number}:n{draft.review_round}:{draft.state}",
        )

    def _route(
        self,
        tx: _Tx,
        g: Guidelines,
        draft: Draft,
        rev: Revision,
        result: CheckResult,
        *,
        overridden: bool,
        previous: Revision | None,
    ) -> None:
        # An overridden block always goes to people, whatever the auto-approve policy says.
        rules = replace(g, auto_approve=()) if overridden else g
        engine_draft = EngineDraft(
            text=rev.text,
            platform=draft.platform,
            kind=draft.kind,
            sponsored=draft.sponsored,
            context=draft.context,
            id=str(draft.id),
        )
        plan = plan_route(rules, result, engine_draft, draft.submitter)
        draft.review_round += 1
        draft.current_stage = None
        draft.route_problem = None
        draft.auto_approved_by = None
        if plan.auto_approved_by:
            draft.state = st.APPROVED
            draft.auto_approved_by = plan.auto_approved_by
            tx.audit(
                ev.DECIDED,
                POLICY_ACTOR,
                draft,
                {"decision": rv.APPROVE, "policy": plan.auto_approved_by, "state": draft.state},
                guidelines_sha256=g.sha256,
            )
            payload = self._payload(tx.session, draft, g.brand)
            payload.update(
                outcome=st.APPROVED, decided_by=plan.auto_approved_by, reason=None, by_policy=True
            )
            tx.notify(
                outbox.OUTCOME,
                draft.submitter,
                draft,
                payload,
                f"d{draft.id}:n{draft.review_round}:approved",
            )
            return
        for stage in matching_stages(rules, result, engine_draft):
            members = [m for m in g.approvers.get(stage.group, ()) if m != draft.submitter]
            if not members:
                tx.audit(
                    ev.ESCALATED,
                    SYSTEM_ACTOR,
                    draft,
                    {
                        "group": stage.group,
                        "reason": "no eligible approver in the group",
                        "fallback": [s.group for s in g.routing_default],
                    },
                    guidelines_sha256=g.sha256,
                )
        if plan.problem:
            draft.state = st.SUBMITTED
            draft.route_problem = plan.problem
            tx.audit(
                ev.ROUTED,
                SYSTEM_ACTOR,
                draft,
                {"stages": [], "problem": plan.problem, "state": draft.state},
                guidelines_sha256=g.sha256,
            )
            return
        draft.state = st.IN_REVIEW
        draft.current_stage = 1
        created: list[ReviewStage] = []
        for planned in plan.stages:
            stage = ReviewStage(
                draft_id=draft.id,
                review_round=draft.review_round,
                number=planned.stage,
                group_name=planned.group,
                mode=planned.mode,
                state=rv.PENDING if planned.stage == 1 else rv.WAITING,
                created_at=tx.now,
            )
            stage.approvers = [
                StageApprover(user_id=user, position=i, active=True)
                for i, user in enumerate(planned.approvers)
            ]
            tx.session.add(stage)
            created.append(stage)
        tx.session.flush()
        tx.audit(
            ev.ROUTED,
            SYSTEM_ACTOR,
            draft,
            {"stages": plan.to_json(), "round": draft.review_round, "state": draft.state},
            guidelines_sha256=g.sha256,
        )
        self._request_review(tx, draft, created[0], g.brand, previous=previous)

    def _request_review(
        self,
        tx: _Tx,
        draft: Draft,
        stage: ReviewStage,
        brand_name: str,
        *,
        previous: Revision | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        rev = self._revision(tx.session, draft)
        if previous is None and rev.number > 1:
            previous = self._revision(tx.session, draft, rev.number - 1)
        earlier = []
        for s in self._stages(tx.session, draft):
            if s.number < stage.number:
                earlier.extend(decision_json(d, s) for d in self._decisions(tx.session, s))
        max_chars = self._max_chars(draft)
        for seat in stage.approvers:
            if not seat.active or (only is not None and seat.user_id not in only):
                continue
            payload = base_payload(draft, rev, brand_name, max_chars=max_chars)
            payload.update(
                stage=stage.number,
                group=stage.group_name,
                mode=stage.mode,
                approvers=[a.user_id for a in stage.approvers if a.active],
                override_reason=draft.override_reason,
                diff=diff_payload(previous, rev),
                earlier=earlier,
                delegated_from=seat.delegated_from,
            )
            tx.notify(
                outbox.REVIEW_REQUEST,
                seat.user_id,
                draft,
                payload,
                f"s{stage.id}:r{rev.number}:{seat.user_id}",
            )

    @staticmethod
    def _latest_request(tx: _Tx, draft: Draft, stage: ReviewStage, user: str) -> str | None:
        """Dedupe key of the last review request `user` got for `stage`: the message to update."""
        prefix = f"{outbox.REVIEW_REQUEST}:s{stage.id}:"
        queued = [
            m["dedupe_key"]
            for m in tx.messages
            if m["recipient"] == user and m["dedupe_key"].startswith(prefix)
        ]
        if queued:
            return queued[-1]
        return tx.session.scalar(
            select(OutboxMessage.dedupe_key)
            .where(
                OutboxMessage.draft_id == draft.id,
                OutboxMessage.recipient == user,
                OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )

    def _settle_requests(
        self,
        tx: _Tx,
        draft: Draft,
        stage: ReviewStage,
        *,
        decision: str,
        decided_by: str,
        reason: str | None,
        brand_name: str,
        users: list[str] | None = None,
    ) -> None:
        """Tell the approvers asked in `stage` what happened, so their messages can be updated."""
        payload_base = self._payload(tx.session, draft, brand_name)
        suffix = uuid.uuid4().hex[:10]
        for seat in stage.approvers:
            if users is not None and seat.user_id not in users:
                continue
            if users is None and not seat.active:
                continue
            payload = dict(payload_base)
            payload.update(
                decision=decision,
                decided_by=decided_by,
                reason=reason,
                stage=stage.number,
                stage_state=stage.state,
                replaces=self._latest_request(tx, draft, stage, seat.user_id),
            )
            tx.notify(
                outbox.DECISION_MADE,
                seat.user_id,
                draft,
                payload,
                f"s{stage.id}:{seat.user_id}:{decision}:{suffix}",
            )

    def _close_round(
        self, tx: _Tx, draft: Draft, *, decision: str, actor: str, reason: str | None
    ) -> None:
        """Cancel the open stages of the current round (withdrawn, superseded by a revision)."""
        brand_name = self._brand_name(draft)
        for stage in self._stages(tx.session, draft):
            if stage.state in (rv.PENDING, rv.WAITING):
                was_pending = stage.state == rv.PENDING
                stage.state = rv.CANCELLED
                stage.decided_at = tx.now
                if was_pending:
                    self._settle_requests(
                        tx,
                        draft,
                        stage,
                        decision=decision,
                        decided_by=actor,
                        reason=reason,
                        brand_name=brand_name,
                    )
        draft.current_stage = None
