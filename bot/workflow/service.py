"""The workflow core: submit, override, revise, withdraw, decide, delegate, publish.

Slack-free: adapters (Slack app, CLI) call these methods and render the returned `DraftView`s and
the queued outbox messages. Each method that changes a draft runs ONE transaction holding the
state change, its audit entries (appended last, so the chain's head lock is held briefly) and its
outbox messages. The draft row is locked first (`SELECT ... FOR UPDATE` on PostgreSQL, the write
lock taken by BEGIN IMMEDIATE on SQLite), so two people acting on one draft are serialised and the
second one sees what the first did.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit import events as ev
from bot.audit.chain import canonical_json
from bot.audit.events import AuditEvent
from bot.audit.log import append as audit_append
from bot.engine.findings import CheckResult, Finding
from bot.engine.findings import Draft as EngineDraft
from bot.engine.history import HistoryIndex
from bot.guidelines.model import KINDS, PLATFORMS, Guidelines
from bot.routing import matching_stages, plan_route
from bot.workflow import outbox
from bot.workflow.errors import (
    AlreadyDecided,
    Blocked,
    IdempotencyConflict,
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    NotOverridable,
    UnknownDraft,
)
from bot.workflow.history import DatabaseHistory, record_revision
from bot.workflow.messages import base_payload, diff_payload
from bot.workflow.views import DraftView, build_view, decision_json
from models import (
    AuditEntry,
    Decision,
    Draft,
    IdempotencyKey,
    OutboxMessage,
    ReviewStage,
    Revision,
    StageApprover,
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


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _required(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidRequest(f"{what} is required")
    return value.strip()


def _unblockable(result: CheckResult) -> str:
    rules = sorted({f.rule for f in result.blocking if not f.overridable})
    return ", ".join(rules)


class WorkflowService:
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
        return base_payload(draft, self._revision(session, draft), brand_name)

    def _brand_name(self, draft: Draft) -> str:
        try:
            return self.guidelines.get(draft.brand_id).brand
        except Exception:  # a renamed/removed file must not stop notifications
            return draft.brand_id

    # ------------------------------------------------------------------ routing

    def _add_revision(
        self,
        tx: _Tx,
        draft: Draft,
        *,
        text: str,
        author: str,
        origin_event: str,
        result: CheckResult,
    ) -> Revision:
        rev = Revision(
            draft_id=draft.id,
            number=draft.current_revision,
            text=text,
            text_sha256=_text_sha256(text),
            author=author,
            origin_event=origin_event,
            check_result=_result_json(result),
            verdict=result.verdict,
            guidelines_sha256=result.guidelines_sha256,
            created_at=tx.now,
        )
        tx.session.add(rev)
        tx.session.flush()
        record_revision(
            tx.session,
            brand_id=draft.brand_id,
            draft_id=draft.id,
            revision_id=rev.id,
            text=text,
            created_at=tx.now,
        )
        return rev

    def _audit_checked(self, tx: _Tx, draft: Draft, rev: Revision, result: CheckResult) -> None:
        tx.audit(
            ev.CHECKED,
            SYSTEM_ACTOR,
            draft,
            {
                "verdict": result.verdict,
                "overridable": result.overridable,
                "findings": [f.to_json() for f in result.findings],
                "values": result.values_json(),
            },
            revision=rev.number,
            guidelines_sha256=result.guidelines_sha256,
        )

    def _after_check(
        self,
        tx: _Tx,
        g: Guidelines,
        draft: Draft,
        rev: Revision,
        result: CheckResult,
        *,
        actor: str,
        override_reason: str | None,
        previous: Revision | None,
    ) -> None:
        """Blocked, or (after an override) routed; then the submitter is told the findings."""
        if result.verdict == "block" and not override_reason:
            draft.state = st.BLOCKED
            draft.current_stage = None
        else:
            overridden = result.verdict == "block"
            if overridden:
                draft.override_reason = override_reason
                tx.audit(
                    ev.OVERRIDDEN,
                    actor,
                    draft,
                    {"reason": override_reason, "rules": sorted({f.rule for f in result.blocking})},
                    guidelines_sha256=g.sha256,
                )
            self._route(tx, g, draft, rev, result, overridden=overridden, previous=previous)
        payload = self._payload(tx.session, draft, g.brand)
        payload.update(
            route=[s.to_json() for s in build_view(tx.session, draft).route],
            problem=draft.route_problem,
            auto_approved_by=draft.auto_approved_by,
            overridable=result.overridable,
        )
        tx.notify(
            outbox.FINDINGS,
            draft.submitter,
            draft,
            payload,
            f"d{draft.id}:r{rev.number}:n{draft.review_round}:{draft.state}",
        )

    def _route(
        self,
        tx: _Tx,
        g: Guidelines,
        draft: Draft,
        rev: Revision,
        result: CheckResult,
        *,
        overridden: bool,
        previous: Revision | None,
    ) -> None:
        # An overridden block always goes to people, whatever the auto-approve policy says.
        rules = replace(g, auto_approve=()) if overridden else g
        engine_draft = EngineDraft(
            text=rev.text,
            platform=draft.platform,
            kind=draft.kind,
            sponsored=draft.sponsored,
            context=draft.context,
            id=str(draft.id),
        )
        plan = plan_route(rules, result, engine_draft, draft.submitter)
        draft.review_round += 1
        draft.current_stage = None
        draft.route_problem = None
        draft.auto_approved_by = None
        if plan.auto_approved_by:
            draft.state = st.APPROVED
            draft.auto_approved_by = plan.auto_approved_by
            tx.audit(
                ev.DECIDED,
                POLICY_ACTOR,
                draft,
                {"decision": rv.APPROVE, "policy": plan.auto_approved_by, "state": draft.state},
                guidelines_sha256=g.sha256,
            )
            payload = self._payload(tx.session, draft, g.brand)
            payload.update(
                outcome=st.APPROVED, decided_by=plan.auto_approved_by, reason=None, by_policy=True
            )
            tx.notify(
                outbox.OUTCOME,
                draft.submitter,
                draft,
                payload,
                f"d{draft.id}:n{draft.review_round}:approved",
            )
            return
        for stage in matching_stages(rules, result, engine_draft):
            members = [m for m in g.approvers.get(stage.group, ()) if m != draft.submitter]
            if not members:
                tx.audit(
                    ev.ESCALATED,
                    SYSTEM_ACTOR,
                    draft,
                    {
                        "group": stage.group,
                        "reason": "no eligible approver in the group",
                        "fallback": [s.group for s in g.routing_default],
                    },
                    guidelines_sha256=g.sha256,
                )
        if plan.problem:
            draft.state = st.SUBMITTED
            draft.route_problem = plan.problem
            tx.audit(
                ev.ROUTED,
                SYSTEM_ACTOR,
                draft,
                {"stages": [], "problem": plan.problem, "state": draft.state},
                guidelines_sha256=g.sha256,
            )
            return
        draft.state = st.IN_REVIEW
        draft.current_stage = 1
        created: list[ReviewStage] = []
        for planned in plan.stages:
            stage = ReviewStage(
                draft_id=draft.id,
                review_round=draft.review_round,
                number=planned.stage,
                group_name=planned.group,
                mode=planned.mode,
                state=rv.PENDING if planned.stage == 1 else rv.WAITING,
                created_at=tx.now,
            )
            stage.approvers = [
                StageApprover(user_id=user, position=i, active=True)
                for i, user in enumerate(planned.approvers)
            ]
            tx.session.add(stage)
            created.append(stage)
        tx.session.flush()
        tx.audit(
            ev.ROUTED,
            SYSTEM_ACTOR,
            draft,
            {"stages": plan.to_json(), "round": draft.review_round, "state": draft.state},
            guidelines_sha256=g.sha256,
        )
        self._request_review(tx, draft, created[0], g.brand, previous=previous)

    def _request_review(
        self,
        tx: _Tx,
        draft: Draft,
        stage: ReviewStage,
        brand_name: str,
        *,
        previous: Revision | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        rev = self._revision(tx.session, draft)
        if previous is None and rev.number > 1:
            previous = self._revision(tx.session, draft, rev.number - 1)
        earlier = []
        for s in self._stages(tx.session, draft):
            if s.number < stage.number:
                earlier.extend(decision_json(d, s) for d in self._decisions(tx.session, s))
        for seat in stage.approvers:
            if not seat.active or (only is not None and seat.user_id not in only):
                continue
            payload = base_payload(draft, rev, brand_name)
            payload.update(
                stage=stage.number,
                group=stage.group_name,
                mode=stage.mode,
                approvers=[a.user_id for a in stage.approvers if a.active],
                override_reason=draft.override_reason,
                diff=diff_payload(previous, rev),
                earlier=earlier,
                delegated_from=seat.delegated_from,
            )
            tx.notify(
                outbox.REVIEW_REQUEST,
                seat.user_id,
                draft,
                payload,
                f"s{stage.id}:r{rev.number}:{seat.user_id}",
            )

    @staticmethod
    def _latest_request(tx: _Tx, draft: Draft, stage: ReviewStage, user: str) -> str | None:
        """Dedupe key of the last review request `user` got for `stage`: the message to update."""
        prefix = f"{outbox.REVIEW_REQUEST}:s{stage.id}:"
        queued = [
            m["dedupe_key"]
            for m in tx.messages
            if m["recipient"] == user and m["dedupe_key"].startswith(prefix)
        ]
        if queued:
            return queued[-1]
        return tx.session.scalar(
            select(OutboxMessage.dedupe_key)
            .where(
                OutboxMessage.draft_id == draft.id,
                OutboxMessage.recipient == user,
                OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )

    def _settle_requests(
        self,
        tx: _Tx,
        draft: Draft,
        stage: ReviewStage,
        *,
        decision: str,
        decided_by: str,
        reason: str | None,
        brand_name: str,
        users: list[str] | None = None,
    ) -> None:
        """Tell the approvers asked in `stage` what happened, so their messages can be updated."""
        payload_base = self._payload(tx.session, draft, brand_name)
        suffix = uuid.uuid4().hex[:10]
        for seat in stage.approvers:
            if users is not None and seat.user_id not in users:
                continue
            if users is None and not seat.active:
                continue
            payload = dict(payload_base)
            payload.update(
                decision=decision,
                decided_by=decided_by,
                reason=reason,
                stage=stage.number,
                stage_state=stage.state,
                replaces=self._latest_request(tx, draft, stage, seat.user_id),
            )
            tx.notify(
                outbox.DECISION_MADE,
                seat.user_id,
                draft,
                payload,
                f"s{stage.id}:{seat.user_id}:{decision}:{suffix}",
            )

    def _close_round(
        self, tx: _Tx, draft: Draft, *, decision: str, actor: str, reason: str | None
    ) -> None:
        """Cancel the open stages of the current round (withdrawn, superseded by a revision)."""
        brand_name = self._brand_name(draft)
        for stage in self._stages(tx.session, draft):
            if stage.state in (rv.PENDING, rv.WAITING):
                was_pending = stage.state == rv.PENDING
                stage.state = rv.CANCELLED
                stage.decided_at = tx.now
                if was_pending:
                    self._settle_requests(
                        tx,
                        draft,
                        stage,
                        decision=decision,
                        decided_by=actor,
                        reason=reason,
                        brand_name=brand_name,
                    )
        draft.current_stage = None

    # ------------------------------------------------------------------ submit

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
    ) -> DraftView:
        """Check a draft, then block it, let the policy approve it, or route it to stage 1.

        With `idempotency_key`, submitting the same request again returns the same draft
        (`replayed=True`); reusing the key for a different request raises IdempotencyConflict.
        """
        submitter = _required(submitter, "the submitter")
        if platform not in PLATFORMS:
            raise InvalidRequest(f"unknown platform {platform!r}; one of: {', '.join(PLATFORMS)}")
        if kind not in KINDS:
            raise InvalidRequest(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
        if override_reason is not None:
            override_reason = _required(override_reason, "an override reason")
        g = self.guidelines.get(brand)
        if not g.may_submit(submitter):
            raise NotAllowed(f"{submitter} may not submit drafts for brand {brand}")
        request_hash = hashlib.sha256(
            canonical_json(
                {
                    "brand": brand,
                    "platform": platform,
                    "kind": kind,
                    "sponsored": sponsored,
                    "context": context,
                    "notes": notes,
                    "text": text,
                }
            ).encode()
        ).hexdigest()
        if idempotency_key:
            replay = self._replay(submitter, idempotency_key, request_hash)
            if replay is not None:
                return replay
        result = self._check(
            g, text, platform=platform, kind=kind, sponsored=sponsored, context=context
        )
        if override_reason and result.verdict == "block" and not result.overridable:
            raise NotOverridable(
                f"the draft has errors that cannot be overridden ({_unblockable(result)})"
            )
        try:
            with self._tx() as tx:
                if idempotency_key and tx.session.get(IdempotencyKey, (submitter, idempotency_key)):
                    raise _Replay
                self._note_guidelines(tx, g)
                draft = Draft(
                    brand_id=brand,
                    platform=platform,
                    kind=kind,
                    sponsored=sponsored,
                    context=context,
                    notes=notes,
                    submitter=submitter,
                    state=st.SUBMITTED,
                    current_revision=1,
                    review_round=0,
                    idempotency_key=idempotency_key,
                    origin=origin,
                    created_at=tx.now,
                    updated_at=tx.now,
                )
                tx.session.add(draft)
                tx.session.flush()
                if idempotency_key:
                    tx.session.add(
                        IdempotencyKey(
                            submitter=submitter,
                            key=idempotency_key,
                            request_sha256=request_hash,
                            draft_id=draft.id,
                            created_at=tx.now,
                        )
                    )
                    tx.session.flush()  # a concurrent twin fails here (PostgreSQL)
                rev = self._add_revision(
                    tx, draft, text=text, author=submitter, origin_event="submitted", result=result
                )
                tx.audit(
                    ev.SUBMITTED,
                    submitter,
                    draft,
                    {
                        "platform": platform,
                        "kind": kind,
                        "sponsored": sponsored,
                        "text": text,
                        "text_sha256": rev.text_sha256,
                        "context": context,
                        "notes": notes,
                        "idempotency_key": idempotency_key,
                    },
                    guidelines_sha256=g.sha256,
                )
                self._audit_checked(tx, draft, rev, result)
                self._after_check(
                    tx,
                    g,
                    draft,
                    rev,
                    result,
                    actor=submitter,
                    override_reason=override_reason,
                    previous=None,
                )
                return build_view(tx.session, draft)
        except (_Replay, IntegrityError):
            if not idempotency_key:
                raise
            replay = self._replay(submitter, idempotency_key, request_hash)
            if replay is None:
                raise
            return replay

    def _replay(self, submitter: str, key: str, request_hash: str) -> DraftView | None:
        with self.db.reading() as session:
            row = session.get(IdempotencyKey, (submitter, key))
            if row is None:
                return None
            if row.request_sha256 != request_hash:
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used by {submitter} for another "
                    f"submission (draft {row.draft_id})"
                )
            draft = session.get(Draft, row.draft_id)
            assert draft is not None
            return build_view(session, draft, replayed=True)

    # ------------------------------------------------------------------ submitter actions

    def _own(self, draft: Draft, actor: str, action: str) -> None:
        if actor != draft.submitter:
            raise NotAllowed(
                f"only the submitter ({draft.submitter}) may {action} draft {draft.id}"
            )

    def override(self, draft_id: int, *, actor: str, reason: str) -> DraftView:
        """Send a blocked draft to its approvers anyway, with a written reason."""
        reason = _required(reason, "an override reason")
        with self._tx() as tx:
            draft = self._lock(tx, draft_id)
            self._own(draft, actor, "override")
            if draft.state != st.BLOCKED:
                raise InvalidTransition(f"draft {draft.id} is {draft.state}, not blocked")
            rev = self._revision(tx.session, draft)
            result = _stored_result(rev)
            if not result.overridable:
                raise NotOverridable(
                    f"draft {draft.id} has errors that cannot be overridden "
                    f"({_unblockable(result)})"
                )
            g = self.guidelines.get(draft.brand_id)
            self._note_guidelines(tx, g)
            draft.updated_at = tx.now
            self._after_check(
                tx, g, draft, rev, result, actor=actor, override_reason=reason, previous=None
            )
            return build_view(tx.session, draft)

    def revise(
        self,
        draft_id: int,
        *,
        actor: str,
        text: str,
        notes: str | None = None,
        override_reason: str | None = None,
    ) -> DraftView:
        """A new revision by the submitter: re-checked, then blocked or routed afresh."""
        for _ in range(_RETRIES):
            draft, base = self._peek(draft_id)
            self._own(draft, actor, "revise")
            if draft.state not in REVISABLE:
                raise InvalidTransition(f"draft {draft.id} is {draft.state} and cannot be revised")
            g = self.guidelines.get(draft.brand_id)
            if not g.may_submit(actor):
                raise NotAllowed(f"{actor} may no longer submit drafts for brand {draft.brand_id}")
            result = self._check(
                g,
                text,
                platform=draft.platform,
                kind=draft.kind,
                sponsored=draft.sponsored,
                context=draft.context,
                draft_id=draft.id,
            )
            if override_reason and result.verdict == "block" and not result.overridable:
                raise NotOverridable(
                    f"the revision has errors that cannot be overridden ({_unblockable(result)})"
                )
            try:
                with self._tx() as tx:
                    draft = self._lock(tx, draft_id)
                    if draft.current_revision != base.number or draft.state not in REVISABLE:
                        raise _Retry
                    previous = self._revision(tx.session, draft)
                    self._close_round(tx, draft, decision="superseded", actor=actor, reason=None)
                    # The old route belongs to the old text; a blocked revision has none.
                    draft.review_round += 1
                    self._note_guidelines(tx, g)
                    draft.current_revision += 1
                    draft.override_reason = None
                    draft.updated_at = tx.now
                    if notes is not None:
                        draft.notes = notes
                    rev = self._add_revision(
                        tx, draft, text=text, author=actor, origin_event="revised", result=result
                    )
                    tx.audit(
                        ev.REVISED,
                        actor,
                        draft,
                        {
                            "text": text,
                            "text_sha256": rev.text_sha256,
                            "previous_revision": previous.number,
                            "diff": diff_payload(previous, rev),
                            "notes": notes,
                        },
                        guidelines_sha256=g.sha256,
                    )
                    self._audit_checked(tx, draft, rev, result)
                    self._after_check(
                        tx,
                        g,
                        draft,
                        rev,
                        result,
                        actor=actor,
                        override_reason=override_reason,
                        previous=previous,
                    )
                    return build_view(tx.session, draft)
            except _Retry:
                continue
        raise InvalidTransition(f"draft {draft_id} kept changing while revising; try again")

    def withdraw(self, draft_id: int, *, actor: str, reason: str | None = None) -> DraftView:
        with self._tx() as tx:
            draft = self._lock(tx, draft_id)
            self._own(draft, actor, "withdraw")
            if draft.state not in WITHDRAWABLE:
                raise InvalidTransition(
                    f"draft {draft.id} is {draft.state} and cannot be withdrawn"
                )
            previous_state = draft.state
            self._close_round(tx, draft, decision="withdrawn", actor=actor, reason=reason)
            draft.state = st.WITHDRAWN
            draft.updated_at = tx.now
            tx.audit(
                ev.WITHDRAWN,
                actor,
                draft,
                {"reason": reason, "previous_state": previous_state, "state": draft.state},
            )
            return build_view(tx.session, draft)

    def mark_published(self, draft_id: int, *, actor: str, url: str) -> DraftView:
        """Record where an approved draft went live."""
        url = _required(url, "the published URL")
        if not url.startswith(("https://", "http://")):
            raise InvalidRequest(f"not an http(s) URL: {url!r}")
        with self._tx() as tx:
            draft = self._lock(tx, draft_id)
            if draft.state == st.PUBLISHED:
                raise InvalidTransition(
                    f"draft {draft.id} was already published at {draft.published_url}"
                )
            if draft.state != st.APPROVED:
                raise InvalidTransition(f"draft {draft.id} is {draft.state}, not approved")
            g = self.guidelines.get(draft.brand_id)
            approvers = {u for members in g.approvers.values() for u in members}
            if actor != draft.submitter and actor not in approvers:
                raise NotAllowed(
                    f"only the submitter or a {draft.brand_id} approver may mark it published"
                )
            draft.state = st.PUBLISHED
            draft.published_url = url
            draft.published_at = tx.now
            draft.updated_at = tx.now
            tx.audit(ev.PUBLISHED, actor, draft, {"url": url, "state": draft.state})
            return build_view(tx.session, draft)

    # ------------------------------------------------------------------ approver actions

    def _seat(
        self, tx: _Tx, draft: Draft, actor: str, expected_revision: int | None
    ) -> ReviewStage:
        """The open stage `actor` may decide now, or the refusal that explains why not."""
        stages = self._stages(tx.session, draft)
        if draft.state != st.IN_REVIEW:
            if draft.state in DECIDED_STATES:
                decisions = [d for s in stages for d in self._decisions(tx.session, s)]
                if decisions:
                    last = max(decisions, key=lambda d: (d.created_at, d.id))
                    raise AlreadyDecided(last.actor, last.created_at, last.decision)
                if draft.auto_approved_by:
                    raise AlreadyDecided(draft.auto_approved_by, draft.updated_at, rv.APPROVE)
            raise InvalidTransition(
                f"draft {draft.id} is {draft.state}: there is nothing to decide"
            )
        pending = next(s for s in stages if s.number == draft.current_stage)
        if actor in [a.user_id for a in pending.approvers if a.active]:
            mine = [d for d in self._decisions(tx.session, pending) if d.actor == actor]
            if mine:
                raise AlreadyDecided(actor, mine[0].created_at, mine[0].decision)
            if expected_revision is not None and expected_revision != draft.current_revision:
                raise InvalidTransition(
                    f"draft {draft.id} is now at revision {draft.current_revision} "
                    f"(you were looking at revision {expected_revision})"
                )
            return pending
        for stage in stages:
            if stage.number < pending.number and actor in [a.user_id for a in stage.approvers]:
                decisions = self._decisions(tx.session, stage)
                if decisions:
                    last = decisions[-1]
                    raise AlreadyDecided(last.actor, last.created_at, last.decision)
        if actor == draft.submitter:
            raise NotAllowed("a submitter never approves their own draft")
        for stage in stages:
            if stage.number > pending.number and actor in [a.user_id for a in stage.approvers]:
                raise NotAllowed(
                    f"{actor} approves at stage {stage.number} ({stage.group_name}), "
                    f"which opens after stage {pending.number} ({pending.group_name})"
                )
        raise NotAllowed(
            f"{actor} is not an assigned approver of draft {draft.id} "
            f"(stage {pending.number}: {pending.group_name})"
        )

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
    ) -> DraftView:
        """Approve, reject (reason), request changes (comment) or edit-and-approve (text).

        Exactly one decision wins a stage in `any` mode; whoever comes second gets
        AlreadyDecided naming the winner. `expected_revision` (e.g. from a Slack button) refuses
        a decision on a text that has since been revised.
        """
        kind = DECISION_ALIASES.get(decision.strip().lower().replace("-", "_"))
        if kind is None:
            raise InvalidRequest(
                f"unknown decision {decision!r}: approve, reject, changes or edit_approve"
            )
        actor = _required(actor, "the approver")
        if kind == rv.REJECT:
            reason = _required(reason, "a reason to reject")
        elif kind == rv.CHANGES:
            reason = _required(reason, "a comment when requesting changes")
        elif kind == rv.EDIT_APPROVE:
            text = _required(text, "the edited text")
        for _ in range(_RETRIES):
            result: CheckResult | None = None
            base_number: int | None = None
            if kind == rv.EDIT_APPROVE:
                assert text is not None
                draft, base = self._peek(draft_id)
                base_number = base.number
                g = self.guidelines.get(draft.brand_id)
                result = self._check(
                    g,
                    text,
                    platform=draft.platform,
                    kind=draft.kind,
                    sponsored=draft.sponsored,
                    context=draft.context,
                    draft_id=draft.id,
                )
            try:
                with self._tx() as tx:
                    draft = self._lock(tx, draft_id)
                    stage = self._seat(tx, draft, actor, expected_revision)
                    if base_number is not None and draft.current_revision != base_number:
                        raise _Retry
                    return self._apply_decision(
                        tx, draft, stage, actor, kind, reason, text, result, override_reason
                    )
            except _Retry:
                continue
        raise InvalidTransition(f"draft {draft_id} kept changing while deciding; try again")

    def approve(self, draft_id: int, *, actor: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.APPROVE, **kw)

    def reject(self, draft_id: int, *, actor: str, reason: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.REJECT, reason=reason, **kw)

    def request_changes(self, draft_id: int, *, actor: str, comment: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.CHANGES, reason=comment, **kw)

    def edit_and_approve(self, draft_id: int, *, actor: str, text: str, **kw: Any) -> DraftView:
        return self.decide(draft_id, actor=actor, decision=rv.EDIT_APPROVE, text=text, **kw)

    def _apply_decision(
        self,
        tx: _Tx,
        draft: Draft,
        stage: ReviewStage,
        actor: str,
        kind: str,
        reason: str | None,
        text: str | None,
        result: CheckResult | None,
        override_reason: str | None,
    ) -> DraftView:
        session = tx.session
        g_name = self._brand_name(draft)
        if kind == rv.EDIT_APPROVE:
            assert text is not None and result is not None
            if result.verdict == "block":
                if not override_reason:
                    raise Blocked(
                        "the edited text has error-level findings; fix them or give an "
                        "override reason",
                        [f.to_json() for f in result.blocking],
                    )
                if not result.overridable:
                    raise NotOverridable(
                        f"the edited text has errors that cannot be overridden "
                        f"({_unblockable(result)})"
                    )
            previous = self._revision(session, draft)
            draft.current_revision += 1
            rev = self._add_revision(
                tx, draft, text=text, author=actor, origin_event="edited", result=result
            )
            tx.audit(
                ev.EDITED,
                actor,
                draft,
                {
                    "text": text,
                    "text_sha256": rev.text_sha256,
                    "previous_revision": previous.number,
                    "diff": diff_payload(previous, rev),
                },
                guidelines_sha256=result.guidelines_sha256,
            )
            self._audit_checked(tx, draft, rev, result)
            if result.verdict == "block":
                draft.override_reason = override_reason
                tx.audit(
                    ev.OVERRIDDEN,
                    actor,
                    draft,
                    {"reason": override_reason, "rules": sorted({f.rule for f in result.blocking})},
                    guidelines_sha256=result.guidelines_sha256,
                )
        record = Decision(
            draft_id=draft.id,
            stage_id=stage.id,
            revision=draft.current_revision,
            actor=actor,
            decision=kind,
            reason=reason,
            created_at=tx.now,
        )
        session.add(record)
        session.flush()
        active = [a.user_id for a in stage.approvers if a.active]
        complete = True
        if kind in (rv.APPROVE, rv.EDIT_APPROVE):
            if stage.mode == "all":
                approved = {
                    d.actor
                    for d in self._decisions(session, stage)
                    if d.decision in (rv.APPROVE, rv.EDIT_APPROVE)
                }
                complete = set(active) <= approved
            new_stage_state = rv.STAGE_APPROVED
        else:
            new_stage_state = rv.STAGE_REJECTED if kind == rv.REJECT else rv.STAGE_CHANGES
        if complete:
            # Conditional on `pending`: a second line of defence behind the draft row lock.
            claimed = session.execute(
                update(ReviewStage)
                .where(ReviewStage.id == stage.id, ReviewStage.state == rv.PENDING)
                .values(state=new_stage_state, decided_at=tx.now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise AlreadyDecided(actor, tx.now)
            session.expire(stage, ["state", "decided_at"])
        draft.updated_at = tx.now
        next_stage: ReviewStage | None = None
        if complete and kind in (rv.APPROVE, rv.EDIT_APPROVE):
            stages = self._stages(session, draft)
            next_stage = next((s for s in stages if s.number == stage.number + 1), None)
            if next_stage is not None:
                next_stage.state = rv.PENDING
                draft.current_stage = next_stage.number
            else:
                draft.state = st.APPROVED
                draft.current_stage = None
        elif complete:
            draft.state = st.REJECTED if kind == rv.REJECT else st.CHANGES_REQUESTED
            draft.current_stage = None
            for later in self._stages(session, draft):
                if later.state == rv.WAITING:
                    later.state = rv.CANCELLED
                    later.decided_at = tx.now
        session.flush()
        tx.audit(
            ev.DECIDED,
            actor,
            draft,
            {
                "decision": kind,
                "reason": reason,
                "stage": stage.number,
                "group": stage.group_name,
                "mode": stage.mode,
                "stage_complete": complete,
                "state": draft.state,
            },
        )
        # Everyone asked in this stage sees the decision (the decider's own message too).
        self._settle_requests(
            tx,
            draft,
            stage,
            decision=kind,
            decided_by=actor,
            reason=reason,
            brand_name=g_name,
        )
        if next_stage is not None:
            self._request_review(tx, draft, next_stage, g_name)
        elif kind == rv.EDIT_APPROVE and not complete:
            # An `all` stage whose text just changed: the members still to decide see the edit.
            decided = {d.actor for d in self._decisions(session, stage)}
            self._request_review(
                tx, draft, stage, g_name, only={u for u in active if u not in decided}
            )
        if draft.state in (st.APPROVED, st.REJECTED, st.CHANGES_REQUESTED):
            payload = self._payload(session, draft, g_name)
            payload.update(outcome=draft.state, decided_by=actor, reason=reason, by_policy=False)
            tx.notify(
                outbox.OUTCOME,
                draft.submitter,
                draft,
                payload,
                f"d{draft.id}:n{draft.review_round}:{draft.state}",
            )
        return build_view(session, draft, decision=decision_json(record, stage))

    def delegate(
        self, draft_id: int, *, actor: str, to: str, reason: str | None = None
    ) -> DraftView:
        """Hand an approver's seat in the open stage to someone else (never the submitter)."""
        to = _required(to, "the delegate")
        with self._tx() as tx:
            draft = self._lock(tx, draft_id)
            stage = self._seat(tx, draft, actor, None)
            if to == draft.submitter:
                raise NotAllowed("a submitter never approves their own draft")
            seats = {a.user_id: a for a in stage.approvers}
            if to in seats and seats[to].active:
                raise InvalidRequest(f"{to} is already an approver of stage {stage.number}")
            seats[actor].active = False
            if to in seats:
                seats[to].active = True
                seats[to].delegated_from = actor
            else:
                position = max(a.position for a in stage.approvers) + 1
                stage.approvers.append(
                    StageApprover(user_id=to, position=position, delegated_from=actor)
                )
            draft.updated_at = tx.now
            tx.session.flush()
            tx.audit(
                ev.DELEGATED,
                actor,
                draft,
                {"stage": stage.number, "group": stage.group_name, "to": to, "reason": reason},
            )
            brand_name = self._brand_name(draft)
            self._settle_requests(
                tx,
                draft,
                stage,
                decision="delegated",
                decided_by=actor,
                reason=reason,
                brand_name=brand_name,
                users=[actor],
            )
            self._request_review(tx, draft, stage, brand_name, only={to})
            return build_view(tx.session, draft)

    # ------------------------------------------------------------------ reading

    def get(self, draft_id: int, *, with_revisions: bool = True) -> DraftView:
        with self.db.reading() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                raise UnknownDraft(draft_id)
            return build_view(session, draft, with_revisions=with_revisions)

    def list(
        self,
        *,
        state: str | None = None,
        brand: str | None = None,
        submitter: str | None = None,
        approver: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Newest first. `approver` keeps drafts waiting on that user's decision."""
        if state is not None and state not in st.STATES:
            raise InvalidRequest(f"unknown state {state!r}; one of: {', '.join(st.STATES)}")
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
            waiting = (
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
            stmt = stmt.where(Draft.state == st.IN_REVIEW, Draft.id.in_(waiting))
        from bot.audit.chain import format_time

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
