"""The workflow service: submit, override, revise, withdraw, decide, delegate, publish, read.

Slack-free: adapters (Slack app, CLI) call these methods and render the returned `DraftView`s and
the queued outbox messages. The service is a facade over use cases composed from parts, each in
its own module: every change runs in one unit of work (bot/workflow/unit.py: transaction, row
lock, idempotency, audit, outbox), every move is checked against the state machine
(bot/workflow/states.py), every permission by one guard (guards.py, seats.py) that the `can_*`
queries and `offered_actions` share with the actions themselves.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.guidelines.model import Guidelines
from bot.workflow.away import Away
from bot.workflow.clockwork import Clockwork, stage_deadlines
from bot.workflow.context import CheckFn, GuidelineSource, WorkflowContext, engine_check
from bot.workflow.deciding import Deciding, decision_request
from bot.workflow.duplicate_index import DatabaseHistory
from bot.workflow.offers import eligible_delegates, offered_actions
from bot.workflow.pausing import Pausing
from bot.workflow.preview import Preview, preview, preview_draft
from bot.workflow.reading import DecisionRecord, Reading
from bot.workflow.reviews import Reviews
from bot.workflow.revising import Revising, revision
from bot.workflow.snapshots import DraftView
from bot.workflow.states import Action
from bot.workflow.submitting import Submitting, submission
from bot.workflow.unit import Units
from models import BrandPause, utcnow
from models import review as rv
from models.db import Database

__all__ = ["CheckFn", "GuidelineSource", "WorkflowService", "engine_check"]


class WorkflowService:
    """Every workflow action and query, over one database and one guideline source."""

    def __init__(
        self,
        db: Database,
        guidelines: GuidelineSource,
        *,
        check: CheckFn = engine_check,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ctx = WorkflowContext(db, guidelines, check=check, clock=clock)
        units = Units(db, clock, offers=self.offered_actions)
        reviews = Reviews(self.ctx)
        self._submitting = Submitting(self.ctx, units, reviews)
        self._revising = Revising(self.ctx, units, reviews)
        self._deciding = Deciding(self.ctx, units, reviews)
        self._reading = Reading(db)
        self._pausing = Pausing(self.ctx, units)
        self._clockwork = Clockwork(self.ctx, self.offered_actions)
        self._away = Away(self.ctx, units, reviews)

    @property
    def db(self) -> Database:
        return self.ctx.db

    @property
    def guidelines(self) -> GuidelineSource:
        return self.ctx.guidelines

    @property
    def history(self) -> DatabaseHistory:
        return self.ctx.history

    # ------------------------------------------------------------------ submitters

    def submit(
        self,
        *,
        submitter: str,
        brand: str,
        platform: str,
        text: str,
        kind: str = "post",
        sponsored: bool = False,
        context: str | None = None,
        notes: str | None = None,
        idempotency_key: str | None = None,
        origin: dict[str, Any] | None = None,
        override_reason: str | None = None,
        publish_at: datetime | None = None,
    ) -> DraftView:
        """Check a draft, then block it, let the policy approve it, or route it to stage 1.

        A reply needs its context. Trailing whitespace of the text is dropped. With
        `idempotency_key`, submitting the same request again returns the same draft
        (`replayed=True`); reusing the key for a different request raises IdempotencyConflict.
        """
        request = submission(
            submitter=submitter,
            brand=brand,
            platform=platform,
            text=text,
            kind=kind,
            sponsored=sponsored,
            context=context,
            notes=notes,
            origin=origin,
            override_reason=override_reason,
            publish_at=publish_at,
        )
        return self._submitting.submit(request, idempotency_key)

    def override(
        self, draft_id: int, *, actor: str, reason: str, idempotency_key: str | None = None
    ) -> DraftView:
        """Send a blocked draft to its approvers anyway, with a written reason.

        With `idempotency_key`, a repeat returns the draft as it is now (`replayed=True`).
        """
        return self._revising.override(draft_id, actor, reason, idempotency_key)

    def revise(
        self,
        draft_id: int,
        *,
        actor: str,
        text: str,
        notes: str | None = None,
        override_reason: str | None = None,
        idempotency_key: str | None = None,
        context: str | None = None,
        publish_at: datetime | None = None,
    ) -> DraftView:
        """A new revision by the submitter: re-checked, then blocked or routed afresh.

        `context` replaces the draft's (a reply needs one). With `idempotency_key`, a repeat (a
        retried Slack delivery, even after a restart) adds no second revision and returns the
        draft as it is now (`replayed=True`).
        """
        request = revision(
            draft_id,
            actor=actor,
            text=text,
            notes=notes,
            override_reason=override_reason,
            context=context,
            publish_at=publish_at,
        )
        return self._revising.revise(request, idempotency_key)

    def pause(self, brand: str, *, actor: str, reason: str) -> dict[str, Any]:
        """Pause a brand for a crisis (any approver of the brand); everyone concerned is told."""
        return self._pausing.pause(brand, actor, reason)

    def resume(self, brand: str, *, actor: str) -> dict[str, Any]:
        return self._pausing.resume(brand, actor)

    def away_set(
        self,
        user: str,
        *,
        until: datetime,
        delegate: str | None = None,
        reason: str | None = None,
        team: str | None = None,
    ) -> dict[str, Any]:
        """Mark `user` (of Slack team `team`; None: no team, one workspace) away until `until`:
        no new stages for them, and their open seats pass to `delegate` (an approver of each of
        their brands), else their group, else the default; returns the absence with `moved`
        (one entry per seat)."""
        return self._away.set(user, until, delegate, reason, team=team)

    def away_clear(self, user: str, *, team: str | None = None) -> dict[str, Any]:
        return self._away.clear(user, team=team)

    def away_list(self, *, team: str | None = None) -> builtins.list[dict[str, Any]]:
        return self._away.periods(team=team)

    def away_of(self, user: str, *, team: str | None = None) -> dict[str, Any] | None:
        return self._away.of(user, team=team)

    def deadlines(self, draft_ids: builtins.list[int]) -> dict[int, datetime]:
        """The deadline of each draft's open stage (none: the brand has no `sla`)."""
        with self.db.reading() as session:
            return stage_deadlines(session, draft_ids)

    def pauses(self) -> builtins.list[dict[str, Any]]:
        """Every paused brand: `brand`, `by`, `reason`, `at` (a datetime)."""
        with self.db.reading() as session:
            return [
                {"brand": p.brand_id, "by": p.paused_by, "reason": p.reason, "at": p.paused_at}
                for p in session.scalars(select(BrandPause).order_by(BrandPause.brand_id))
            ]

    def withdraw(self, draft_id: int, *, actor: str, reason: str | None = None) -> DraftView:
        return self._revising.withdraw(draft_id, actor, reason)

    def mark_published(self, draft_id: int, *, actor: str, url: str) -> DraftView:
        """Record where an approved draft went live."""
        return self._revising.mark_published(draft_id, actor, url)

    # ------------------------------------------------------------------ approvers

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
        nothing. Nobody decides two stages of one draft.
        """
        request = decision_request(
            draft_id,
            actor=actor,
            decision=decision,
            reason=reason,
            text=text,
            expected_revision=expected_revision,
            override_reason=override_reason,
        )
        return self._deciding.decide(request, idempotency_key)

    def approve(self, draft_id: int, *, actor: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.APPROVE, **kw)

    def reject(self, draft_id: int, *, actor: str, reason: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.REJECT, reason=reason, **kw)

    def request_changes(self, draft_id: int, *, actor: str, comment: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.CHANGES, reason=comment, **kw)

    def edit_and_approve(self, draft_id: int, *, actor: str, text: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.EDIT_APPROVE, text=text, **kw)

    def delegate(
        self, draft_id: int, *, actor: str, to: str, reason: str | None = None
    ) -> DraftView:
        """Hand an approver's seat in the open stage to another approver of the brand (never
        the submitter, never someone who decides or sits on another stage of the draft)."""
        return self._deciding.delegate(draft_id, actor, to, reason)

    # ------------------------------------------------------------------ may I? (read-only)
    # Each raises what its action would raise for `actor` now (NotAllowed, NotOverridable,
    # AlreadyDecided, InvalidTransition, UnknownDraft), changing nothing; else the draft as it
    # is. Adapters ask before opening a form, so nobody types a reason they cannot submit; the
    # action checks again under the lock either way.

    def can_decide(
        self, draft_id: int, *, actor: str, expected_revision: int | None = None
    ) -> DraftView:
        return self._deciding.can_decide(draft_id, actor, expected_revision)

    def can_override(
        self, draft_id: int, *, actor: str, expected_revision: int | None = None
    ) -> DraftView:
        return self._revising.can_override(draft_id, actor, expected_revision)

    def can_revise(
        self, draft_id: int, *, actor: str, expected_revision: int | None = None
    ) -> DraftView:
        return self._revising.can_revise(draft_id, actor, expected_revision)

    def can_withdraw(self, draft_id: int, *, actor: str) -> DraftView:
        return self._revising.can_withdraw(draft_id, actor)

    def can_publish(self, draft_id: int, *, actor: str) -> DraftView:
        return self._revising.can_publish(draft_id, actor)

    def _guidelines_of(self, view: DraftView) -> Guidelines | None:
        try:
            return self.guidelines.get(view.brand)
        except Exception:  # a broken file offers nothing that needs it (see offers.py)
            return None

    def offered_actions(self, view: DraftView, actor: str) -> frozenset[Action]:
        """What to offer `actor` for `view` (buttons, commands); no database access."""
        return offered_actions(view, actor, self._guidelines_of(view))

    def eligible_delegates(self, view: DraftView, actor: str) -> list[str]:
        g = self._guidelines_of(view)
        return eligible_delegates(view, actor, g) if g is not None else []

    # ------------------------------------------------------------------ previews, reading

    def preview(
        self,
        *,
        brand: str,
        text: str,
        platform: str | None,
        kind: str = "post",
        sponsored: bool = False,
        context: str | None = None,
        submitter: str | None = None,
    ) -> Preview:
        """What submitting would do (check and route), storing nothing; earlier drafts of the
        brand count for the duplicate check."""
        draft = preview_draft(
            text=text, platform=platform, kind=kind, sponsored=sponsored, context=context
        )
        return preview(self.guidelines.get(brand), draft, submitter=submitter, history=self.history)

    def get(self, draft_id: int, *, with_revisions: bool = True) -> DraftView:
        return self._reading.get(draft_id, with_revisions=with_revisions)

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
        """Newest first. `approver` keeps drafts waiting on that user's decision; `team` keeps
        that Slack team's drafts and those of no team (except of `foreign_brands`)."""
        return self._reading.list(
            state=state,
            brand=brand,
            submitter=submitter,
            approver=approver,
            limit=limit,
            team=team,
            foreign_brands=foreign_brands,
        )

    def counts(self, *, brand: str | None = None) -> dict[str, int]:
        return self._reading.counts(brand=brand)

    def latest_decisions(
        self, brands: builtins.list[str], limit: int = 15, team: str | None = None
    ) -> builtins.list[DecisionRecord]:
        return self._reading.latest_decisions(brands, limit, team)


def run_timers(service: WorkflowService, now: datetime | None = None) -> dict[str, int]:
    """Everything due at `now` (default: the service's clock): reminders, escalations, expiries.
    Safe to call from several processes at once and as often as wanted (`serve`: every minute);
    returns `{"reminded": n, "escalated": n, "expired": n}`, plus `"returned": n` when absences
    ended (away users whose `until` passed)."""
    moment = now or service.ctx.clock()
    returned = service._away.return_due(moment)
    counts = service._clockwork.fire_due(moment)
    if returned:
        counts["returned"] = returned
    return counts


def next_due(service: WorkflowService) -> datetime | None:
    """The earliest time something will be due (a timer, an away return), or None: `serve`
    wakes then rather than at its next minute. Both are index lookups (MIN on an index)."""
    return service._clockwork.next_due()
