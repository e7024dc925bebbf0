"""The workflow's view of time: a draft's planned publication (`publish_at`) as stored."""

from __future__ import annotations

from datetime import datetime

from bot.guidelines.clock import utc
from bot.workflow.errors import WorkflowError


def planned(publish_at: datetime | None) -> datetime | None:
    """`publish_at` in UTC; a time without a zone is refused, since its zone would be a guess."""
    if publish_at is None:
        return None
    if publish_at.tzinfo is None:
        raise WorkflowError("publish_at needs a time zone, e.g. 2026-12-01T09:00:00+01:00 or ...Z")
    return utc(publish_at)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()
