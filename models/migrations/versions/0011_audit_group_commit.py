"""PostgreSQL: group commit. One WAL flush per sealed batch, not one per workflow action.

Before, each action's transaction (its state change and its pending audit entry) waited for its
own flush at COMMIT, and the seal after it committed without waiting. On this class of machine
a flush takes 2-10 ms, so 8 writers could not pass ~300 commits/s, chain or no chain. Now the
writer's transaction commits without waiting for the flush (`SET LOCAL synchronous_commit TO
off`, sent by bot/audit/log.py only when the seal follows in the same round trip) and the seal
commits *with* the session's synchronous_commit (this migration drops 0009's `off`). WAL is
written in order, so the seal's flush also makes every writer's commit before it durable: one
flush covers a whole batch of writers. The writer's round trip returns only after that:

- it sealed its own entries: its seal's commit flushed;
- another writer sealed them: that seal's commit was flushed before it became visible (a
  synchronous commit is flushed before it is marked committed) and before its advisory lock
  was released (the shared waiters wake after it), and it is later in WAL than ours;
- the seal failed (entries left pending, as after a crash): the handler takes a transaction id
  so that this transaction writes a commit record, and its synchronous commit flushes ours.

So a COMMIT that returned is as durable as before. What changes: between the writer's commit
and the flush (the same round trip, a few ms) other sessions can already see its work. If the
server dies in that window the action is lost whole (state and entry together: WAL is replayed
as a prefix, so no seal survives without the writes it chained) and its caller got an error,
never an acknowledgement; a reader that acted on it in that window (e.g. the outbox posting a
message) acted on something the database no longer has. The chain itself is never affected.

Revision ID: 0011_audit
Revises: 0010_reports
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0011_audit"
down_revision: str | None = "0010_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ASYNC_SEAL = "    PERFORM set_config('synchronous_commit', 'off', true);\n"
_ASYNC_NOTE = (
    "    -- The entries are durable already (their writers committed synchronously); a lost seal\n"
    "    -- only leaves them pending again. See bot/audit/log.py.\n"
)
_SYNC_NOTE = (
    "    -- Group commit (migration 0011_audit): the writers committed without waiting for\n"
    "    -- the flush; this seal's synchronous commit flushes their commits and the chain.\n"
)

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
    -- The writer committed without waiting for the flush: take a transaction id so that this
    -- transaction's (synchronous) commit writes a record and flushes the writer's commit.
    PERFORM pg_current_xact_id();
    -- (no format placeholders: the driver would read them as parameters)
    RAISE WARNING USING MESSAGE = 'brandgate: audit entries left pending: ' || SQLERRM;
    RETURN -2;
END;
$$
"""


def _load(name: str) -> ModuleType:
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(f"audit_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _previous() -> ModuleType:
    return _load("0010_speeddb_audit_seal_wait.py")


def seal_function() -> str:
    body: str = _previous().seal_function()
    assert body.count(_ASYNC_SEAL) == 1 and body.count(_ASYNC_NOTE) == 1, (
        "0010_speeddb's seal function changed: update 0011_audit"
    )
    body = body.replace(_ASYNC_NOTE, _SYNC_NOTE).replace(_ASYNC_SEAL, "")
    assert "synchronous_commit" not in body
    return body


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(seal_function())
        bind.exec_driver_sql(AFTER_COMMIT_FUNCTION)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        previous = _previous()
        bind.exec_driver_sql(previous.seal_function())
        bind.exec_driver_sql(previous.AFTER_COMMIT_FUNCTION)
