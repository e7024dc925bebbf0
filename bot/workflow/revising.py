"""What submitters do after submitting: override a block, revise, withdraw, mark published.

Each action has a `can_*` twin that raises what the action would raise and changes nothing: the
same guard (bot/workflow/guards.py) runs in both, on an unlocked read for the query and under the
row lock for the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from bot.audit import events as ev
from bot.engine.findings import CheckResult
from bot.guidelines.model import Guidelines
from bot.workflow.context import (
    WorkflowContext,
    find_draft,
    normalise_text,
    required,
    revision_of,
    stored_result,
    unoverridable_rules,
)
from bot.workflow.errors import InvalidRequest, InvalidTransition, NotOverridable
from bot.workflow.guards import at_revision, may_override, may_publish, may_revise, may_withdraw
from bot.workflow.pausing import refuse_if_paused
from bot.workflow.payloads import diff_payload
from bot.workflow.preview import check_metadata
from bot.workflow.reviews import Reviews
from bot.workflow.snapshots import DraftView, build_view
from bot.workflow.states import State
from bot.workflow.timing import iso, planned
from bot.workflow.unit import RETRIES, Once, StaleRead, UnitOfWork, Units


@dataclass(frozen=True)
class RevisionRequest:
    """A revision as asked for, normalised; `context` replaces the draft's when given."""

    draft_id: int
    actor: str
    text: str
    notes: str | None
    override_reason: str | None
    context: str | None
    publish_at: datetime | None = None

    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "action": "revise",
            "draft": self.draft_id,
            "text": self.text,
            "notes": self.notes,
            "override_reason": self.override_reason,
        }
        if self.context is not None:  # keys used before `context` existed keep their hash
            request["context"] = self.context
        if self.publish_at is not None:
            request["publish_at"] = self.publish_at.isoformat()
        return request


class Revising:
    def __init__(self, ctx: WorkflowContext, units: Units, reviews: Reviews) -> None:
        self.ctx = ctx
        self.units = units
        self.reviews = reviews

    # -- queries: the same guards, on a read, changing nothing --------------------------------

    def can_override(
        self, draft_id: int, actor: str, expected_revision: int | None = None
    ) -> DraftView:
        with self.ctx.db.reading() as session:
            draft = find_draft(session, draft_id)
            may_override(session, draft, actor)
            at_revision(draft, expected_revision)
            return build_view(session, draft)

    def can_revise(
        self, draft_id: int, actor: str, expected_revision: int | None = None
    ) -> DraftView:
        with self.ctx.db.reading() as session:
            draft = find_draft(session, draft_id)
            may_revise(draft, actor, self.ctx.guidelines.get(draft.brand_id))
            at_revision(draft, expected_revision)
            return build_view(session, draft)

    def can_withdraw(self, draft_id: int, actor: str) -> DraftView:
        with self.ctx.db.reading() as session:
            draft = find_draft(session, draft_id)
            may_withdraw(draft, actor)
            return build_view(session, draft)

    def can_publish(self, draft_id: int, actor: str) -> DraftView:
        with self.ctx.db.reading() as session:
            draft = find_draft(session, draft_id)
            may_publish(draft, actor, self.ctx.guidelines.get(draft.brand_id))
            return build_view(session, draft)

    # -- override ------------------------------------------------------------------------------

    def override(
        self, draft_id: int, actor: str, reason: str, idempotency_key: str | None
    ) -> DraftView:
        reason = required(reason, "an override reason")
        once = Once(
            actor, idempotency_key, {"action": "override", "draft": draft_id, "reason": reason}
        )

        def body(uow: UnitOfWork) -> DraftView:
            draft = uow.lock(draft_id, once=once)
            may_override(uow.session, draft, actor)
            rev = revision_of(uow.session, draft)
            g = self.ctx.guidelines.get(draft.brand_id)
            uow.note_guidelines(g)
            draft.updated_at = uow.now
            self.reviews.after_check(
                uow,
                g,
                draft,
                rev,
                stored_result(rev),
                actor=actor,
                override_reason=reason,
                previous=None,
            )
            return build_view(uow.session, draft)

        return self.units.run(once, body)

    # -- revise --------------------------------------------------------------------------------

    def revise(self, r: RevisionRequest, idempotency_key: str | None) -> DraftView:
        once = Once(r.actor, idempotency_key, r.request())
        for _ in range(RETRIES):
            with self.ctx.db.reading() as session:
                draft = find_draft(session, r.draft_id)
                base = draft.current_revision
            g = self.ctx.guidelines.get(draft.brand_id)
            may_revise(draft, r.actor, g)
            context = r.context if r.context is not None else draft.context
            check_metadata(platform=draft.platform, kind=draft.kind, context=context)
            result = self.ctx.check(
                g,
                r.text,
                platform=draft.platform,
                kind=draft.kind,
                sponsored=draft.sponsored,
                context=context,
                draft_id=draft.id,
            )
            if r.override_reason and result.verdict == "block" and not result.overridable:
                raise NotOverridable(
                    f"the revision has errors that cannot be overridden "
                    f"({unoverridable_rules(result)})"
                )
            try:
                body = partial(
                    self._store, once=once, r=r, g=g, base=base, context=context, result=result
                )
                return self.units.run(once, body)
            except StaleRead:
                continue
        raise InvalidTransition(f"draft {r.draft_id} kept changing while revising; try again")

    def _store(
        self,
        uow: UnitOfWork,
        once: Once,
        r: RevisionRequest,
        g: Guidelines,
        base: int,
        context: str | None,
        result: CheckResult,
    ) -> DraftView:
        draft = uow.lock(r.draft_id, once=once)
        if draft.current_revision != base:
            raise StaleRead
        may_revise(draft, r.actor, g)
        previous = revision_of(uow.session, draft)
        self.reviews.close_round(uow, draft, decision="superseded", actor=r.actor, reason=None)
        # The old route belongs to the old text; a blocked revision has none.
        draft.review_round += 1
        sha = uow.note_guidelines(g)
        draft.current_revision += 1
        draft.override_reason = None
        draft.context = context
        draft.updated_at = uow.now
        if r.notes is not None:
            draft.notes = r.notes
        if r.publish_at is not None:
            draft.publish_at = r.publish_at
        rev = self.reviews.add_revision(
            uow, draft, text=r.text, author=r.actor, origin_event="revised", result=result
        )
        uow.audit(
            ev.REVISED,
            r.actor,
            draft,
            {
                "text": r.text,
                "text_sha256": rev.text_sha256,
                "previous_revision": previous.number,
                "diff": diff_payload(previous, rev),
                "notes": r.notes,
                "publish_at": iso(draft.publish_at),
            },
            guidelines_sha256=sha,
        )
        self.reviews.audit_checked(uow, draft, rev, result)
        self.reviews.after_check(
            uow,
            g,
            draft,
            rev,
            result,
            actor=r.actor,
            override_reason=r.override_reason,
            previous=previous,
        )
        return build_view(uow.session, draft)

    # -- withdraw, publish -----------------------------------------------------------------------

    def withdraw(self, draft_id: int, actor: str, reason: str | None) -> DraftView:
        def body(uow: UnitOfWork) -> DraftView:
            draft = uow.lock(draft_id)
            may_withdraw(draft, actor)
            previous_state = draft.state
            self.reviews.close_round(uow, draft, decision="withdrawn", actor=actor, reason=reason)
            uow.move(draft, State.WITHDRAWN)
            uow.audit(
                ev.WITHDRAWN,
                actor,
                draft,
                {"reason": reason, "previous_state": previous_state, "state": draft.state},
                guidelines_sha256=uow.sha256_in_force(self.ctx, draft),
            )
            return build_view(uow.session, draft)

        return self.units.run(None, body)

    def mark_published(self, draft_id: int, actor: str, url: str) -> DraftView:
        url = required(url, "the published URL")
        if not url.startswith(("https://", "http://")):
            raise InvalidRequest(f"not an http(s) URL: {url!r}")

        def body(uow: UnitOfWork) -> DraftView:
            draft = uow.lock(draft_id)
            g = self.ctx.guidelines.get(draft.brand_id)
            may_publish(draft, actor, g)
            refuse_if_paused(uow.session, draft.brand_id, "publications are")
            uow.move(draft, State.PUBLISHED)
            draft.published_url = url
            draft.published_at = uow.now
            uow.audit(
                ev.PUBLISHED,
                actor,
                draft,
                {"url": url, "state": draft.state},
                guidelines_sha256=uow.note_guidelines(g),
            )
            return build_view(uow.session, draft)

        return self.units.run(None, body)


def revision(
    draft_id: int,
    *,
    actor: str,
    text: str,
    notes: str | None,
    override_reason: str | None,
    context: str | None,
    publish_at: datetime | None = None,
) -> RevisionRequest:
    return RevisionRequest(
        draft_id, actor, normalise_text(text), notes, override_reason, context, planned(publish_at)
    )
