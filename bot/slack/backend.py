"""The narrow interface the Slack surface needs from the rest of brandgate.

Listeners only ever talk to a `Backend` (and the dispatcher to its `Store`, see dispatcher.py);
the adapters in `bot.slack.workflow_backend` and `bot.slack.outbox_store` implement them over
`bot.workflow` and `models`. Keeping the seam here means no business rule lives in a listener,
and the Slack layer can be read (and tested) without knowing how drafts are stored.

Everything crossing the seam is plain data (dataclasses of str/int/dict), because the same shapes
travel through outbox payloads as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.workflow.states import State

Action = Literal["approve", "reject", "changes", "edit"]


class BackendError(Exception):
    """A refusal the user should read; `str(error)` is safe to show in Slack."""


class NotPermitted(BackendError):
    """The user may not do this (not an assigned approver, own draft, not a submitter...)."""


class AlreadyDecided(BackendError):
    """Someone else decided first; `by` is their Slack user id."""

    def __init__(self, message: str, *, by: str | None = None, action: str | None = None) -> None:
        super().__init__(message)
        self.by = by
        self.action = action


class InvalidInput(BackendError):
    """Bad input; `field` names the form field (a modal block id) it belongs to, when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class BrandChoice:
    id: str
    name: str
    platforms: tuple[str, ...]
    #: the Slack team the brand is limited to (guideline `workspace:`); None: any
    workspace: str | None = None


@dataclass(frozen=True)
class DraftInfo:
    """One revision of a draft as Slack shows it; `findings` have the `brandgate check` shape."""

    id: str
    revision: int
    state: str
    brand_id: str
    platform: str
    text: str
    submitter: str
    kind: str = "post"
    sponsored: bool = False
    brand_name: str = ""
    context: str | None = None
    notes: str | None = None
    verdict: str = "pass"
    findings: tuple[Mapping[str, Any], ...] = ()
    overridable: bool = True
    #: word diff against the previous revision: [{"op": equal|insert|delete, "text"}]
    changes: tuple[Mapping[str, Any], ...] = ()
    changes_from: int | None = None
    override_reason: str | None = None
    route: tuple[Mapping[str, Any], ...] = ()
    pending_approvers: tuple[str, ...] = ()
    decided_by: str | None = None
    decision: str | None = None
    comment: str | None = None
    origin: Mapping[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    #: why nobody was asked (auto-approved by a policy entry, or no eligible approver)
    note: str | None = None
    #: the planned publication, None if not planned
    publish_at: datetime | None = None
    #: how the draft sits with the brand's values: {"<value id>": {"signals", "contradictions"}}
    values: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: the brand's character limit for the platform (None: the platform's published default)
    max_chars: int | None = None
    #: what the user who asked (a `can_*` question, `offered`) may do now: `Action` values
    #: of bot.workflow.states (override, revise, withdraw, decide, delegate, publish)
    offered: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.state == State.BLOCKED

    def offers(self, action: str) -> bool:
        return action in self.offered


@dataclass(frozen=True)
class SubmitRequest:
    submitter: str
    brand_id: str
    platform: str
    text: str
    kind: str = "post"
    sponsored: bool = False
    context: str | None = None
    notes: str | None = None
    #: the planned publication (the form's date and time); None: not planned
    publish_at: datetime | None = None
    #: where the submission happened: {"channel": C, "thread_ts": ts | None, "team": T}
    origin: Mapping[str, Any] = field(default_factory=dict)
    #: derived from what Slack sends (view id, trigger id): a retry maps to the same draft
    idempotency_key: str = ""


@dataclass(frozen=True)
class SubmitResult:
    draft: DraftInfo
    created: bool = True


@dataclass(frozen=True)
class CheckSummary:
    verdict: str
    findings: tuple[Mapping[str, Any], ...]
    route: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class DecisionInfo:
    draft_id: str
    revision: int
    brand_id: str
    actor: str
    action: str
    at: datetime | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AuditStatus:
    ok: bool
    entries: int
    message: str


@dataclass(frozen=True)
class PauseInfo:
    brand_id: str
    by: str
    reason: str
    since: datetime


@dataclass(frozen=True)
class AwayInfo:
    until: datetime
    delegate: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class HomeData:
    my_drafts: tuple[DraftInfo, ...] = ()
    pending: tuple[DraftInfo, ...] = ()
    #: None unless the user is an auditor of some brand
    decisions: tuple[DecisionInfo, ...] | None = None
    audit: AuditStatus | None = None
    #: time (SPEC "Workflow over time"): the deadline of each pending draft's open stage (by
    #: draft id), the paused brands the user works for, their absence, whether they approve
    #: anything (the Away button), and the moment the tab was built ("overdue" is relative)
    deadlines: Mapping[str, datetime] = field(default_factory=dict)
    paused: tuple[PauseInfo, ...] = ()
    away: AwayInfo | None = None
    approver: bool = False
    now: datetime | None = None


class Backend(Protocol):
    def brands_for(self, user: str) -> list[BrandChoice]: ...

    def check(
        self,
        *,
        user: str,
        brand_id: str | None,
        platform: str | None,
        text: str,
        kind: str = "post",
        sponsored: bool = False,
        context: str | None = None,
    ) -> CheckSummary: ...

    def submit(self, request: SubmitRequest) -> SubmitResult: ...

    def override(self, draft_id: str, *, actor: str, reason: str, key: str) -> DraftInfo: ...

    def revise(
        self,
        draft_id: str,
        *,
        actor: str,
        text: str,
        key: str,
        publish_at: datetime | None = None,
    ) -> DraftInfo: ...

    def withdraw(self, draft_id: str, *, actor: str) -> DraftInfo: ...

    def get(self, draft_id: str) -> DraftInfo: ...

    def can_decide(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        """Raise NotPermitted / AlreadyDecided / BackendError unless `actor` may decide this
        revision now (the workflow's own rules, read-only); else the draft."""
        ...

    def can_override(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        """Like `can_decide`, for the submitter's Submit anyway (an overridable block)."""
        ...

    def can_revise(self, draft_id: str, revision: int, *, actor: str) -> DraftInfo:
        """Like `can_decide`, for the submitter's Revise (any state the workflow revises)."""
        ...

    def can_withdraw(self, draft_id: str, *, actor: str) -> DraftInfo: ...

    def can_publish(self, draft_id: str, *, actor: str) -> DraftInfo: ...

    def offered(self, draft_id: str, *, actor: str) -> DraftInfo:
        """The draft with `offered`: what `actor` may do to it now (which buttons to show)."""
        ...

    def decide(
        self,
        draft_id: str,
        revision: int,
        *,
        actor: str,
        action: Action,
        comment: str | None = None,
        edited_text: str | None = None,
        key: str,
    ) -> DraftInfo: ...

    def home(self, user: str, team: str | None = None) -> HomeData: ...

    # -- time: pauses and absences (SPEC "Workflow over time") ------------------------------
    def pause(self, brand_id: str, *, actor: str, reason: str) -> Mapping[str, Any]: ...

    def resume(self, brand_id: str, *, actor: str) -> Mapping[str, Any]: ...

    def away_set(
        self,
        user: str,
        *,
        until: str,
        delegate: str | None,
        reason: str | None,
        team: str | None = None,
    ) -> Mapping[str, Any]:
        """`until`: a date or an ISO-8601 time, as typed (the workflow parses it); `team`: the
        Slack team of `user` (user ids are unique only within one)."""
        ...

    def away_clear(self, user: str, *, team: str | None = None) -> Mapping[str, Any]: ...

    def away_list(self, *, team: str | None = None) -> Sequence[Mapping[str, Any]]: ...

    def away_delegates(self, user: str, *, team: str | None = None) -> list[str]:
        """Who `user` may name as delegate: approvers of their brands (offered in `team`), not
        themselves."""
        ...
