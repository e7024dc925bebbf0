"""The workflow's clock (SPEC "Workflow over time"): scheduling due jobs and firing them once.

When a stage opens, its deadline and reminder times (bot/workflow/deadlines.py) become rows of
`timers`; a draft with a `publish_at` gets an expiry row. `fire_due` claims the due rows through
the partial index on their due time, `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's writers
queue behind BEGIN IMMEDIATE), and fires each in the transaction that marks it fired, with its
audit entry and its outbox messages: two runners, or one run twice, fire nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.audit import events as ev
from bot.audit.origin import acting_from, timer_origin
from bot.guidelines.model import Guidelines, Sla
from bot.workflow import outbox
from bot.workflow.away_periods import away_now
from bot.workflow.banners import overdue_banner, pause_banner, stored_requests, update_requests
from bot.workflow.context import WorkflowContext, revision_of
from bot.workflow.deadlines import Duration, stage_clock
from bot.workflow.id_lists import among
from bot.workflow.payloads import base_payload
from bot.workflow.review_requests import request_key, request_payload
from bot.workflow.snapshots import DraftFacts, decision_json
from bot.workflow.states import OPEN, State
from bot.workflow.unit import UnitOfWork, Units
from models import AwayPeriod, BrandPause, Decision, Draft, ReviewStage, StageApprover
from models import review as rv
from models.base import as_utc
from models.timers import ESCALATE, EXPIRE, REMINDER, WHOLE_DRAFT, Timer

EXPIRED = ev.EXPIRED  # audit event: a draft undecided at its publish_at
REMINDED = ev.REMINDED  # audit event: the approvers still to decide were reminded
#: outbox kinds (rendered for Slack by bot/slack/render_timers.py)
REMINDER_MESSAGE = "reminder"
ESCALATED_MESSAGE = "escalated"
EXPIRED_MESSAGE = "expired"
#: the `reason` of an SLA escalation's audit entry; routing's fallback to `routing.default`
#: (bot/workflow/reviews.py) logs `escalated` too, with reason "no_eligible_approver"
SLA_REASON = "sla"
SEATS = cast(Table, StageApprover.__table__)
#: due rows claimed per transaction: small enough to keep locks short
BATCH = 500


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


def stage_deadlines(session: Session, draft_ids: list[int]) -> dict[int, datetime]:
    """The deadline of each draft's open stage (drafts without one are left out)."""
    if not draft_ids:
        return {}
    rows = session.execute(
        select(Timer.draft_id, Timer.due_at)
        .join(Draft, Draft.id == Timer.draft_id)
        .where(
            among(Timer.draft_id, draft_ids),
            Timer.kind == ESCALATE,
            Timer.review_round == Draft.review_round,
            Timer.stage == Draft.current_stage,
        )
    )
    return {draft_id: as_utc(due) for draft_id, due in rows}


def escalated_deadlines(
    session: Session, draft_ids: list[int]
) -> dict[tuple[int, int, int], datetime]:
    """(draft, round, stage) -> deadline, for the stages whose escalation has fired: the
    stages that are overdue (a request restored after a pause must say so again)."""
    if not draft_ids:
        return {}
    rows = session.execute(
        select(Timer.draft_id, Timer.review_round, Timer.stage, Timer.due_at).where(
            among(Timer.draft_id, draft_ids),
            Timer.kind == ESCALATE,
            Timer.fired_at.is_not(None),
        )
    )
    return {(d, r, s): as_utc(due) for d, r, s, due in rows}


class _Batch:
    """What the timers of one claim need, loaded in a handful of queries instead of a handful
    per timer: their drafts (locked, in id order so that two runners cannot deadlock), the
    current revisions, the stages of the current rounds with their decisions, the deadlines."""

    def __init__(self, uow: UnitOfWork, timers: list[Timer]) -> None:
        session = uow.session
        ids = sorted({t.draft_id for t in timers})
        self.drafts = {
            d.id: d
            for d in session.scalars(
                select(Draft)
                .where(among(Draft.id, ids))
                .order_by(Draft.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        current = {(d.id, d.current_revision) for d in self.drafts.values()}
        # every revision (a member who joins at escalation is shown the diff from the last one),
        # as the drafts' select-in load brought them: no second query
        self.all_revisions = {
            (r.draft_id, r.number): r for d in self.drafts.values() for r in d.revisions
        }
        self.revisions = {d: r for (d, n), r in self.all_revisions.items() if (d, n) in current}
        rounds = {(d.id, d.review_round) for d in self.drafts.values()}
        self.stages: dict[int, list[ReviewStage]] = {}
        for stage in session.scalars(
            select(ReviewStage).where(among(ReviewStage.draft_id, ids)).order_by(ReviewStage.number)
        ):
            if (stage.draft_id, stage.review_round) in rounds:
                self.stages.setdefault(stage.draft_id, []).append(stage)
        stage_ids = [s.id for group in self.stages.values() for s in group]
        self.decisions: dict[int, list[Decision]] = {}
        if stage_ids:
            for d in session.scalars(
                select(Decision)
                .where(among(Decision.stage_id, stage_ids))
                .order_by(Decision.created_at, Decision.id)
            ):
                self.decisions.setdefault(d.stage_id, []).append(d)
        self.decided = {sid: {d.actor for d in ds} for sid, ds in self.decisions.items()}
        self.away = away_now(session, uow.now)
        self.pauses = {p.brand_id: p for p in session.scalars(select(BrandPause))}
        self.deadlines = {
            (draft_id, review_round, stage): due
            for draft_id, review_round, stage, due in session.execute(
                select(Timer.draft_id, Timer.review_round, Timer.stage, Timer.due_at).where(
                    among(Timer.draft_id, ids), Timer.kind == ESCALATE
                )
            )
        }
        # the review requests that escalations mark "overdue", one query for the whole batch
        escalating = {t.draft_id for t in timers if t.kind == ESCALATE}
        self.requests = stored_requests(session, escalating)
        #: seats that escalations add, not in the session: `write_new_seats` inserts them
        self.new_seats: list[StageApprover] = []
        # the firings change these objects in place (seats, stage and draft states), so the
        # unit builds the views of its messages' `offered` from them instead of reloading
        uow.known.update(
            (
                d.id,
                DraftFacts(
                    revisions=list(d.revisions),
                    stages=self.stages.get(d.id, []),
                    decisions=[
                        x for s in self.stages.get(d.id, []) for x in self.decisions.get(s.id, [])
                    ],
                ),
            )
            for d in self.drafts.values()
        )

    def write_new_seats(self, session: Session) -> None:
        if self.new_seats:
            session.execute(
                insert(SEATS),
                [
                    dict(
                        stage_id=seat.stage_id,
                        user_id=seat.user_id,
                        position=seat.position,
                        delegated_from=seat.delegated_from,
                        active=seat.active,
                    )
                    for seat in self.new_seats
                ],
            )


class Clockwork:
    """Fires due timers as of a given moment, a claimed batch per transaction."""

    def __init__(self, ctx: WorkflowContext, offers: Any) -> None:
        self.ctx = ctx
        self.offers = offers

    def next_due(self) -> datetime | None:
        with self.ctx.db.reading() as session:
            timer = session.scalar(select(func.min(Timer.due_at)).where(Timer.fired_at.is_(None)))
            back = session.scalar(select(func.min(AwayPeriod.until)))
        times = [as_utc(t) for t in (timer, back) if t is not None]
        return min(times) if times else None

    def fire_due(self, now: datetime) -> dict[str, int]:
        with acting_from(timer_origin()):
            return self._fire_due(now)

    def _fire_due(self, now: datetime) -> dict[str, int]:
        counts = {"reminded": 0, "escalated": 0, "expired": 0}
        units = Units(self.ctx.db, lambda: now, offers=self.offers)
        run = _Run(self.ctx)
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
                if due:
                    # marked fired in one statement (not one UPDATE per timer at the flush)
                    uow.session.execute(
                        update(Timer)
                        .where(among(Timer.id, [t.id for t in due]))
                        .values(fired_at=now)
                    )
                    batch = _Batch(uow, due)
                    shas: dict[str, str] = {}
                    for timer in due:
                        fired = _Firing(run, uow, batch, shas).fire(timer)
                        if fired:
                            counts[fired] += 1
                    batch.write_new_seats(uow.session)
            if len(due) < BATCH:
                return counts


class _Run:
    """Guidelines read once per brand per run (a run fires a thousand timers of a few brands)."""

    def __init__(self, ctx: WorkflowContext) -> None:
        self.ctx = ctx
        self._guidelines: dict[str, Guidelines | None] = {}

    def guidelines(self, draft: Draft) -> Guidelines | None:
        if draft.brand_id not in self._guidelines:
            self._guidelines[draft.brand_id] = self.ctx.in_force(draft)
        return self._guidelines[draft.brand_id]


class _Firing:
    """One timer fired inside its batch's unit of work."""

    def __init__(self, run: _Run, uow: UnitOfWork, batch: _Batch, shas: dict[str, str]) -> None:
        self.run = run
        self.uow = uow
        self.batch = batch
        self.shas = shas

    def fire(self, timer: Timer) -> str | None:
        draft = self.batch.drafts.get(timer.draft_id)
        if draft is None:
            return None
        if timer.kind == EXPIRE:
            return self._expire(draft, timer)
        if (
            draft.state != State.IN_REVIEW
            or draft.review_round != timer.review_round
            or draft.current_stage != timer.stage
        ):
            return None  # decided, revised or moved on since: nothing is due any more
        stage = next((s for s in self._stages(draft) if s.number == timer.stage), None)
        if stage is None or stage.state != rv.PENDING:
            return None
        if timer.kind == REMINDER:
            return self._remind(draft, stage, timer)
        return self._escalate(draft, stage, timer)

    def _stages(self, draft: Draft) -> list[ReviewStage]:
        return self.batch.stages.get(draft.id, [])

    def _sha(self, draft: Draft) -> str:
        """The sha256 of the guidelines in force (as UnitOfWork.sha256_in_force), per brand."""
        if draft.brand_id not in self.shas:
            g = self.run.guidelines(draft)
            if g is None:
                return self.batch.revisions[draft.id].guidelines_sha256
            self.shas[draft.brand_id] = self.uow.note_guidelines(g)
        return self.shas[draft.brand_id]

    def _waiting_on(self, stage: ReviewStage) -> list[str]:
        decided = self.batch.decided.get(stage.id, set())
        return [a.user_id for a in stage.approvers if a.active and a.user_id not in decided]

    def _message(
        self, draft: Draft, stage: ReviewStage | None, extra: dict[str, Any]
    ) -> dict[str, Any]:
        g = self.run.guidelines(draft)
        limits = g.platforms.get(draft.platform) if g is not None else None
        payload = base_payload(
            draft,
            self.batch.revisions[draft.id],
            g.brand if g is not None else draft.brand_id,
            max_chars=limits.max_chars if limits is not None else None,
        )
        if stage is not None:
            payload.update(stage=stage.number, group=stage.group_name, opened_at=_iso(stage))
        payload.update(now=self.uow.now.isoformat(), **extra)
        return payload

    def _remind(self, draft: Draft, stage: ReviewStage, timer: Timer) -> str:
        due = self.batch.deadlines.get((draft.id, timer.review_round, timer.stage))
        deadline = due.isoformat() if due is not None else None
        users = self._waiting_on(stage)
        told = self._message(draft, stage, {"reminder": timer.n, "deadline": deadline})
        for user in users:
            self.uow.notify(REMINDER_MESSAGE, user, draft, dict(told), f"t{timer.id}:{user}")
        self.uow.audit(
            REMINDED,
            "brandgate",
            draft,
            {"stage": stage.number, "reminder": timer.n, "to": users, "deadline": deadline},
            guidelines_sha256=self._sha(draft),
        )
        return "reminded"

    def _escalate(self, draft: Draft, stage: ReviewStage, timer: Timer) -> str:
        g = self.run.guidelines(draft)
        groups = g.sla.escalate_to if g is not None and g.sla is not None else ()
        seated = {a.user_id: a for a in stage.approvers}
        added: list[str] = []
        position = max((a.position for a in stage.approvers), default=-1)
        for group in groups:
            for user in g.approvers.get(group, ()) if g is not None else ():
                seat = seated.get(user)
                if user == draft.submitter or user in added or (seat and seat.active):
                    continue  # never the submitter; an eligible approver already is one
                if user in self.batch.away.of(draft.team_id):
                    continue  # away: not given new stages
                if seat is not None:
                    seat.active = True
                else:
                    position += 1
                    seat = StageApprover(
                        stage_id=stage.id, user_id=user, position=position, active=True
                    )
                    # Shown in the stage at once, written with the batch's other new seats in
                    # one INSERT (the ORM's unit of work would spend more on a thousand than
                    # everything else an escalation does)
                    set_committed_value(stage, "approvers", [*stage.approvers, seat])
                    self.batch.new_seats.append(seat)
                    seated[user] = seat
                added.append(user)
        waiting = self._waiting_on(stage)
        deadline = timer.due_at.isoformat()
        pause = self.batch.pauses.get(draft.brand_id)
        if pause is None:
            # Their original DMs now say "overdue". While the brand is paused they keep saying
            # "paused" (every approver message shows the pause); resuming restores "overdue".
            update_requests(
                self.uow,
                draft,
                stage,
                [u for u in waiting if u not in added],
                overdue_banner(deadline),
                known=self.batch.requests,
            )
        if added:  # the members who joined get the request itself
            self._ask(draft, stage, [seated[u] for u in added], pause)
        extra = {"deadline": deadline, "added": added, "escalate_to": list(groups)}
        told = self._message(draft, stage, extra)  # the same news for each (copied: each
        for user in dict.fromkeys([*waiting, draft.submitter]):  # gets its own `offered`)
            self.uow.notify(ESCALATED_MESSAGE, user, draft, dict(told), f"t{timer.id}:{user}")
        self.uow.audit(
            ev.ESCALATED,
            "brandgate",
            draft,
            {"stage": stage.number, "group": stage.group_name, "reason": SLA_REASON, **extra},
            guidelines_sha256=self._sha(draft),
        )
        return "escalated"

    def _ask(
        self, draft: Draft, stage: ReviewStage, seats: list[StageApprover], pause: BrandPause | None
    ) -> None:
        """Review requests for the seats who joined, as bot/workflow/reviews.py sends them,
        from the batch's facts (no query)."""
        g = self.run.guidelines(draft)
        limits = g.platforms.get(draft.platform) if g is not None else None
        rev = self.batch.revisions[draft.id]
        previous = self.batch.all_revisions.get((draft.id, rev.number - 1))
        earlier = [
            decision_json(d, s)
            for s in self._stages(draft)
            if s.number < stage.number
            for d in self.batch.decisions.get(s.id, [])
        ]
        banner = pause_banner(pause) if pause is not None else None
        for seat in seats:
            payload = request_payload(
                draft,
                rev,
                g.brand if g is not None else draft.brand_id,
                stage,
                seat,
                previous=previous,
                earlier=earlier,
                max_chars=limits.max_chars if limits is not None else None,
                banner=banner,
            )
            key = request_key(stage, rev, seat.user_id)
            self.uow.notify(outbox.REVIEW_REQUEST, seat.user_id, draft, payload, key)

    def _expire(self, draft: Draft, timer: Timer) -> str | None:
        uow = self.uow
        if (
            draft.state not in OPEN
            or draft.review_round != timer.review_round
            or draft.publish_at is None
            or draft.publish_at > uow.now
        ):
            return None
        told = {draft.submitter}
        for stage in self._stages(draft):
            if stage.state in (rv.PENDING, rv.WAITING):
                if stage.state == rv.PENDING:
                    told.update(self._waiting_on(stage))
                stage.state = rv.CANCELLED
        uow.move(draft, State.EXPIRED)
        draft.current_stage = None
        extra = {"publish_at": draft.publish_at.isoformat()}
        news = self._message(draft, None, extra)
        for user in sorted(told):
            uow.notify(EXPIRED_MESSAGE, user, draft, dict(news), f"t{timer.id}:{user}")
        uow.audit(EXPIRED, "brandgate", draft, extra, guidelines_sha256=self._sha(draft))
        return "expired"


def _iso(stage: ReviewStage) -> str:
    return stage.created_at.isoformat()
