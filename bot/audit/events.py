"""The events the audit log records (SPEC "Audit log") and the value object to append one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SUBMITTED = "submitted"
CHECKED = "checked"
ROUTED = "routed"
OVERRIDDEN = "overridden"
DECIDED = "decided"
EDITED = "edited"
REVISED = "revised"
WITHDRAWN = "withdrawn"
PUBLISHED = "published"
ESCALATED = "escalated"
DELEGATED = "delegated"
GUIDELINES_LOADED = "guidelines_loaded"
RECONCILED = "reconciled"
REMINDED = "reminded"
EXPIRED = "expired"
PAUSED = "paused"
RESUMED = "resumed"
AWAY = "away"  # an approver away until a date (their seats pass on, logged `delegated`)
BACK = "back"  # back: cleared by them, or their `until` passed (a timers run)
EVENTS = (
    SUBMITTED,
    CHECKED,
    ROUTED,
    OVERRIDDEN,
    DECIDED,
    EDITED,
    REVISED,
    WITHDRAWN,
    PUBLISHED,
    ESCALATED,
    DELEGATED,
    GUIDELINES_LOADED,
    RECONCILED,
    REMINDED,
    EXPIRED,
    PAUSED,
    RESUMED,
    AWAY,
    BACK,
)


@dataclass(frozen=True)
class AuditEvent:
    event: str
    actor: str
    brand_id: str | None = None
    draft_id: int | None = None
    revision: int | None = None
    guidelines_sha256: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
