"""Reading drafts: one draft, lists, counts, the latest decisions. Nothing here writes."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from bot.audit.chain import format_time
from bot.workflow.context import find_draft
from bot.workflow.errors import InvalidRequest
from bot.workflow.snapshots import DraftView, build_view
from bot.workflow.states import State
from models import Decision, Draft, ReviewStage, Revision, StageApprover
from models import review as rv
from models.db import Database


def _of_team(team: str, foreign_brands: builtins.list[str]) -> ColumnElement[bool]:
    """Drafts Slack team `team` may see: its own, and those of no team (one workspace, the CLI)
    unless their brand now lives in another workspace (`foreign_brands`), as
    `bot.slack.oauth_scope.TeamBackend` decides for a single draft."""
    unscoped: ColumnElement[bool] = Draft.team_id.is_(None)
    if foreign_brands:
        unscoped = and_(unscoped, Draft.brand_id.not_in(foreign_brands))
    return or_(Draft.team_id == team, unscoped)


@dataclass(frozen=True)
class DecisionRecord:
    """One person's decision, as auditors' overviews list them."""

    draft_id: int
    revision: int
    brand: str
    actor: str
    decision: str
    at: datetime
    reason: str | None


def _waiting_on(approver: str) -> Select[Any]:
    """Drafts whose open stage waits for `approver`'s decision."""
    return (
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


class Reading:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, draft_id: int, *, with_revisions: bool = True) -> DraftView:
        with self.db.reading() as session:
            return build_view(session, find_draft(session, draft_id), with_revisions=with_revisions)

    def list(
        self,
        *,
        state: str | None = None,
        brand: str | None = None,
        submitter: str | None = None,
        approver: str | None = None,
        limit: int = 100,
        team: str | None = None,
        foreign_brands: builtins.list[str] | None = None,
    ) -> list[dict[str, Any]]:
        if state is not None and state not in set(State):
            raise InvalidRequest(f"unknown state {state!r}; one of: {', '.join(State)}")
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
            stmt = stmt.where(Draft.state == State.IN_REVIEW, Draft.id.in_(_waiting_on(approver)))
        if team is not None:
            stmt = stmt.where(_of_team(team, foreign_brands or []))
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

    def latest_decisions(
        self, brands: builtins.list[str], limit: int = 15, team: str | None = None
    ) -> builtins.list[DecisionRecord]:
        """People's latest decisions on those brands' drafts, newest first (of `team`'s
        drafts and drafts of no team, when `team` is given)."""
        stmt = (
            select(Decision, Draft.brand_id)
            .join(Draft, Draft.id == Decision.draft_id)
            .where(Draft.brand_id.in_(brands))
        )
        if team is not None:
            stmt = stmt.where(_of_team(team, []))
        with self.db.reading() as session:
            rows = session.execute(
                stmt.order_by(Decision.created_at.desc(), Decision.id.desc()).limit(limit)
            ).all()
        return [
            DecisionRecord(
                draft_id=d.draft_id,
                revision=d.revision,
                brand=brand,
                actor=d.actor,
                decision=d.decision,
                at=d.created_at,
                reason=d.reason,
            )
            for d, brand in rows
        ]
