"""PostgreSQL: writers waiting for the sealer wait side by side, and seal in their commit's trip.

Before, every writer queued for the sealing lock in turn, only to find (most of the time) that
the sealer before it had chained its entries too: with 8 writers, 7 serial hand-overs per batch,
each waking one backend. Now a writer that finds the lock taken waits on a *shared* hold of it,
which PostgreSQL grants to every such waiter at once when the sealer commits; each then checks
its own entries and returns, and only if they are still pending races (try-lock) to seal the
next batch. The chain is built exactly as before (the 0009 function body, its lock step only).

`brandgate_audit_seal_after_commit(upto)` is what a writer sends in the same round trip as its
COMMIT (bot/audit/log.py): it never raises (the transaction before it is committed, so an error
here must not look like a failed commit); on an error the entries stay pending for the next
seal, as after a crash.

Revision ID: 0010_speeddb
Revises: 0009
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0010_speeddb"
down_revision: str | None = "0010_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SERIAL_WAIT = """    IF wait THEN
        PERFORM pg_advisory_xact_lock(1635083380, hashtext(current_schema()));
    ELSIF"""

_SHARED_WAIT = """    IF wait THEN
        -- The sealer holds the lock exclusively. Waiters take it shared (session level) and
        -- let go at once: all of them are woken together when the sealer commits.
        WHILE NOT pg_try_advisory_xact_lock(1635083380, hashtext(current_schema())) LOOP
            PERFORM pg_advisory_lock_shared(1635083380, hashtext(current_schema()));
            PERFORM pg_advisory_unlock_shared(1635083380, hashtext(current_schema()));
            IF upto IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_pending WHERE id <= upto)
            THEN
                RETURN 0;
            END IF;
        END LOOP;
    ELSIF"""

AFTER_COMMIT_FUNCTION = """
CREATE OR REPLACE FUNCTION brandgate_audit_seal_after_commit(upto integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    total integer := 0;
BEGIN
    LOOP  -- batch after batch while full ones come back, like seal() in log.py
        n := brandgate_audit_seal(2000, true, upto);
        total := total + n;
        EXIT WHEN n < 2000;
    END LOOP;
    RETURN total;
EXCEPTION WHEN OTHERS THEN
    -- (no format placeholders: the driver would read them as parameters)
    RAISE WARNING USING MESSAGE = 'brandgate: audit entries left pending: ' || SQLERRM;
    RETURN -2;
END;
$$
"""


def _previous() -> ModuleType:
    path = Path(__file__).with_name("0009_monotonic_audit_time.py")
    spec = importlib.util.spec_from_file_location("audit_seal_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seal_function() -> str:
    body: str = _previous().SEAL_FUNCTION
    assert body.count(_SERIAL_WAIT) == 1, "0009's seal function changed: update 0010_speeddb"
    return body.replace(_SERIAL_WAIT, _SHARED_WAIT)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(seal_function())
        bind.exec_driver_sql(AFTER_COMMIT_FUNCTION)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS brandgate_audit_seal_after_commit(integer)")
        bind.exec_driver_sql(_previous().SEAL_FUNCTION)
