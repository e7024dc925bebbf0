"""SQLAlchemy models and database setup (with Alembic migrations under `models/migrations`)."""

from models.audit import GENESIS_HASH, AuditEntry, AuditHead
from models.away import AwayPeriod
from models.base import Base, UTCDateTime, as_utc, utcnow
from models.digest import DigestOptOut, ReportDigest
from models.drafts import Draft, Revision
from models.idempotency import IdempotencyKey
from models.inbox import InboxItem
from models.outbox import OutboxMessage
from models.pauses import BrandPause
from models.portal import PortalLink
from models.review import Decision, ReviewStage, StageApprover
from models.signatures import RevisionSignature, SignatureBand
from models.slack_installations import slack_bots, slack_installations, slack_oauth_states
from models.timers import Timer

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
