"""What every use case needs: the database, the guidelines, the check, the clock, lookups."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine.findings import CheckResult, Finding
from bot.engine.findings import Draft as EngineDraft
from bot.engine.near_duplicates import HistoryIndex
from bot.guidelines.model import Guidelines
from bot.workflow.duplicate_index import DatabaseHistory
from bot.workflow.errors import InvalidRequest, UnknownDraft
from bot.workflow.payloads import base_payload
from models import Decision, Draft, ReviewStage, Revision, utcnow
from models.db import Database

POLICY_ACTOR = "policy"
SYSTEM_ACTOR = "brandgate"


class GuidelineSource(Protocol):
    """Anything that returns a brand's current guidelines (e.g. `GuidelineStore`)."""

    def get(self, brand_id: str) -> Guidelines: ...


CheckFn = Callable[[Guidelines, EngineDraft], CheckResult]


def engine_check(
    guidelines: Guidelines, draft: EngineDraft, history: HistoryIndex | None = None
) -> CheckResult:
    from bot.engine.checker import get_checker

    return get_checker(guidelines).check(draft, history=history)


def normalise_text(text: str) -> str:
    """The one normalisation of a text entering the workflow (submit, revise, edit): trailing
    whitespace goes (a newline from standard input, spaces from a form), so that `audit match`
    and reconciliation find the text as the person sees it. Leading indentation is kept."""
    return text.rstrip()


def required(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidRequest(f"{what} is required")
    return value.strip()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def result_json(result: CheckResult) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "overridable": result.overridable,
        "findings": [f.to_json() for f in result.findings],
        "values": result.values_json(),
    }


def stored_result(rev: Revision) -> CheckResult:
    return CheckResult(
        findings=tuple(Finding.from_json(f) for f in rev.check_result.get("findings", [])),
        guidelines_sha256=rev.guidelines_sha256,
    )


def unoverridable_rules(result: CheckResult) -> str:
    return ", ".join(sorted({f.rule for f in result.blocking if not f.overridable}))


# ---------------------------------------------------------------------- lookups


def find_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise UnknownDraft(draft_id)
    return draft


def revision_of(session: Session, draft: Draft, number: int | None = None) -> Revision:
    return session.scalars(
        select(Revision).where(
            Revision.draft_id == draft.id,
            Revision.number == (number or draft.current_revision),
        )
    ).one()


def round_stages(session: Session, draft: Draft) -> list[ReviewStage]:
    """The stages of the draft's current review round, in order."""
    return list(
        session.scalars(
            select(ReviewStage)
            .where(
                ReviewStage.draft_id == draft.id,
                ReviewStage.review_round == draft.review_round,
            )
            .order_by(ReviewStage.number)
        ).all()
    )


def stage_decisions(session: Session, stage: ReviewStage) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.stage_id == stage.id)
            .order_by(Decision.created_at, Decision.id)
        ).all()
    )


class WorkflowContext:
    """The services' shared dependencies; every use case holds the same one."""

    def __init__(
        self,
        db: Database,
        guidelines: GuidelineSource,
        *,
        check: CheckFn = engine_check,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.guidelines = guidelines
        self.clock = clock
        # Every revision is indexed; the default check searches it (the `duplicate` rule).
        self.history = DatabaseHistory(db, clock)
        self.check_fn: CheckFn = (
            partial(engine_check, history=self.history) if check is engine_check else check
        )

    def check(
        self,
        g: Guidelines,
        text: str,
        *,
        platform: str,
        kind: str,
        sponsored: bool,
        context: str | None,
        draft_id: int | None = None,
    ) -> CheckResult:
        from bot.engine.checker import DraftError

        draft = EngineDraft(
            text=text,
            platform=platform,
            kind=kind,
            sponsored=sponsored,
            context=context,
            id=None if draft_id is None else str(draft_id),
        )
        try:
            return self.check_fn(g, draft)
        except DraftError as exc:
            raise InvalidRequest(str(exc)) from exc

    def check_revision(self, g: Guidelines, draft: Draft, text: str) -> CheckResult:
        """A new text for an existing draft, checked with the draft's own metadata."""
        return self.check(
            g,
            text,
            platform=draft.platform,
            kind=draft.kind,
            sponsored=draft.sponsored,
            context=draft.context,
            draft_id=draft.id,
        )

    def in_force(self, draft: Draft) -> Guidelines | None:
        """The brand's guidelines as they are now, or None when the file cannot be read (a broken
        or removed file must not stop a withdrawal, a decision on an old text, a notification)."""
        try:
            return self.guidelines.get(draft.brand_id)
        except Exception:
            return None

    def brand_name(self, draft: Draft) -> str:
        g = self.in_force(draft)
        return g.brand if g is not None else draft.brand_id

    def max_chars(self, draft: Draft) -> int | None:
        """The brand's character limit for the draft's platform, if its file sets one."""
        g = self.in_force(draft)
        limits = g.platforms.get(draft.platform) if g is not None else None
        return limits.max_chars if limits is not None else None

    def payload(self, session: Session, draft: Draft, brand_name: str) -> dict[str, Any]:
        return base_payload(
            draft, revision_of(session, draft), brand_name, max_chars=self.max_chars(draft)
        )
