"""The workflow's clock (SPEC "Workflow over time"): scheduling due jobs and firing them once.

When a stage opens, its deadline and reminder times (bot/workflow/deadlines.py) become rows of
`timers`; a draft with a `publish_at` gets an expiry row. `fire_due` claims the due rows through
the partial index on their due time, `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's writers
queue behind BEGIN IMMEDIATE), and fires each in the transaction that marks it fired, with its
audit entry and its outbox messages: two runners, or one run twice, fire nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.audit import events as ev
from bot.audit.origin import acting_from, timer_origin
from bot.guidelines.model import Guidelines, Sla
from bot.workflow.context import WorkflowContext, revision_of, round_stages, stage_decisions
from bot.workflow.deadlines import Duration, stage_clock
from bot.workflow.states import OPEN, State
from bot.workflow.unit import UnitOfWork, Units
from models import Draft, ReviewStage, StageApprover
from models import review as rv
from models.timers import ESCALATE, EXPIRE, REMINDER, WHOLE_DRAFT, Timer

EXPIRED = ev.EXPIRED  # audit event: a draft undecided at its publish_at
REMINDED = ev.REMINDED  # audit event: the approvers still to decide were reminded
#: outbox kinds (rendered for Slack by bot/slack/render_timers.py)
REMINDER_MESSAGE = "reminder"
ESCALATED_MESSAGE = "escalated"
EXPIRED_MESSAGE = "expired"
#: due rows claimed per transaction: small enough to keep locks short
BATCH = 200


def _holds(when: Any, draft: Draft, categories: set[str]) -> bool:
    facts = {"platform": draft.platform, "kind": draft.kind, "sponsored": draft.sponsored}
    for name, accepted in when.items():
        if name == "category":
            if categories.isdisjoint(accepted):
                return False
        elif facts.get(name) not in accepted:
            return False
    return True


def sla_time(sla: Sla, draft: Draft, categories: set[str]) -> Duration | None:
    """The first matching `sla.rules` entry's time, else `sla.default`."""
    for rule in sla.rules:
        if _holds(rule.when, draft, categories):
            return rule.within
    return sla.default


def _add(uow: UnitOfWork, draft: Draft, stage: int, kind: str, n: int, due: datetime) -> None:
    exists = uow.session.scalars(
        select(Timer.id).where(
            Timer.draft_id == draft.id,
            Timer.review_round == draft.review_round,
            Timer.stage == stage,
            Timer.kind == kind,
            Timer.n == n,
        )
    ).first()
    if exists is None:
        uow.session.add(
            Timer(
                draft_id=draft.id,
                review_round=draft.review_round,
                stage=stage,
                kind=kind,
                n=n,
                due_at=due,
            )
        )


def schedule_stage(uow: UnitOfWork, g: Guidelines | None, draft: Draft, stage: ReviewStage) -> None:
    """The deadline and reminders of a stage that opens now (nothing without `sla`)."""
    if g is None or g.sla is None:
        return
    findings = revision_of(uow.session, draft).check_result.get("findings", [])
    categories = {f["category"] for f in findings if f.get("category")}
    within = sla_time(g.sla, draft, categories)
    if within is None:
        return
    clock = stage_clock(
        uow.now,
        within,
        business_hours=g.sla.business_hours,
        publish_at=draft.publish_at,
        reminders=g.sla.reminders,
    )
    for n, due in enumerate(clock.reminders, start=1):
        _add(uow, draft, stage.number, REMINDER, n, due)
    if clock.deadline is not None:
        _add(uow, draft, stage.number, ESCALATE, 0, clock.deadline)


def schedule_expiry(uow: UnitOfWork, draft: Draft) -> None:
    if draft.publish_at is not None:
        _add(uow, draft, WHOLE_DRAFT, EXPIRE, 0, draft.publish_at)


class Clockwork:
    """Fires due timers as of a given moment, each in its own claim."""

    def __init__(self, ctx: WorkflowContext, offers: Any, payload: Callable[..., Any]) -> None:
        self.ctx = ctx
        self.offers = offers
        self.payload = payload

    def fire_due(self, now: datetime) -> dict[str, int]:
        with acting_from(timer_origin()):
            return self._fire_due(now)

    def _fire_due(self, now: datetime) -> dict[str, int]:
        counts = {"reminded": 0, "escalated": 0, "expired": 0}
        units = Units(self.ctx.db, lambda: now, offers=self.offers)
        while True:
            with units.begin() as uow:
                due = list(
                    uow.session.scalars(
                        select(Timer)
                        .where(Timer.fired_at.is_(None), Timer.due_at <= now)
                        .order_by(Timer.due_at, Timer.id)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                for timer in due:
                    timer.fired_at = now
                    fired = self._fire(uow, timer)
                    if fired:
                        counts[fired] += 1
            if len(due) < BATCH:
                return counts

    def _fire(self, uow: UnitOfWork, timer: Timer) -> str | None:
        draft = uow.lock(timer.draft_id)
        if timer.kind == EXPIRE:
            return self._expire(uow, draft, timer)
        if (
            draft.state != State.IN_REVIEW
            or draft.review_round != timer.review_round
            or draft.current_stage != timer.stage
        ):
            return None  # decided, revised or moved on since: nothing is due any more
        stage = next((s for s in round_stages(uow.session, draft) if s.number == timer.stage), None)
        if stage is None or stage.state != rv.PENDING:
            return None
        if timer.kind == REMINDER:
            return self._remind(uow, draft, stage, timer)
        return self._escalate(uow, draft, stage, timer)

    def _waiting_on(self, uow: UnitOfWork, stage: ReviewStage) -> list[str]:
        decided = {d.actor for d in stage_decisions(uow.session, stage)}
        return [a.user_id for a in stage.approvers if a.active and a.user_id not in decided]

    def _message(
        self, uow: UnitOfWork, draft: Draft, stage: ReviewStage | None, extra: dict[str, Any]
    ) -> dict[str, Any]:
        payload: dict[str, Any] = self.payload(uow.session, draft, self.ctx.brand_name(draft))
        if stage is not None:
            payload.update(stage=stage.number, group=stage.group_name, opened_at=_iso(stage))
        payload.update(now=uow.now.isoformat(), **extra)
        return payload

    def _remind(self, uow: UnitOfWork, draft: Draft, stage: ReviewStage, timer: Timer) -> str:
        deadline = self._deadline(uow, draft, timer)
        users = self._waiting_on(uow, stage)
        for user in users:
            payload = self._message(uow, draft, stage, {"reminder": timer.n, "deadline": deadline})
            uow.notify(REMINDER_MESSAGE, user, draft, payload, f"t{timer.id}:{user}")
        uow.audit(
            REMINDED,
            "brandgate",
            draft,
            {"stage": stage.number, "reminder": timer.n, "to": users, "deadline": deadline},
            guidelines_sha256=uow.sha256_in_force(self.ctx, draft),
        )
        return "reminded"

    def _deadline(self, uow: UnitOfWork, draft: Draft, timer: Timer) -> str | None:
        due = uow.session.scalars(
            select(Timer.due_at).where(
                Timer.draft_id == draft.id,
                Timer.review_round == timer.review_round,
                Timer.stage == timer.stage,
                Timer.kind == ESCALATE,
            )
        ).first()
        return due.isoformat() if due is not None else None

    def _escalate(self, uow: UnitOfWork, draft: Draft, stage: ReviewStage, timer: Timer) -> str:
        g = self.ctx.in_force(draft)
        groups = g.sla.escalate_to if g is not None and g.sla is not None else ()
        seated = {a.user_id: a for a in stage.approvers}
        added: list[str] = []
        position = max((a.position for a in stage.approvers), default=-1)
        for group in groups:
            for user in g.approvers.get(group, ()) if g is not None else ():
                seat = seated.get(user)
                if user == draft.submitter or user in added or (seat and seat.active):
                    continue  # never the submitter; an eligible approver already is one
                if seat is not None:
                    seat.active = True
                else:
                    position += 1
                    seat = StageApprover(user_id=user, position=position, active=True)
                    stage.approvers.append(seat)
                    seated[user] = seat
                added.append(user)
        uow.session.flush()
        waiting = self._waiting_on(uow, stage)
        extra = {"deadline": timer.due_at.isoformat(), "added": added, "escalate_to": list(groups)}
        for user in dict.fromkeys([*waiting, draft.submitter]):
            payload = self._message(uow, draft, stage, extra)
            uow.notify(ESCALATED_MESSAGE, user, draft, payload, f"t{timer.id}:{user}")
        uow.audit(
            ev.ESCALATED,
            "brandgate",
            draft,
            {"stage": stage.number, "group": stage.group_name, **extra},
            guidelines_sha256=uow.sha256_in_force(self.ctx, draft),
        )
        return "escalated"

    def _expire(self, uow: UnitOfWork, draft: Draft, timer: Timer) -> str | None:
        if (
            draft.state not in OPEN
            or draft.review_round != timer.review_round
            or draft.publish_at is None
            or draft.publish_at > uow.now
        ):
            return None
        stages = round_stages(uow.session, draft)
        told = {draft.submitter}
        for stage in stages:
            if stage.state in (rv.PENDING, rv.WAITING):
                if stage.state == rv.PENDING:
                    told.update(self._waiting_on(uow, stage))
                stage.state = rv.CANCELLED
        uow.move(draft, State.EXPIRED)
        draft.current_stage = None
        extra = {"publish_at": draft.publish_at.isoformat()}
        for user in sorted(told):
            payload = self._message(uow, draft, None, extra)
            uow.notify(EXPIRED_MESSAGE, user, draft, payload, f"t{timer.id}:{user}")
        uow.audit(
            EXPIRED,
            "brandgate",
            draft,
            extra,
            guidelines_sha256=uow.sha256_in_force(self.ctx, draft),
        )
        return "expired"


def _iso(stage: ReviewStage) -> str:
    return stage.created_at.isoformat()
