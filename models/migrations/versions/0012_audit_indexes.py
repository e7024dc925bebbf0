"""audit_entries: two redundant indexes dropped; PostgreSQL's seal checks the caller's entry by key.

- `ix_audit_entries_brand_id` is a prefix of `ix_audit_entries_brand_seq` (brand_id, seq) and
  `ix_audit_entries_draft_id` of `ix_audit_entries_draft_event` (draft_id, event): every query
  that used them (portal filters, reports, reconcile, export, `audit show`) is served by the
  composite one, and each sealed entry paid two index insertions for nothing.
- `brandgate_audit_seal(n, wait, upto)` asked "is anything up to `upto` still pending?" before
  and after the lock and on every wake-up: a scan of `audit_pending`, whose pages are mostly
  dead rows under constant insert/delete (a third of a writer's server time at 8 writers). It
  now looks up the caller's own newest entry by primary key. That answers the same question
  for the caller: a transaction's entries become visible together and a seal takes a prefix of
  the visible ones in id order, so once its newest is gone all of them are chained. A seal that
  runs still chains every pending entry, so entries left by a dead writer are still picked up
  by the next one.

Revision ID: 0012_audit_indexes
Revises: 0012_teamkeys
Create Date: 2026-12-03 07:05:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0012_audit_indexes"
down_revision: str | None = "0012_teamkeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RANGE_CHECK = "NOT EXISTS (SELECT 1 FROM audit_pending WHERE id <= upto)"
_KEY_CHECK = "NOT EXISTS (SELECT 1 FROM audit_pending WHERE id = upto)"
_REDUNDANT = (("ix_audit_entries_brand_id", "brand_id"), ("ix_audit_entries_draft_id", "draft_id"))


def _previous() -> ModuleType:
    path = Path(__file__).with_name("0010_speeddb_audit_seal_wait.py")
    spec = importlib.util.spec_from_file_location("audit_seal_0010_speeddb", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seal_function() -> str:
    body: str = _previous().seal_function()
    assert body.count(_RANGE_CHECK) == 3, "0010_speeddb's seal function changed: update 0012"
    return body.replace(_RANGE_CHECK, _KEY_CHECK)


def upgrade() -> None:
    for name, _column in _REDUNDANT:
        op.drop_index(name, table_name="audit_entries")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(seal_function())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_previous().seal_function())
    for name, column in _REDUNDANT:
        op.create_index(name, "audit_entries", [column])
