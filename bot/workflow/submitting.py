"""Submitting a draft: checked, then blocked, approved by the policy, or routed to stage 1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit import events as ev
from bot.engine.findings import CheckResult
from bot.guidelines.model import Guidelines
from bot.workflow.context import WorkflowContext, normalise_text, required, unoverridable_rules
from bot.workflow.errors import NotAllowed, NotOverridable
from bot.workflow.preview import check_metadata
from bot.workflow.reviews import Reviews
from bot.workflow.snapshots import DraftView, build_view
from bot.workflow.states import State
from bot.workflow.timing import iso, planned
from bot.workflow.unit import Once, UnitOfWork, Units
from models import Draft


@dataclass(frozen=True)
class Submission:
    """A submission as asked for, validated and normalised by `submission()`."""

    submitter: str
    brand: str
    platform: str
    text: str
    kind: str
    sponsored: bool
    context: str | None
    notes: str | None
    origin: dict[str, Any] | None
    override_reason: str | None
    publish_at: datetime | None = None

    def request(self) -> dict[str, Any]:
        """What an idempotency key stands for (the origin is where it came from, not what)."""
        return {
            "brand": self.brand,
            "platform": self.platform,
            "kind": self.kind,
            "sponsored": self.sponsored,
            "context": self.context,
            "notes": self.notes,
            "text": self.text,
            **({"publish_at": self.publish_at.isoformat()} if self.publish_at else {}),
        }


def submission(
    *,
    submitter: str,
    brand: str,
    platform: str,
    text: str,
    kind: str,
    sponsored: bool,
    context: str | None,
    notes: str | None,
    origin: dict[str, Any] | None,
    override_reason: str | None,
    publish_at: datetime | None = None,
) -> Submission:
    submitter = required(submitter, "the submitter")
    check_metadata(platform=platform, kind=kind, context=context)
    if override_reason is not None:
        override_reason = required(override_reason, "an override reason")
    return Submission(
        submitter=submitter,
        brand=brand,
        platform=platform,
        text=normalise_text(text),
        kind=kind,
        sponsored=sponsored,
        context=context,
        notes=notes,
        origin=origin,
        override_reason=override_reason,
        publish_at=planned(publish_at),
    )


def team_of(s: Submission) -> str | None:
    """The Slack team a submission came from (its origin's `team`), if any."""
    team = (s.origin or {}).get("team")
    return str(team) if team else None


class Submitting:
    def __init__(self, ctx: WorkflowContext, units: Units, reviews: Reviews) -> None:
        self.ctx = ctx
        self.units = units
        self.reviews = reviews

    def submit(self, s: Submission, idempotency_key: str | None) -> DraftView:
        g = self.ctx.guidelines.get(s.brand)
        if not g.may_submit(s.submitter):
            raise NotAllowed(f"{s.submitter} may not submit drafts for brand {s.brand}")
        if g.workspace and team_of(s) not in (None, g.workspace):
            raise NotAllowed(f"brand {s.brand} is not offered in this Slack workspace")
        once = Once(s.submitter, idempotency_key, s.request())
        replay = self.units.replay(once)
        if replay is not None:  # before the check: a retried delivery costs no second check
            return replay
        result = self.ctx.check(
            g, s.text, platform=s.platform, kind=s.kind, sponsored=s.sponsored, context=s.context
        )
        if s.override_reason and result.verdict == "block" and not result.overridable:
            raise NotOverridable(
                f"the draft has errors that cannot be overridden ({unoverridable_rules(result)})"
            )
        return self.units.run(once, lambda uow: self._store(uow, once, g, s, result))

    def _store(
        self, uow: UnitOfWork, once: Once, g: Guidelines, s: Submission, result: CheckResult
    ) -> DraftView:
        sha = uow.note_guidelines(g)
        draft = Draft(
            brand_id=s.brand,
            platform=s.platform,
            kind=s.kind,
            sponsored=s.sponsored,
            context=s.context,
            notes=s.notes,
            submitter=s.submitter,
            state=State.SUBMITTED,
            current_revision=1,
            review_round=0,
            idempotency_key=once.key,
            origin=s.origin,
            team_id=team_of(s) or g.workspace,
            publish_at=s.publish_at,
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(draft)
        uow.session.flush()
        uow.claim(once, draft.id)
        rev = self.reviews.add_revision(
            uow, draft, text=s.text, author=s.submitter, origin_event="submitted", result=result
        )
        uow.audit(
            ev.SUBMITTED,
            s.submitter,
            draft,
            {
                "platform": s.platform,
                "kind": s.kind,
                "sponsored": s.sponsored,
                "text": s.text,
                "text_sha256": rev.text_sha256,
                "context": s.context,
                "notes": s.notes,
                "idempotency_key": once.key,
                "publish_at": iso(s.publish_at),
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
            actor=s.submitter,
            override_reason=s.override_reason,
            previous=None,
        )
        return build_view(uow.session, draft)
