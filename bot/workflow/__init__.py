"""The workflow core (no Slack): drafts, revisions, routing to approvers, decisions, outbox."""

from bot.workflow.errors import (
    AlreadyDecided,
    Blocked,
    IdempotencyConflict,
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    NotOverridable,
    UnknownDraft,
    WorkflowError,
)
from bot.workflow.offers import offered_actions
from bot.workflow.outbox import (
    OutboxItem,
    claim_due,
    delivered_result,
    mark_delivered,
    mark_delivered_many,
    mark_failed,
    pending_count,
)
from bot.workflow.preview import Preview, preview, preview_many
from bot.workflow.service import GuidelineSource, WorkflowService, run_timers
from bot.workflow.snapshots import DraftView, RevisionView, StageView
from bot.workflow.states import Action, State

__all__ = [
    "Action",
    "AlreadyDecided",
    "Blocked",
    "DraftView",
    "GuidelineSource",
    "IdempotencyConflict",
    "InvalidRequest",
    "InvalidTransition",
    "NotAllowed",
    "NotOverridable",
    "OutboxItem",
    "Preview",
    "RevisionView",
    "StageView",
    "State",
    "UnknownDraft",
    "WorkflowError",
    "WorkflowService",
    "claim_due",
    "delivered_result",
    "mark_delivered",
    "mark_delivered_many",
    "mark_failed",
    "offered_actions",
    "pending_count",
    "preview",
    "preview_many",
    "run_timers",
]
