"""Crisis pause of a brand: while paused, nothing is auto-approved and approvals and
publications are refused naming who paused it, when and why; rejections, change requests,
submissions (checked and routed) go on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import events as ev
from bot.audit.chain import format_time
from bot.guidelines.model import Guidelines
from bot.workflow.banners import overdue_banner, pause_banner, stored_requests, update_requests
from bot.workflow.clockwork import escalated_deadlines
from bot.workflow.context import WorkflowContext, required
from bot.workflow.errors import InvalidTransition, NotAllowed
from bot.workflow.states import OPEN, State
from bot.workflow.unit import UnitOfWork, Units
from models import BrandPause, Decision, Draft, ReviewStage
from models import review as rv

PAUSED = ev.PAUSED  # audit event and outbox kind
RESUMED = ev.RESUMED


class Paused(NotAllowed):
    """An approval or publication refused because the brand is paused."""


def pause_of(session: Session, brand_id: str) -> BrandPause | None:
    return session.get(BrandPause, brand_id)


def refuse_if_paused(session: Session, brand_id: str, what: str) -> None:
    pause = pause_of(session, brand_id)
    if pause is not None:
        raise Paused(
            f"brand {brand_id} is paused by {pause.paused_by} since "
            f"{format_time(pause.paused_at)} ({pause.reason}): {what} refused until it resumes"
        )


def _is_approver(g: Guidelines, user: str) -> bool:
    return any(user in members for members in g.approvers.values())


class Pausing:
    def __init__(self, ctx: WorkflowContext, units: Units) -> None:
        self.ctx = ctx
        self.units = units

    def pause(self, brand: str, actor: str, reason: str) -> dict[str, Any]:
        reason = required(reason, "a reason for the pause")
        g = self._approver_only(brand, actor, "pause")
        with self.units.begin() as uow:
            if pause_of(uow.session, brand) is not None:
                raise InvalidTransition(f"brand {brand} is already paused")
            uow.session.add(
                BrandPause(brand_id=brand, paused_by=actor, reason=reason, paused_at=uow.now)
            )
            payload = {"brand": brand, "by": actor, "reason": reason, "at": uow.now.isoformat()}
            self._tell(uow, g, PAUSED, payload)
            pause = pause_of(uow.session, brand)
            assert pause is not None
            self._mark_requests(uow, brand, pause_banner(pause))
            return payload

    def resume(self, brand: str, actor: str) -> dict[str, Any]:
        g = self._approver_only(brand, actor, "resume")
        with self.units.begin() as uow:
            pause = pause_of(uow.session, brand)
            if pause is None:
                raise InvalidTransition(f"brand {brand} is not paused")
            uow.session.delete(pause)
            payload = {
                "brand": brand,
                "by": actor,
                "paused_by": pause.paused_by,
                "reason": pause.reason,
                "at": uow.now.isoformat(),
            }
            self._tell(uow, g, RESUMED, payload)
            self._mark_requests(uow, brand, None)
            return payload

    @staticmethod
    def _mark_requests(uow: UnitOfWork, brand: str, banner: dict[str, Any] | None) -> None:
        """Every open review request of the brand shows the pause (banner), or no longer does
        (None): then a request whose stage is overdue says "overdue" again, as it did before
        the pause (or would have, had its deadline not passed during it). A handful of queries
        for the whole brand, not a few per draft."""
        session = uow.session
        drafts = {
            d.id: d
            for d in session.scalars(
                select(Draft)
                .where(Draft.brand_id == brand, Draft.state == State.IN_REVIEW)
                .order_by(Draft.id)
            )
        }
        if not drafts:
            return
        ids = list(drafts)
        stages = [
            s
            for s in session.scalars(
                select(ReviewStage)
                .where(ReviewStage.draft_id.in_(ids), ReviewStage.state == rv.PENDING)
                .order_by(ReviewStage.draft_id, ReviewStage.number)
            )
            if s.review_round == drafts[s.draft_id].review_round
        ]
        decided: dict[int, set[str]] = {}
        for stage_id, actor in session.execute(
            select(Decision.stage_id, Decision.actor).where(
                Decision.stage_id.in_([s.id for s in stages])
            )
        ):
            decided.setdefault(stage_id, set()).add(actor)
        overdue = escalated_deadlines(session, ids) if banner is None else {}
        known = stored_requests(session, ids)
        for stage in stages:
            draft = drafts[stage.draft_id]
            done = decided.get(stage.id, set())
            users = [a.user_id for a in stage.approvers if a.active and a.user_id not in done]
            shown = banner
            due = overdue.get((draft.id, draft.review_round, stage.number))
            if banner is None and due is not None:
                shown = overdue_banner(due.isoformat())
            update_requests(uow, draft, stage, users, shown, known=known)

    def _approver_only(self, brand: str, actor: str, what: str) -> Guidelines:
        g = self.ctx.guidelines.get(brand)
        if not _is_approver(g, actor):
            raise NotAllowed(f"only an approver of brand {brand} may {what} it; {actor} is not")
        return g

    def _tell(self, uow: UnitOfWork, g: Guidelines, kind: str, payload: dict[str, Any]) -> None:
        """The brand's approvers and the submitters of its open drafts."""
        people = {u for members in g.approvers.values() for u in members}
        people.update(
            uow.session.scalars(
                select(Draft.submitter).where(Draft.brand_id == g.brand_id, Draft.state.in_(OPEN))
            )
        )
        stamp = uow.now.isoformat()
        for person in sorted(people):
            uow.messages.append(
                {
                    "kind": kind,
                    "recipient": person,
                    "payload": dict(payload),
                    "dedupe_key": f"{kind}:{g.brand_id}:{stamp}:{person}",
                    "draft_id": None,
                    "revision": None,
                }
            )
        uow.audit(
            kind,
            payload["by"],
            None,
            payload,
            guidelines_sha256=uow.note_guidelines(g),
            brand_id=g.brand_id,
        )
