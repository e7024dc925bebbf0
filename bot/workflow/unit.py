"""The unit of work every use case runs in: one transaction holding the state change, its audit
entries (see bot/audit/log.py for how they join the chain) and its outbox messages.

The draft row is locked first (`SELECT ... FOR UPDATE` on PostgreSQL, the write lock taken by
BEGIN IMMEDIATE on SQLite), so two people acting on one draft are serialised and the second one
sees what the first did. With an idempotency key (`Once`), the key is claimed in the same
transaction as the change: a repeat, even one racing the first call, returns the first outcome.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit import events as ev
from bot.audit.chain import canonical_json
from bot.audit.events import AuditEvent
from bot.audit.log import append as audit_append
from bot.audit.origin import current_origin
from bot.guidelines.model import Guidelines
from bot.workflow import outbox
from bot.workflow.context import SYSTEM_ACTOR, WorkflowContext, revision_of
from bot.workflow.errors import IdempotencyConflict, InvalidTransition, UnknownDraft
from bot.workflow.offers import offer_key
from bot.workflow.snapshots import (
    DraftFacts,
    DraftView,
    build_view,
    build_views,
    decision_json,
)
from bot.workflow.states import State, can_move, move_refusal
from models import AuditEntry, Decision, Draft, IdempotencyKey, ReviewStage
from models.audit import AuditPending
from models.db import Database

RETRIES = 3


class StaleRead(Exception):
    """The draft changed between the unlocked check and the locked write: start again."""


class Replayed(Exception):
    """The idempotency key already names a draft (seen inside the transaction)."""


def request_sha256(request: dict[str, Any]) -> str:
    """Fingerprint of a request, so a reused idempotency key with other arguments is refused."""
    return hashlib.sha256(canonical_json(request).encode()).hexdigest()


@dataclass(frozen=True)
class Once:
    """An idempotency claim: `actor`'s `key` for this `request` (no key: no claim)."""

    actor: str
    key: str | None
    request: dict[str, Any]

    @property
    def digest(self) -> str:
        return request_sha256(self.request)


@dataclass
class UnitOfWork:
    """One transaction: audit events and outbox messages are written just before commit."""

    session: Session
    now: datetime
    events: list[AuditEvent] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    #: where the action came from (bot/audit/origin.py), in every entry this unit writes
    origin: dict[str, Any] = field(default_factory=current_origin)
    # Lookups a batched unit (a timers run fires hundreds of actions in one) makes per action:
    # kept indexed so that each stays constant time instead of a scan of everything queued.
    _messages_by_draft: dict[int | None, list[dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )
    _noted_guidelines: set[str] = field(default_factory=set, repr=False)
    #: drafts whose revisions, stages and decisions the use case loaded and keeps current (a
    #: timers batch): their views for `offered` are built from these, without a query
    known: dict[int, DraftFacts] = field(default_factory=dict, repr=False)

    def lock(self, draft_id: int, *, once: Once | None = None) -> Draft:
        """The draft row, locked; then the idempotency claim, first of all, so that a twin
        that got here first is a replay, not a refusal (a refusal rolls the claim back)."""
        draft = self.session.scalars(
            select(Draft)
            .where(Draft.id == draft_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if draft is None:
            raise UnknownDraft(draft_id)
        if once is not None:
            self.claim(once, draft.id)
        return draft

    def claim(self, once: Once, draft_id: int) -> None:
        if not once.key:
            return
        if self.session.get(IdempotencyKey, (once.actor, once.key)) is not None:
            raise Replayed
        self.session.add(
            IdempotencyKey(
                submitter=once.actor,
                key=once.key,
                request_sha256=once.digest,
                draft_id=draft_id,
                created_at=self.now,
            )
        )
        self.session.flush()  # a concurrent twin fails here (PostgreSQL)

    def move(self, draft: Draft, target: State) -> None:
        """Change the draft's state, if and only if the state machine allows that move."""
        if not can_move(draft.state, target):
            raise InvalidTransition(move_refusal(draft.state, target, draft.id))
        draft.state = target
        draft.updated_at = self.now

    def audit(
        self,
        event: str,
        actor: str,
        draft: Draft | None,
        payload: dict[str, Any],
        *,
        guidelines_sha256: str,
        brand_id: str | None = None,
        revision: int | None = None,
    ) -> None:
        """Queue an audit entry. Every entry names the guidelines in force (SPEC "Audit log")."""
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
                payload={**payload, "origin": self.origin},
            )
        )

    def notify(
        self, kind: str, recipient: str, draft: Draft, payload: dict[str, Any], key: str
    ) -> None:
        message = {
            "kind": kind,
            "recipient": recipient,
            "payload": payload,
            "dedupe_key": f"{kind}:{key}",
            "draft_id": draft.id,
            "revision": draft.current_revision,
        }
        self.messages.append(message)
        self._messages_by_draft.setdefault(draft.id, []).append(message)

    def messages_of(self, draft_id: int) -> list[dict[str, Any]]:
        """The messages this unit has queued so far for one draft, oldest first."""
        return self._messages_by_draft.get(draft_id, [])

    def note_guidelines(self, g: Guidelines) -> str:
        """A `guidelines_loaded` entry the first time a version of a brand's file is used;
        returns that version's sha256 for the entries that follow."""
        if g.sha256 in self._noted_guidelines:
            return g.sha256
        self._noted_guidelines.add(g.sha256)
        if any(
            e.event == ev.GUIDELINES_LOADED and e.guidelines_sha256 == g.sha256 for e in self.events
        ):
            return g.sha256
        if not self._logged(g):
            self.audit(
                ev.GUIDELINES_LOADED,
                SYSTEM_ACTOR,
                None,
                {"brand": g.brand, "version": g.version, "file": g.path.name},
                brand_id=g.brand_id,
                guidelines_sha256=g.sha256,
            )
        return g.sha256

    def _logged(self, g: Guidelines) -> bool:
        for table in (AuditEntry, AuditPending):  # pending: a concurrent, unsealed write
            seen = self.session.scalar(
                select(table.guidelines_sha256)
                .where(
                    table.guidelines_sha256 == g.sha256,
                    table.event == ev.GUIDELINES_LOADED,
                    table.brand_id == g.brand_id,
                )
                .limit(1)
            )
            if seen is not None:
                return True
        return False

    def sha256_in_force(self, ctx: WorkflowContext, draft: Draft) -> str:
        """The sha256 of the brand's guidelines now; if the file cannot be read, the version
        the current revision was checked with (the last one known to be in force)."""
        g = ctx.in_force(draft)
        if g is not None:
            return self.note_guidelines(g)
        return revision_of(self.session, draft).guidelines_sha256


# What a person may do to a draft, given its final view (see bot/workflow/offers.py).
OffersFn = Callable[[DraftView, str], frozenset[str]]


class Units:
    """Opens units of work over one database and runs use cases in them, idempotently."""

    def __init__(
        self, db: Database, clock: Callable[[], datetime], offers: OffersFn | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.offers = offers

    @contextmanager
    def begin(self) -> Iterator[UnitOfWork]:
        with self.db.transaction() as session:
            uow = UnitOfWork(session=session, now=self.clock())
            yield uow
            session.flush()
            self._add_offers(session, uow.messages, uow.known)
            outbox.enqueue_many(session, uow.messages, now=uow.now)
            session.flush()
            audit_append(session, uow.events)

    def _add_offers(
        self,
        session: Session,
        messages: list[dict[str, Any]],
        known: Mapping[int, DraftFacts] | None = None,
    ) -> None:
        """Each message says what its recipient may do once this unit commits (`offered`), so
        that a message's buttons come from the workflow's rules, not from a copy of them."""
        if self.offers is None:
            return
        wanted = dict.fromkeys(m["draft_id"] for m in messages if m["draft_id"] is not None)
        drafts = [session.get(Draft, draft_id) for draft_id in wanted]  # loaded: no query
        views = build_views(session, [d for d in drafts if d is not None], known)
        # one answer per recipient and draft (an escalation tells one person several things),
        # worked out once per distinct case (a timers run tells a thousand alike drafts)
        offered: dict[tuple[int, str], list[str]] = {}
        cases: dict[tuple[object, ...], list[str]] = {}
        for message in messages:
            draft_id = message["draft_id"]
            if draft_id is None:
                continue  # about a brand, not a draft (a pause): nothing to offer
            recipient = message["recipient"]
            who = (draft_id, recipient)
            if who not in offered:
                view = views[draft_id]
                case = offer_key(view, recipient)
                if case not in cases:
                    cases[case] = sorted(self.offers(view, recipient))
                offered[who] = cases[case]
            message["payload"]["offered"] = list(offered[who])

    def run(self, once: Once | None, body: Callable[[UnitOfWork], DraftView]) -> DraftView:
        """Run `body` in a unit of work, once per (actor, key): a repeat returns the first
        outcome, replayed. `body` claims the key (`lock(..., once=)` or `claim`), so the key and
        the change commit together; a twin that slipped past the first look fails there and is
        replayed here."""
        if once is None or not once.key:
            with self.begin() as uow:
                return body(uow)
        replay = self.replay(once)
        if replay is not None:
            return replay
        try:
            with self.begin() as uow:
                return body(uow)
        except (Replayed, IntegrityError):
            replay = self.replay(once)
            if replay is None:
                raise
            return replay

    def replay(self, once: Once) -> DraftView | None:
        """The draft a used key names, as it is now (with the decision it recorded, if any)."""
        if not once.key:
            return None
        with self.db.reading() as session:
            row = session.get(IdempotencyKey, (once.actor, once.key))
            if row is None:
                return None
            if row.request_sha256 != once.digest:
                raise IdempotencyConflict(
                    f"idempotency key {once.key!r} was already used by {once.actor} for another "
                    f"request (draft {row.draft_id})"
                )
            draft = session.get(Draft, row.draft_id)
            assert draft is not None
            # A decision is written in the same transaction as its key, so with the same time.
            decision = session.scalars(
                select(Decision).where(
                    Decision.draft_id == draft.id,
                    Decision.actor == once.actor,
                    Decision.created_at == row.created_at,
                )
            ).first()
            recorded = None
            if decision is not None:
                recorded = decision_json(decision, session.get(ReviewStage, decision.stage_id))
            return build_view(session, draft, replayed=True, decision=recorded)
