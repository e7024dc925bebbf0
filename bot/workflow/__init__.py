"""The workflow core (no Slack): drafts, revisions, routing to approvers, decisions, outbox."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# `preview` is light (no database) and bound eagerly, as the submodule `bot.workflow.preview`
# would otherwise shadow the function of the same name. Every other name is imported from its
# module when first used (PEP 562): `brandgate check` needs only the preview, and the services
# would pull SQLAlchemy and the audit log into its start-up.
from bot.workflow.preview import Preview, preview, preview_many

_MODULES = {
    "AlreadyDecided": "bot.workflow.errors",
    "Blocked": "bot.workflow.errors",
    "IdempotencyConflict": "bot.workflow.errors",
    "InvalidRequest": "bot.workflow.errors",
    "InvalidTransition": "bot.workflow.errors",
    "NotAllowed": "bot.workflow.errors",
    "NotOverridable": "bot.workflow.errors",
    "UnknownDraft": "bot.workflow.errors",
    "WorkflowError": "bot.workflow.errors",
    "offered_actions": "bot.workflow.offers",
    "OutboxItem": "bot.workflow.outbox",
    "claim_due": "bot.workflow.outbox",
    "delivered_result": "bot.workflow.outbox",
    "mark_delivered": "bot.workflow.outbox",
    "mark_delivered_many": "bot.workflow.outbox",
    "mark_failed": "bot.workflow.outbox",
    "pending_count": "bot.workflow.outbox",
    "GuidelineSource": "bot.workflow.service",
    "WorkflowService": "bot.workflow.service",
    "run_timers": "bot.workflow.service",
    "DraftView": "bot.workflow.snapshots",
    "RevisionView": "bot.workflow.snapshots",
    "StageView": "bot.workflow.snapshots",
    "Action": "bot.workflow.states",
    "State": "bot.workflow.states",
}

if TYPE_CHECKING:
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
    from bot.workflow.service import GuidelineSource, WorkflowService, run_timers
    from bot.workflow.snapshots import DraftView, RevisionView, StageView
    from bot.workflow.states import Action, State


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
