"""Why the workflow refused to do something. The CLI maps these to exit statuses 1 and 2."""

from __future__ import annotations

from datetime import datetime


class WorkflowError(Exception):
    """Base class of every refusal by the workflow services."""


class NotAllowed(WorkflowError):
    """The actor may not do this (not a submitter, not an assigned approver, own draft...)."""


class NotOverridable(NotAllowed):
    """A block that includes an error-level finding marked `overridable: false`."""


class Blocked(WorkflowError):
    """The text has error-level findings (e.g. an edit-and-approve whose edit is blocked)."""

    def __init__(self, message: str, findings: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.findings = findings


class AlreadyDecided(WorkflowError):
    """Someone else decided first; `by` and `at` say who and when."""

    def __init__(self, by: str, at: datetime, decision: str | None = None) -> None:
        self.by = by
        self.at = at
        self.decision = decision
        what = f" ({decision})" if decision else ""
        # imported here: the audit package loads SQLAlchemy, which `brandgate check` does not need
        from bot.audit.chain import format_time

        super().__init__(f"already decided by {by} at {format_time(at)}{what}")


class InvalidTransition(WorkflowError):
    """The draft's state does not allow this action (e.g. revising an approved draft)."""


class UnknownDraft(WorkflowError, LookupError):
    def __init__(self, draft_id: object) -> None:
        super().__init__(f"no draft with id {draft_id}")
        self.draft_id = draft_id


class InvalidRequest(WorkflowError, ValueError):
    """Malformed input (missing reason, unknown platform, empty text): a usage error."""


class IdempotencyConflict(InvalidRequest):
    """The idempotency key was already used by this submitter for a different submission."""
