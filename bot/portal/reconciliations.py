"""The latest `reconciled` audit entry of each brand the viewer audits (the dashboard's panel).

A reconciliation is an audit entry, so only the brand's auditors see it (SPEC "Portal"; the rule
is `Viewer.audit_clause`). One statement for every visible brand, bounded at any log size:
`reconciled` entries belong to no draft, so the (draft_id, event) index reaches exactly the
reconciliations (`draft_id IS NULL AND event = 'reconciled'`, a handful), without walking a
brand's millions of other entries, which the (brand_id, seq) index would do for a brand never
reconciled.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, func, select

from bot.audit.chain import format_time
from bot.portal.access import Viewer
from bot.portal.reading import reading
from models import AuditEntry
from models.db import Database

EVENT = "reconciled"
STATUSES = ("approved", "altered", "unapproved", "unpublished")


def latest_statement(viewer: Viewer) -> Select[Any]:
    """The latest reconciliation of each brand the viewer audits (nothing for anyone else)."""
    latest = (
        select(func.max(AuditEntry.seq).label("seq"))
        .where(
            AuditEntry.draft_id.is_(None),
            AuditEntry.event == EVENT,
            viewer.audit_clause(),
        )
        .group_by(AuditEntry.brand_id)
        .subquery()
    )
    return select(AuditEntry).join(latest, AuditEntry.seq == latest.c.seq)


def latest_reconciliations(db: Database, viewer: Viewer) -> dict[str, dict[str, Any]]:
    """brand -> its latest reconciliation, for the brands the viewer audits that have one."""
    if not viewer.audits:
        return {}
    with reading(db) as session:
        entries = session.scalars(latest_statement(viewer)).all()
    return {e.brand_id: summary(e) for e in entries if e.brand_id is not None}


def summary(e: AuditEntry) -> dict[str, Any]:
    payload = json.loads(e.payload)
    counts = payload.get("counts") or {}
    period = payload.get("period") or {}
    return {
        "seq": e.seq,
        "at": format_time(e.created_at),
        "actor": e.actor,
        "origin": payload.get("origin"),
        "file_sha256": payload.get("file_sha256"),
        "file_name": payload.get("file_name"),
        # every status, zeros included: the payload only lists the statuses that occurred
        "counts": {s: int(counts.get(s, 0)) for s in STATUSES},
        "period": {"since": period.get("since"), "until": period.get("until")},
    }
