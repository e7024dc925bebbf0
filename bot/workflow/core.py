"""Plumbing shared by the workflow services: the unit of work, locking, checking, lookups."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit import events as ev
from bot.audit.chain import canonical_json
from bot.audit.events import AuditEvent
from bot.audit.log import append as audit_append
from bot.engine.findings import CheckResult, Finding
from bot.engine.findings import Draft as EngineDraft
from bot.engine.history import HistoryIndex
from bot.guidelines.model import Guidelines
from bot.workflow import outbox
from bot.workflow.errors import (
    IdempotencyConflict,
    InvalidRequest,
    UnknownDraft,
)
from bot.workflow.history import DatabaseHistory
from bot.workflow.messages import base_payload
from bot.workflow.views import DraftView, build_view, decision_json
from models import (
    AuditEntry,
    Decision,
    Draft,
    IdempotencyKey,
    ReviewStage,
    Revision,
    utcnow,
)
from models import drafts as st
from models import review as rv
from models.audit import AuditPending
from models.db import Database

POLICY_ACTOR = "policy"
SYSTEM_ACTOR = "brandgate"
REVISABLE = (st.SUBMITTED, st.BLOCKED, st.IN_REVIEW, st.CHANGES_REQUESTED)
WITHDRAWABLE = (st.SUBMITTED, st.BLOCKED, st.IN_REVIEW, st.CHANGES_REQUESTED)
DECIDED_STATES = (st.APPROVED, st.REJECTED, st.CHANGES_REQUESTED, st.PUBLISHED)
DECISION_ALIASES = {
    "approve": rv.APPROVE,
    "approved": rv.APPROVE,
    "reject": rv.REJECT,
    "rejected": rv.REJECT,
    "changes": rv.CHANGES,
    "request_changes": rv.CHANGES,
    "changes_requested": rv.CHANGES,
    "edit": rv.EDIT_APPROVE,
    "edit_approve": rv.EDIT_APPROVE,
    "edit_and_approve": rv.EDIT_APPROVE,
}
_RETRIES = 3


class GuidelineSource(Protocol):
    """Anything that returns a brand's current guidelines (e.g. `GuidelineStore`)."""

    def get(self, brand_id: str) -> Guidelines: ...


CheckFn = Callable[[Guidelines, EngineDraft], CheckResult]


def engine_check(
    guidelines: Guidelines, draft: EngineDraft, history: HistoryIndex | None = None
) -> CheckResult:
    from bot.engine.checker import get_checker

    return get_checker(guidelines).check(draft, history=history)


class _Retry(Exception):
    """The draft changed between the unlocked check and the locked write: start again."""


class _Replay(Exception):
    """The idempotency key already names a draft (seen inside the transaction)."""


@dataclass
class _Tx:
    """One unit of work: audit events and outbox messages are flushed just before commit."""

    session: Session
    now: datetime
    events: list[AuditEvent] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def audit(
        self,
        event: str,
        actor: str,
        draft: Draft | None,
        payload: dict[str, Any],
        *,
        brand_id: str | None = None,
        revision: int | None = None,
        guidelines_sha256: str | None = None,
    ) -> None:
        self.events.append(
            AuditEvent(
                event=event,
                actor=actor,
                brand_id=brand_id or (draft.brand_id if draft else None),
                draft_id=draft.id if draft else None,
                revision=revision
                if revision is not None
                else (draft.current_revision if draft else None),
                guidelines_sha256=guidelines_sha256,
                payload=payload,
            )
        )

    def notify(
        self, kind: str, recipient: str, draft: Draft, payload: dict[str, Any], key: str
    ) -> None:
        self.messages.append(
            {
                "kind": kind,
                "recipient": recipient,
                "payload": payload,
                "dedupe_key": f"{kind}:{key}",
                "draft_id": draft.id,
                "revision": draft.current_revision,
            }
        )


def _result_json(result: CheckResult) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "overridable": result.overridable,
        "findings": [f.to_json() for f in result.findings],
        "values": result.values_json(),
    }


def _stored_result(rev: Revision) -> CheckResult:
    return CheckResult(
        findings=tuple(Finding.from_json(f) for f in rev.check_result.get("findings", [])),
        guidelines_sha256=rev.guidelines_sha256,
    )


def request_sha256(request: dict[str, Any]) -> str:
    """Fingerprint of a request, so a reused idempotency key with other arguments is refused."""
    return hashlib.sha256(canonical_json(request).encode()).hexdigest()


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _required(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidRequest(f"{what} is required")
    return value.strip()


def _unblockable(result: CheckResult) -> str:
    rules = sorted({f.rule for f in result.blocking if not f.overridable})
    return ", ".join(rules)


class WorkflowCore:
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
        # Every revision is indexed; the default check searches it (the `duplicate` rule).
        self.history = DatabaseHistory(db, clock)
        self._check_fn: CheckFn = (
            partial(engine_check, history=self.history) if check is engine_check else check
        )
        self._clock = clock

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _tx(self) -> Iterator[_Tx]:
        with self.db.transaction() as session:
            tx = _Tx(session=session, now=self._clock())
            yield tx
            for message in tx.messages:
                outbox.enqueue(session, now=tx.now, **message)
            session.flush()
            audit_append(session, tx.events)

    # ------------------------------------------------------------------ idempotency

    def _idempotent(
        self, actor: str, key: str | None, request: dict[str, Any], run: Callable[[], DraftView]
    ) -> DraftView:
        """Run `run` once per (actor, key): a repeat returns the first outcome, replayed.

        `run` must call `_claim_key` inside its transaction, so the key and the change commit
        together; a twin that slipped past the first look fails there and is replayed here.
        """
        if not key:
            return run()
        digest = request_sha256(request)
        replay = self._replay(actor, key, digest)
        if replay is not None:
            return replay
        try:
            return run()
        except (_Replay, IntegrityError):
            replay = self._replay(actor, key, digest)
            if replay is None:
                raise
            return replay

    def _claim_key(
        self, tx: _Tx, actor: str, key: str | None, request: dict[str, Any], draft_id: int
    ) -> None:
        if not key:
            return
        if tx.session.get(IdempotencyKey, (actor, key)) is not None:
            raise _Replay
        tx.session.add(
            IdempotencyKey(
                submitter=actor,
                key=key,
                request_sha256=request_sha256(request),
                draft_id=draft_id,
                created_at=tx.now,
            )
        )
        tx.session.flush()  # a concurrent twin fails here (PostgreSQL)

    def _replay(self, actor: str, key: str, digest: str) -> DraftView | None:
        """The draft a used key names, as it is now (with the decision it recorded, if any)."""
        with self.db.reading() as session:
            row = session.get(IdempotencyKey, (actor, key))
            if row is None:
                return None
            if row.request_sha256 != digest:
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used by {actor} for another "
                    f"request (draft {row.draft_id})"
                )
            draft = session.get(Draft, row.draft_id)
            assert draft is not None
            # A decision is written in the same transaction as its key, so with the same time.
            decision = session.scalars(
                select(Decision).where(
                    Decision.draft_id == draft.id,
                    Decision.actor == actor,
                    Decision.created_at == row.created_at,
                )
            ).first()
            recorded = None
            if decision is not None:
                recorded = decision_json(decision, session.get(ReviewStage, decision.stage_id))
            return build_view(session, draft, replayed=True, decision=recorded)

    def _lock(self, tx: _Tx, draft_id: int) -> Draft:
        draft = tx.session.scalars(
            select(Draft)
            .where(Draft.id == draft_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if draft is None:
            raise UnknownDraft(draft_id)
        return draft

    def _peek(self, draft_id: int) -> tuple[Draft, Revision]:
        with self.db.reading() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                raise UnknownDraft(draft_id)
            return draft, self._revision(session, draft)

    @staticmethod
    def _revision(session: Session, draft: Draft, number: int | None = None) -> Revision:
        return session.scalars(
            select(Revision).where(
                Revision.draft_id == draft.id,
                Revision.number == (number or draft.current_revision),
            )
        ).one()

    def _check(
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
            return self._check_fn(g, draft)
        except DraftError as exc:
            raise InvalidRequest(str(exc)) from exc

    def _note_guidelines(self, tx: _Tx, g: Guidelines) -> None:
        """A `guidelines_loaded` entry the first time a version of a brand's file is used."""
        if any(
            e.event == ev.GUIDELINES_LOADED and e.guidelines_sha256 == g.sha256 for e in tx.events
        ):
            return
        seen = tx.session.scalar(
            select(AuditEntry.seq)
            .where(
                AuditEntry.guidelines_sha256 == g.sha256,
                AuditEntry.event == ev.GUIDELINES_LOADED,
                AuditEntry.brand_id == g.brand_id,
            )
            .limit(1)
        )
        if seen is None:  # maybe written by a concurrent transaction but not sealed yet
            seen = tx.session.scalar(
                select(AuditPending.id)
                .where(
                    AuditPending.guidelines_sha256 == g.sha256,
                    AuditPending.event == ev.GUIDELINES_LOADED,
                    AuditPending.brand_id == g.brand_id,
                )
                .limit(1)
            )
        if seen is None:
            tx.audit(
                ev.GUIDELINES_LOADED,
                SYSTEM_ACTOR,
                None,
                {"brand": g.brand, "version": g.version, "file": g.path.name},
                brand_id=g.brand_id,
                guidelines_sha256=g.sha256,
            )

    def _stages(self, session: Session, draft: Draft) -> list[ReviewStage]:
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

    def _decisions(self, session: Session, stage: ReviewStage) -> list[Decision]:
        return list(
            session.scalars(
                select(Decision)
                .where(Decision.stage_id == stage.id)
                .order_by(Decision.created_at, Decision.id)
            ).all()
        )

    def _payload(self, session: Session, draft: Draft, brand_name: str) -> dict[str, Any]:
        return base_payload(
            draft,
            self._revision(session, draft),
            brand_name,
            max_chars=self._max_chars(draft),
        )

    def _max_chars(self, draft: Draft) -> int | None:
        """The brand's character limit for the draft's platform, if its file sets one."""
        try:
            limits = self.guidelines.get(draft.brand_id).platforms.get(draft.platform)
        except Exception:  # like _brand_name: a broken file must not stop notifications
            return None
        return limits.max_chars if limits is not None else None

    def _brand_name(self, draft: Draft) -> str:
        try:
            return self.guidelines.get(draft.brand_id).brand
        except Exception:  # a renamed/removed file must not stop notifications
            return draft.brand_id
