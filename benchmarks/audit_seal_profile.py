"""Server-side cost of one PostgreSQL seal (issue 15.4): ms per seal and µs per entry by batch.

    .venv/bin/python benchmarks/audit_seal_profile.py --pg URL [--repeats 15]

Why: with 8 writers the seal under its advisory lock is the limit, so what matters is what one
seal costs inside the server, apart from round trips and client CPU. Each sample puts `batch`
rows in audit_pending and times `brandgate_audit_seal(batch, true, NULL)` with EXPLAIN ANALYZE
(the server's own execution time). The fixed part (lock, head row, monotonic-time lookup) shows
at batch 1; the per-entry part (canonical JSON + sha256 in plpgsql, one INSERT per row, index
maintenance) at the large batches. Runs in a throw-away schema; the chain is verified after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.audit import verify
from models.db import Database
from models.testing import scratch_database_url

BATCHES = (1, 8, 64, 512, 2000)
_FILL = (
    "INSERT INTO audit_pending (created_at, event, actor, brand_id, draft_id, revision, "
    "guidelines_sha256, payload) SELECT now(), 'draft.approved', 'U0BENCH', 'acme', i, 1, "
    """NULL, '{"decision":"approve","stage":1}' FROM generate_series(1, %d) AS i"""
)


def seal_ms(db: Database, batch: int) -> float:
    """Server execution time (ms) of one seal of `batch` freshly pending entries."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(_FILL % batch)
    with db.engine.begin() as conn:
        plan = conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) SELECT brandgate_audit_seal({batch}, true, NULL)"
        ).scalar_one()
    found = plan if isinstance(plan, list) else json.loads(plan)
    return float(found[0]["Execution Time"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, help="a PostgreSQL URL (a scratch schema is used)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp, scratch_database_url(args.pg, Path(tmp)) as url:
        db = Database(url)
        try:
            for batch in BATCHES:
                samples = [seal_ms(db, batch) for _ in range(args.repeats)]
                median = statistics.median(samples)
                print(
                    f"  batch {batch:5d}: seal {median:8.2f} ms median "
                    f"(min {min(samples):.2f}), {1000 * median / batch:7.1f} µs/entry",
                    flush=True,
                )
            report = verify(db)
            print(f"  chain after: ok={report.ok} entries={report.count} pending={report.pending}")
        finally:
            db.dispose()
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
