"""PostgreSQL: seal pending audit entries in one server-side call.

The function chains a batch exactly as bot/audit/chain.py does (same canonical JSON, byte for
byte: to_json escapes strings like Python's json.dumps with ensure_ascii=False), so sealing
costs one round trip instead of seven. Verification stays in Python, so any divergence would
be caught by `brandgate audit verify` and the test suite. SQLite has no functions: there, the
Python sealer runs (and appends are chained directly anyway).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 07:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The advisory lock key matches bot/audit/log.py (PG_SEAL_LOCK, per schema).
SEAL_FUNCTION = """
CREATE OR REPLACE FUNCTION brandgate_audit_seal(max_rows integer, wait boolean)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    head_seq integer;
    prev text;
    p record;
    material text;
    digest text;
    n integer := 0;
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(1635083380, hashtext(current_schema()));
    ELSIF NOT pg_try_advisory_xact_lock(1635083380, hashtext(current_schema())) THEN
        RETURN -1;
    END IF;
    -- The entries are durable already (their writers committed synchronously); a lost seal
    -- only leaves them pending again. See bot/audit/log.py.
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT seq, hash INTO head_seq, prev FROM audit_head WHERE id = 1 FOR UPDATE;
    FOR p IN
        WITH taken AS (
            DELETE FROM audit_pending
            WHERE id IN (SELECT id FROM audit_pending ORDER BY id LIMIT max_rows)
            RETURNING *
        )
        SELECT * FROM taken ORDER BY id
    LOOP
        head_seq := head_seq + 1;
        material := '{"actor":' || to_json(p.actor)::text
            || ',"brand":' || COALESCE(to_json(p.brand_id)::text, 'null')
            || ',"created_at":"'
            || to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
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
        VALUES (head_seq, p.created_at, p.event, p.actor, p.brand_id, p.draft_id, p.revision,
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
        # Straight to the driver: the body is full of colons that are not bind parameters.
        bind.exec_driver_sql(SEAL_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS brandgate_audit_seal(integer, boolean)")
