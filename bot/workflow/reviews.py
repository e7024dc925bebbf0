"""Steps shared by several use cases: storing a revision, routing, asking and settling reviews."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import select

from bot.audit import events as ev
from bot.engine.findings import CheckResult
from bot.engine.findings import Draft as EngineDraft
from bot.guidelines.model import Guidelines, Stage
from bot.routing import RoutePlan, matching_stages, plan_route
from bot.workflow import outbox
from bot.workflow.away_periods import away_users
from bot.workflow.banners import request_banner
from bot.workflow.clockwork import schedule_expiry, schedule_stage
from bot.workflow.context import (
    POLICY_ACTOR,
    SYSTEM_ACTOR,
    WorkflowContext,
    result_json,
    revision_of,
    round_stages,
    stage_decisions,
    text_sha256,
)
from bot.workflow.duplicate_index import record_revision
from bot.workflow.pausing import pause_of
from bot.workflow.review_requests import request_key, request_payload
from bot.workflow.snapshots import build_view, decision_json
from bot.workflow.states import State
from bot.workflow.unit import UnitOfWork
from models import Draft, OutboxMessage, ReviewStage, Revision, StageApprover
from models import review as rv

#: the `reason` of routing's `escalated` entry (a group with nobody eligible falls back to
#: routing.default); an SLA escalation's is "sla" (bot/workflow/clockwork.py)
NO_ELIGIBLE_REASON = "no_eligible_approver"


def engine_draft(draft: Draft, text: str) -> EngineDraft:
    return EngineDraft(
        text=text,
        platform=draft.platform,
        kind=draft.kind,
        sponsored=draft.sponsored,
        context=draft.context,
        id=str(draft.id),
    )


class Reviews:
    """Revisions, routing and the review requests and settlements sent to approvers."""

    def __init__(self, ctx: WorkflowContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ revisions

    def add_revision(
        self,
        uow: UnitOfWork,
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
            text_sha256=text_sha256(text),
            author=author,
            origin_event=origin_event,
            check_result=result_json(result),
            verdict=result.verdict,
            guidelines_sha256=result.guidelines_sha256,
            created_at=uow.now,
        )
        uow.session.add(rev)
        uow.session.flush()
        record_revision(
            uow.session,
            brand_id=draft.brand_id,
            draft_id=draft.id,
            revision_id=rev.id,
            text=text,
            created_at=uow.now,
        )
        return rev

    @staticmethod
    def audit_checked(uow: UnitOfWork, draft: Draft, rev: Revision, result: CheckResult) -> None:
        uow.audit(
            ev.CHECKED,
            SYSTEM_ACTOR,
            draft,
            result_json(result),
            revision=rev.number,
            guidelines_sha256=result.guidelines_sha256,
        )

    def audit_override(
        self, uow: UnitOfWork, draft: Draft, actor: str, reason: str, result: CheckResult
    ) -> None:
        draft.override_reason = reason
        uow.audit(
            ev.OVERRIDDEN,
            actor,
            draft,
            {"reason": reason, "rules": sorted({f.rule for f in result.blocking})},
            guidelines_sha256=result.guidelines_sha256,
        )

    # ------------------------------------------------------------------ after a check

    def after_check(
        self,
        uow: UnitOfWork,
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
            uow.move(draft, State.BLOCKED)
            draft.current_stage = None
        else:
            overridden = result.verdict == "block"
            if overridden:
                assert override_reason is not None
                self.audit_override(uow, draft, actor, override_reason, result)
            self.route(uow, g, draft, rev, result, overridden=overridden, previous=previous)
        schedule_expiry(uow, draft)
        payload = self.ctx.payload(uow.session, draft, g.brand)
        payload.update(
            route=[s.to_json() for s in build_view(uow.session, draft).route],
            problem=draft.route_problem,
            auto_approved_by=draft.auto_approved_by,
            overridable=result.overridable,
        )
        uow.notify(
            outbox.FINDINGS,
            draft.submitter,
            draft,
            payload,
            f"d{draft.id}:r{rev.number}:n{draft.review_round}:{draft.state}",
        )

    def route(
        self,
        uow: UnitOfWork,
        g: Guidelines,
        draft: Draft,
        rev: Revision,
        result: CheckResult,
        *,
        overridden: bool,
        previous: Revision | None,
    ) -> None:
        # An overridden block always goes to people, whatever the auto-approve policy says.
        # While the brand is paused nothing is approved without a person either.
        paused = pause_of(uow.session, draft.brand_id) is not None
        rules = replace(g, auto_approve=()) if overridden or paused else g
        checked = engine_draft(draft, rev.text)
        away = away_users(uow.session, uow.now, draft.team_id)
        plan = plan_route(rules, result, checked, draft.submitter, away)
        draft.review_round += 1
        draft.current_stage = None
        draft.route_problem = None
        draft.auto_approved_by = None
        if plan.auto_approved_by:
            self._approve_by_policy(uow, g, draft, plan.auto_approved_by)
            return
        self._note_empty_groups(uow, g, draft, matching_stages(rules, result, checked), away)
        if plan.problem:
            uow.move(draft, State.SUBMITTED)
            draft.route_problem = plan.problem
            uow.audit(
                ev.ROUTED,
                SYSTEM_ACTOR,
                draft,
                {"stages": [], "problem": plan.problem, "state": draft.state},
                guidelines_sha256=g.sha256,
            )
            return
        first = self._create_stages(uow, draft, plan)
        uow.audit(
            ev.ROUTED,
            SYSTEM_ACTOR,
            draft,
            {"stages": plan.to_json(), "round": draft.review_round, "state": draft.state},
            guidelines_sha256=g.sha256,
        )
        self.request_review(uow, draft, first, g.brand, previous=previous)

    def _approve_by_policy(self, uow: UnitOfWork, g: Guidelines, draft: Draft, entry: str) -> None:
        uow.move(draft, State.APPROVED)
        draft.auto_approved_by = entry
        uow.audit(
            ev.DECIDED,
            POLICY_ACTOR,
            draft,
            {
                "decision": rv.APPROVE,
                "policy": entry,
                "state": draft.state,
                "text_sha256": revision_of(uow.session, draft).text_sha256,
            },
            guidelines_sha256=g.sha256,
        )
        payload = self.ctx.payload(uow.session, draft, g.brand)
        payload.update(outcome=State.APPROVED, decided_by=entry, reason=None, by_policy=True)
        uow.notify(
            outbox.OUTCOME,
            draft.submitter,
            draft,
            payload,
            f"d{draft.id}:n{draft.review_round}:approved",
        )

    @staticmethod
    def _note_empty_groups(
        uow: UnitOfWork,
        g: Guidelines,
        draft: Draft,
        stages: Collection[Stage],
        away: frozenset[str],
    ) -> None:
        for stage in stages:
            group = stage.group
            members = g.approvers.get(group, ())
            if not [m for m in members if m != draft.submitter and m not in away]:
                uow.audit(
                    ev.ESCALATED,
                    SYSTEM_ACTOR,
                    draft,
                    {
                        "group": group,
                        "reason": NO_ELIGIBLE_REASON,
                        "detail": "no eligible approver in the group",
                        "fallback": [s.group for s in g.routing_default],
                    },
                    guidelines_sha256=g.sha256,
                )

    @staticmethod
    def _create_stages(uow: UnitOfWork, draft: Draft, plan: RoutePlan) -> ReviewStage:
        uow.move(draft, State.IN_REVIEW)
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
                created_at=uow.now,
            )
            stage.approvers = [
                StageApprover(user_id=user, position=i, active=True)
                for i, user in enumerate(planned.approvers)
            ]
            uow.session.add(stage)
            created.append(stage)
        uow.session.flush()
        return created[0]

    # ------------------------------------------------------------------ approvers' messages

    def request_review(
        self,
        uow: UnitOfWork,
        draft: Draft,
        stage: ReviewStage,
        brand_name: str,
        *,
        previous: Revision | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        session = uow.session
        rev = revision_of(session, draft)
        if previous is None and rev.number > 1:
            previous = revision_of(session, draft, rev.number - 1)
        earlier: list[dict[str, object]] = []
        for s in round_stages(session, draft):
            if s.number < stage.number:
                earlier.extend(decision_json(d, s) for d in stage_decisions(session, s))
        if only is None:  # the stage opens now: its deadline starts counting
            schedule_stage(uow, self.ctx.in_force(draft), draft, stage)
            schedule_expiry(uow, draft)
        max_chars = self.ctx.max_chars(draft)
        banner = request_banner(uow, draft)
        for seat in stage.approvers:
            if not seat.active or (only is not None and seat.user_id not in only):
                continue
            payload = request_payload(
                draft,
                rev,
                brand_name,
                stage,
                seat,
                previous=previous,
                earlier=earlier,
                max_chars=max_chars,
                banner=banner,
            )
            uow.notify(
                outbox.REVIEW_REQUEST,
                seat.user_id,
                draft,
                payload,
                request_key(stage, rev, seat.user_id),
            )

    @staticmethod
    def latest_request(uow: UnitOfWork, draft: Draft, stage: ReviewStage, user: str) -> str | None:
        """Dedupe key of the last review request `user` got for `stage`: the message to update."""
        prefix = f"{outbox.REVIEW_REQUEST}:s{stage.id}:"
        queued = [
            m["dedupe_key"]
            for m in uow.messages
            if m["recipient"] == user and m["dedupe_key"].startswith(prefix)
        ]
        if queued:
            return str(queued[-1])
        return uow.session.scalar(
            select(OutboxMessage.dedupe_key)
            .where(
                OutboxMessage.draft_id == draft.id,
                OutboxMessage.recipient == user,
                OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )

    def settle_requests(
        self,
        uow: UnitOfWork,
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
        payload_base = self.ctx.payload(uow.session, draft, brand_name)
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
                replaces=self.latest_request(uow, draft, stage, seat.user_id),
            )
            uow.notify(
                outbox.DECISION_MADE,
                seat.user_id,
                draft,
                payload,
                f"s{stage.id}:{seat.user_id}:{decision}:{suffix}",
            )

    def close_round(
        self, uow: UnitOfWork, draft: Draft, *, decision: str, actor: str, reason: str | None
    ) -> None:
        """Cancel the open stages of the current round (withdrawn, superseded by a revision)."""
        brand_name = self.ctx.brand_name(draft)
        for stage in round_stages(uow.session, draft):
            if stage.state in (rv.PENDING, rv.WAITING):
                was_pending = stage.state == rv.PENDING
                stage.state = rv.CANCELLED
                stage.decided_at = uow.now
                if was_pending:
                    self.settle_requests(
                        uow,
                        draft,
                        stage,
                        decision=decision,
                        decided_by=actor,
                        reason=reason,
                        brand_name=brand_name,
                    )
        draft.current_stage = None
