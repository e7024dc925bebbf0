"""Read-only snapshots of drafts handed back to adapters (Slack, CLI): no ORM objects escape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.chain import format_time
from bot.workflow.states import DECIDED, State
from models import Decision, Draft, ReviewStage, Revision


@dataclass(frozen=True)
class RevisionView:
    number: int
    text: str
    author: str
    origin_event: str
    verdict: str
    findings: list[dict[str, Any]]
    guidelines_sha256: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "author": self.author,
            "event": self.origin_event,
            "verdict": self.verdict,
            "findings": self.findings,
            "guidelines_sha256": self.guidelines_sha256,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class StageView:
    stage: int
    group: str
    mode: str
    state: str
    approvers: tuple[str, ...]
    decisions: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "group": self.group,
            "mode": self.mode,
            "approvers": list(self.approvers),
            "state": self.state,
            "decisions": list(self.decisions),
        }


@dataclass(frozen=True)
class DraftView:
    id: int
    brand: str
    platform: str
    kind: str
    sponsored: bool
    context: str | None
    notes: str | None
    submitter: str
    state: str
    revision: int
    text: str
    verdict: str
    findings: list[dict[str, Any]]
    guidelines_sha256: str
    route: tuple[StageView, ...]
    current_stage: int | None
    auto_approved_by: str | None
    override_reason: str | None
    problem: str | None
    origin: dict[str, Any] | None
    published_url: str | None
    created_at: str
    updated_at: str
    publish_at: str | None = None
    revisions: tuple[RevisionView, ...] = ()
    #: True when a submission with the same idempotency key returned this existing draft
    replayed: bool = False
    #: the decision this call recorded (decide only)
    decision: dict[str, Any] | None = field(default=None)

    @property
    def pending_approvers(self) -> tuple[str, ...]:
        """Who the open stage still waits for (empty unless the draft is in review)."""
        if self.state != State.IN_REVIEW or self.current_stage is None:
            return ()
        stage = next((s for s in self.route if s.stage == self.current_stage), None)
        if stage is None:
            return ()
        done = {d.get("actor") for d in stage.decisions}
        return tuple(a for a in stage.approvers if a not in done)

    @property
    def last_decision(self) -> dict[str, Any] | None:
        """The decision of the current round that settled the draft, once it is decided."""
        if self.state not in DECIDED:
            return None
        decisions = [d for s in self.route for d in s.decisions]
        return decisions[-1] if decisions else None

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "state": self.state,
            "verdict": self.verdict,
            "route": [s.to_json() for s in self.route],
            "brand": self.brand,
            "platform": self.platform,
            "kind": self.kind,
            "sponsored": self.sponsored,
            "submitter": self.submitter,
            "revision": self.revision,
            "current_stage": self.current_stage,
            "findings": self.findings,
            "guidelines_sha256": self.guidelines_sha256,
            "auto_approved_by": self.auto_approved_by,
            "override_reason": self.override_reason,
            "problem": self.problem,
            "published_url": self.published_url,
            "publish_at": self.publish_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.decision is not None:
            data["decision"] = self.decision
        if self.replayed:
            data["replayed"] = True
        if full:
            data.update(
                text=self.text,
                context=self.context,
                notes=self.notes,
                origin=self.origin,
                revisions=[r.to_json() for r in self.revisions],
            )
        return data


def decision_json(d: Decision, stage: ReviewStage | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "actor": d.actor,
        "decision": d.decision,
        "reason": d.reason,
        "revision": d.revision,
        "at": format_time(d.created_at),
    }
    if stage is not None:
        data.update(stage=stage.number, group=stage.group_name)
    return data


def build_view(
    session: Session,
    draft: Draft,
    *,
    replayed: bool = False,
    decision: dict[str, Any] | None = None,
    with_revisions: bool = False,
) -> DraftView:
    revisions = session.scalars(
        select(Revision).where(Revision.draft_id == draft.id).order_by(Revision.number)
    ).all()
    stages = session.scalars(
        select(ReviewStage)
        .where(ReviewStage.draft_id == draft.id, ReviewStage.review_round == draft.review_round)
        .order_by(ReviewStage.number)
    ).all()
    decisions = session.scalars(
        select(Decision)
        .where(Decision.stage_id.in_([s.id for s in stages]))
        .order_by(Decision.created_at, Decision.id)
    ).all()
    return _view(
        draft,
        list(revisions),
        list(stages),
        list(decisions),
        replayed=replayed,
        decision=decision,
        with_revisions=with_revisions,
    )


@dataclass(frozen=True)
class DraftFacts:
    """What a view is built from, already loaded (and kept current) by a unit of work: the
    draft's revisions, the stages of its current round (approvers loaded), their decisions."""

    revisions: list[Revision]
    stages: list[ReviewStage]
    decisions: list[Decision]


def build_views(
    session: Session, drafts: list[Draft], known: Mapping[int, DraftFacts] | None = None
) -> dict[int, DraftView]:
    """The views of many drafts in three queries (one use case touching a thousand drafts, such
    as a timers run, must not pay three round trips per draft); none for the drafts whose facts
    are `known`."""
    known = known or {}
    views = {
        d.id: _view(d, facts.revisions, facts.stages, facts.decisions)
        for d in drafts
        if (facts := known.get(d.id)) is not None
    }
    drafts = [d for d in drafts if d.id not in views]
    if not drafts:
        return views
    ids = [d.id for d in drafts]
    current = {(d.id, d.current_revision) for d in drafts}
    rounds = {(d.id, d.review_round) for d in drafts}
    revisions: dict[int, list[Revision]] = {}
    for r in session.scalars(select(Revision).where(Revision.draft_id.in_(ids))):
        if (r.draft_id, r.number) in current:
            revisions.setdefault(r.draft_id, []).append(r)
    stages: dict[int, list[ReviewStage]] = {}
    for s in session.scalars(
        select(ReviewStage).where(ReviewStage.draft_id.in_(ids)).order_by(ReviewStage.number)
    ):
        if (s.draft_id, s.review_round) in rounds:
            stages.setdefault(s.draft_id, []).append(s)
    stage_ids = [s.id for group in stages.values() for s in group]
    decisions: dict[int, list[Decision]] = {}
    if stage_ids:
        for d in session.scalars(
            select(Decision)
            .where(Decision.stage_id.in_(stage_ids))
            .order_by(Decision.created_at, Decision.id)
        ):
            decisions.setdefault(d.draft_id, []).append(d)
    views.update(
        (d.id, _view(d, revisions[d.id], stages.get(d.id, []), decisions.get(d.id, [])))
        for d in drafts
    )
    return views


def _view(
    draft: Draft,
    revisions: list[Revision],
    stages: list[ReviewStage],
    decisions: list[Decision],
    *,
    replayed: bool = False,
    decision: dict[str, Any] | None = None,
    with_revisions: bool = False,
) -> DraftView:
    current = next(r for r in revisions if r.number == draft.current_revision)
    route = tuple(
        StageView(
            stage=s.number,
            group=s.group_name,
            mode=s.mode,
            state=s.state,
            approvers=tuple(a.user_id for a in s.approvers if a.active),
            decisions=tuple(decision_json(d) for d in decisions if d.stage_id == s.id),
        )
        for s in stages
    )
    return DraftView(
        id=draft.id,
        brand=draft.brand_id,
        platform=draft.platform,
        kind=draft.kind,
        sponsored=draft.sponsored,
        context=draft.context,
        notes=draft.notes,
        submitter=draft.submitter,
        state=draft.state,
        revision=draft.current_revision,
        text=current.text,
        verdict=current.verdict,
        findings=list(current.check_result.get("findings", [])),
        guidelines_sha256=current.guidelines_sha256,
        route=route,
        current_stage=draft.current_stage,
        auto_approved_by=draft.auto_approved_by,
        override_reason=draft.override_reason,
        problem=draft.route_problem,
        origin=draft.origin,
        published_url=draft.published_url,
        created_at=format_time(draft.created_at),
        updated_at=format_time(draft.updated_at),
        publish_at=format_time(draft.publish_at) if draft.publish_at else None,
        revisions=tuple(
            RevisionView(
                number=r.number,
                text=r.text,
                author=r.author,
                origin_event=r.origin_event,
                verdict=r.verdict,
                findings=list(r.check_result.get("findings", [])),
                guidelines_sha256=r.guidelines_sha256,
                created_at=format_time(r.created_at),
            )
            for r in revisions
        )
        if with_revisions
        else (),
        replayed=replayed,
        decision=decision,
    )
