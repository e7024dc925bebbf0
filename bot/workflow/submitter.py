"""What submitters do: submit (idempotently), override a block, revise, withdraw, publish."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.audit import events as ev
from bot.guidelines.model import KINDS, PLATFORMS
from bot.workflow.core import (
    _RETRIES,
    REVISABLE,
    WITHDRAWABLE,
    _Replay,
    _required,
    _Retry,
    _stored_result,
    _unblockable,
    request_sha256,
)
from bot.workflow.errors import (
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    NotOverridable,
)
from bot.workflow.messages import diff_payload
from bot.workflow.steps import WorkflowSteps
from bot.workflow.views import DraftView, build_view
from models import (
    Draft,
    IdempotencyKey,
)
from models import drafts as st


class SubmitterActions(WorkflowSteps):
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
        request_hash = request_sha256(
            {
                "brand": brand,
                "platform": platform,
                "kind": kind,
                "sponsored": sponsored,
                "context": context,
                "notes": notes,
                "text": text,
            }
        )
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

    # ------------------------------------------------------------------ submitter actions

    def _own(self, draft: Draft, actor: str, action: str) -> None:
        if actor != draft.submitter:
            raise NotAllowed(
                f"only the submitter ({draft.submitter}) may {action} draft {draft.id}"
            )

    def override(
        self, draft_id: int, *, actor: str, reason: str, idempotency_key: str | None = None
    ) -> DraftView:
        """Send a blocked draft to its approvers anyway, with a written reason.

        With `idempotency_key`, a repeat returns the draft as it is now (`replayed=True`).
        """
        reason = _required(reason, "an override reason")
        request = {"action": "override", "draft": draft_id, "reason": reason}
        return self._idempotent(
            actor,
            idempotency_key,
            request,
            lambda: self._override(draft_id, actor, reason, idempotency_key, request),
        )

    def _override(
        self,
        draft_id: int,
        actor: str,
        reason: str,
        key: str | None,
        request: dict[str, Any],
    ) -> DraftView:
        with self._tx() as tx:
            draft = self._lock(tx, draft_id)
            self._claim_key(tx, actor, key, request, draft.id)  # first: see decide
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
        idempotency_key: str | None = None,
    ) -> DraftView:
        """A new revision by the submitter: re-checked, then blocked or routed afresh.

        With `idempotency_key`, a repeat (a retried Slack delivery, even after a restart) adds
        no second revision and returns the draft as it is now (`replayed=True`).
        """
        request = {
            "action": "revise",
            "draft": draft_id,
            "text": text,
            "notes": notes,
            "override_reason": override_reason,
        }
        return self._idempotent(
            actor,
            idempotency_key,
            request,
            lambda: self._revise(
                draft_id, actor, text, notes, override_reason, idempotency_key, request
            ),
        )

    def _revise(
        self,
        draft_id: int,
        actor: str,
        text: str,
        notes: str | None,
        override_reason: str | None,
        key: str | None,
        request: dict[str, Any],
    ) -> DraftView:
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
                    self._claim_key(tx, actor, key, request, draft.id)  # first: see decide
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
