"""The workflow service: submit, override, revise, withdraw, decide, delegate, publish, read.

Slack-free: adapters (Slack app, CLI) call these methods and render the returned `DraftView`s and
the queued outbox messages. Each method that changes a draft runs ONE transaction holding the
state change, its audit entries (see bot/audit/log.py for how they join the chain) and its
outbox messages. The draft row is locked first (`SELECT ... FOR UPDATE` on PostgreSQL, the write
lock taken by BEGIN IMMEDIATE on SQLite), so two people acting on one draft are serialised and the
second one sees what the first did.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.workflow.approver import ApproverActions
from bot.workflow.core import CheckFn, GuidelineSource, engine_check
from bot.workflow.errors import InvalidRequest, UnknownDraft
from bot.workflow.submitter import SubmitterActions
from bot.workflow.views import DraftView, build_view
from models import Decision, Draft, ReviewStage, Revision, StageApprover
from models import drafts as st
from models import review as rv

__all__ = ["CheckFn", "GuidelineSource", "WorkflowService", "engine_check"]


class WorkflowService(SubmitterActions, ApproverActions):
    """Every workflow action; see the mixins for each actor's part."""

    # ------------------------------------------------------------------ reading

    def get(self, draft_id: int, *, with_revisions: bool = True) -> DraftView:
        with self.db.reading() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                raise UnknownDraft(draft_id)
            return build_view(session, draft, with_revisions=with_revisions)

    def list(
        self,
        *,
        state: str | None = None,
        brand: str | None = None,
        submitter: str | None = None,
        approver: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Newest first. `approver` keeps drafts waiting on that user's decision."""
        if state is not None and state not in st.STATES:
            raise InvalidRequest(f"unknown state {state!r}; one of: {', '.join(st.STATES)}")
        stmt = (
            select(Draft, Revision)
            .join(
                Revision,
                (Revision.draft_id == Draft.id) & (Revision.number == Draft.current_revision),
            )
            .order_by(Draft.id.desc())
            .limit(limit)
        )
        if state:
            stmt = stmt.where(Draft.state == state)
        if brand:
            stmt = stmt.where(Draft.brand_id == brand)
        if submitter:
            stmt = stmt.where(Draft.submitter == submitter)
        if approver:
            waiting = (
                select(ReviewStage.draft_id)
                .join(StageApprover, StageApprover.stage_id == ReviewStage.id)
                .where(
                    ReviewStage.state == rv.PENDING,
                    StageApprover.user_id == approver,
                    StageApprover.active.is_(True),
                    ~select(Decision.id)
                    .where(Decision.stage_id == ReviewStage.id, Decision.actor == approver)
                    .exists(),
                )
            )
            stmt = stmt.where(Draft.state == st.IN_REVIEW, Draft.id.in_(waiting))
        from bot.audit.chain import format_time

        with self.db.reading() as session:
            return [
                {
                    "id": d.id,
                    "brand": d.brand_id,
                    "platform": d.platform,
                    "kind": d.kind,
                    "state": d.state,
                    "verdict": r.verdict,
                    "submitter": d.submitter,
                    "revision": d.current_revision,
                    "stage": d.current_stage,
                    "text": r.text,
                    "created_at": format_time(d.created_at),
                    "updated_at": format_time(d.updated_at),
                }
                for d, r in session.execute(stmt).all()
            ]

    def counts(self, *, brand: str | None = None) -> dict[str, int]:
        stmt = select(Draft.state, func.count()).group_by(Draft.state)
        if brand:
            stmt = stmt.where(Draft.brand_id == brand)
        with self.db.reading() as session:
            return {s: int(n) for s, n in session.execute(stmt).all()}
