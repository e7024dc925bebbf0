"""SQLAlchemy models and database setup (with Alembic migrations under `models/migrations`).

The names below load lazily (PEP 562): `from models import Draft` (or any of them) imports every
model module, so `Base.metadata` knows every table exactly as before, while `models.db` or
`models.head` alone cost no ORM at all. `brandgate report` opens its database through
`models.db` and runs Core statements: the ORM, the mapped classes and slack_sdk's installation
store were about a third of its start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.audit import GENESIS_HASH, AuditEntry, AuditHead
    from models.away import AwayPeriod
    from models.base import Base, UTCDateTime, as_utc, utcnow
    from models.digest import DigestOptOut, ReportDigest
    from models.drafts import Draft, Revision
    from models.idempotency import IdempotencyKey
    from models.inbox import InboxItem
    from models.instance_secrets import InstanceSecret
    from models.outbox import OutboxMessage
    from models.pauses import BrandPause
    from models.portal import PortalLink
    from models.review import Decision, ReviewStage, StageApprover
    from models.signatures import RevisionSignature, SignatureBand
    from models.slack_installations import slack_bots, slack_installations, slack_oauth_states
    from models.timers import Timer

#: exported name -> the module defining it
_EXPORTS = {
    "GENESIS_HASH": "models.audit",
    "AuditEntry": "models.audit",
    "AuditHead": "models.audit",
    "AwayPeriod": "models.away",
    "Base": "models.base",
    "UTCDateTime": "models.base",
    "as_utc": "models.base",
    "utcnow": "models.base",
    "DigestOptOut": "models.digest",
    "ReportDigest": "models.digest",
    "Draft": "models.drafts",
    "Revision": "models.drafts",
    "IdempotencyKey": "models.idempotency",
    "InboxItem": "models.inbox",
    "InstanceSecret": "models.instance_secrets",
    "OutboxMessage": "models.outbox",
    "BrandPause": "models.pauses",
    "PortalLink": "models.portal",
    "Decision": "models.review",
    "ReviewStage": "models.review",
    "StageApprover": "models.review",
    "RevisionSignature": "models.signatures",
    "SignatureBand": "models.signatures",
    "slack_bots": "models.slack_installations",
    "slack_installations": "models.slack_installations",
    "slack_oauth_states": "models.slack_installations",
    "Timer": "models.timers",
}

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditHead",
    "AwayPeriod",
    "Base",
    "BrandPause",
    "Decision",
    "DigestOptOut",
    "Draft",
    "IdempotencyKey",
    "InboxItem",
    "InstanceSecret",
    "OutboxMessage",
    "PortalLink",
    "ReportDigest",
    "ReviewStage",
    "Revision",
    "RevisionSignature",
    "SignatureBand",
    "StageApprover",
    "Timer",
    "UTCDateTime",
    "as_utc",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "utcnow",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    # Every model module at once: whoever asks for one of them may rely on the whole metadata.
    for export, module in _EXPORTS.items():
        globals()[export] = getattr(importlib.import_module(module), export)
    return globals()[name]
