"""PostgreSQL: sealing gives entries times that never go backwards along the chain.

Each writer stamps its entries when it appends them, but writers commit (and so are sealed) in
any order: under concurrency an entry could be older than the one before it. The seal now stamps
each entry with the later of its own time and its predecessor's, so the chain's order and its
times agree (`audit verify` checks it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:50:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEAL_FUNCTION = """
CREATE OR REPLACE FUNCTION brandgate_audit_seal(max_rows integer, wait boolean, upto integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    head_seq integer;
    prev text;
    p record;
    material text;
    digest text;
    n integer := 0;
    last_at timestamptz;
    stamp timestamptz;
BEGIN
    -- `upto`: the caller's own newest pending id. Once nothing up to it is pending, its entries
    -- are chained: return without queueing for the lock (or right after getting it).
    IF upto IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_pending WHERE id <= upto) THEN
        RETURN 0;
    END IF;
    IF wait THEN
        PERFORM pg_advisory_xact_lock(1635083380, hashtext(current_schema()));
    ELSIF NOT pg_try_advisory_xact_lock(1635083380, hashtext(current_schema())) THEN
        RETURN -1;
    END IF;
    -- The entries are durable already (their writers committed synchronously); a lost seal
    -- only leaves them pending again. See bot/audit/log.py.
    IF upto IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_pending WHERE id <= upto) THEN
        RETURN 0;
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT seq, hash INTO head_seq, prev FROM audit_head WHERE id = 1 FOR UPDATE;
    SELECT created_at INTO last_at FROM audit_entries WHERE seq = head_seq;
    FOR p IN
        WITH taken AS (
            DELETE FROM audit_pending
            WHERE id IN (SELECT id FROM audit_pending ORDER BY id LIMIT max_rows)
            RETURNING *
        )
        SELECT * FROM taken ORDER BY id
    LOOP
        head_seq := head_seq + 1;
        -- Writers stamp entries before they commit, in any order: the chain's time never
        -- goes backwards (an entry is never older than the one it follows).
        stamp := GREATEST(p.created_at, COALESCE(last_at, p.created_at));
        last_at := stamp;
        material := '{"actor":' || to_json(p.actor)::text
            || ',"brand":' || COALESCE(to_json(p.brand_id)::text, 'null')
            || ',"created_at":"'
            || to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
            || ',"draft":' || COALESCE(p.draft_id::text, 'null')
            || ',"event":' || to_json(p.event)::text
            || ',"guidelines_sha256":' || COALESCE(to_json(p.guidelines_sha256)::text, 'null')
            || ',"payload":' || p.payload
            || ',"prev_hash":' || to_json(prev)::text
            || ',"revision":' || COALESCE(p.revision::text, 'null')
            || ',"seq":' || head_seq::text || '}';
        digest := encode(sha256(convert_to(material, 'UTF8')), 'hex');
        INSERT INTO audit_entries (seq, created_at, event, actor, brand_id, draft_id, revision,
                                   guidelines_sha256, payload, prev_hash, hash)
        VALUES (head_seq, stamp, p.event, p.actor, p.brand_id, p.draft_id, p.revision,
                p.guidelines_sha256, p.payload, prev, digest);
        prev := digest;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE audit_head SET seq = head_seq, hash = prev WHERE id = 1;
    END IF;
    RETURN n;
END;
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(SEAL_FUNCTION)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        path = Path(__file__).with_name("0005_audit_seal_upto.py")
        spec = importlib.util.spec_from_file_location("audit_seal_0005", path)
        assert spec is not None and spec.loader is not None
        previous = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(previous)
        bind.exec_driver_sql(previous.SEAL_FUNCTION)
