"""The tamper-evident audit log: a SHA-256 hash chain, appended in the workflow's transactions."""

from bot.audit.events import EVENTS, AuditEvent
from bot.audit.export import export, iter_entries, parse_bound
from bot.audit.log import AuditError, append, head, seal
from bot.audit.query import MatchResult, draft_history, match_chain, match_text
from bot.audit.verify import VerifyResult, verify

__all__ = [
    "EVENTS",
    "AuditError",
    "AuditEvent",
    "MatchResult",
    "VerifyResult",
    "append",
    "draft_history",
    "export",
    "head",
    "iter_entries",
    "match_chain",
    "match_text",
    "parse_bound",
    "seal",
    "verify",
]
