"""`brandgate audit reconcile` of N published posts against M approved drafts, whole process.

    .venv/bin/python benchmarks/reconcile.py [--approved 100000] [--published 10000]
        [--database-url URL]   (default: a fresh SQLite file)  [--profile FILE]

The approved drafts are inserted directly (the workflow's rows, without running checks); the
published file mixes exact copies (70%), whitespace-changed (10%), edited (10%) and unknown
(10%) posts. Prints the wall and CPU time of the `brandgate audit reconcile` process (target
<= 10 s) and the load average: on a shared machine the wall time mostly measures the others.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.engine.near_duplicates import SIGNATURE_VERSION, signature
from models import Draft, Revision, RevisionSignature, SignatureBand, utcnow
from models.db import Database

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "trail",
    "jacket",
    "rain",
    "boots",
    "tested",
    "measured",
    "hills",
    "autumn",
    "week",
    "river",
    "lake",
    "summit",
    "camp",
    "warm",
    "dry",
    "light",
    "pack",
    "tent",
    "stove",
    "map",
    "friends",
    "morning",
    "evening",
    "forest",
    "valley",
    "ridge",
    "storm",
    "snow",
    "sun",
]


def _text(rng: random.Random, i: int) -> str:
    return f"Post {i}: " + " ".join(rng.choice(WORDS) for _ in range(18)) + "."


def _loaded(db: Database) -> int:
    """How many bench drafts a kept database already holds (0: load them)."""
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(Draft.brand_id == "bench")).scalar_one())


def _copy(
    db: Database, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL COPY: millions of band rows in seconds, not the minutes of INSERTs."""
    raw = db.engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        assert dbapi is not None
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with dbapi.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        dbapi.commit()
        # a steady-state server has vacuumed these (index-only scans need the visibility map)
        dbapi.autocommit = True
        dbapi.execute(f"VACUUM ANALYZE {table}")
    finally:
        raw.close()


def _load(db: Database, texts: list[str]) -> None:
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            insert(Draft),
            [
                {
                    "id": i + 1,
                    "brand_id": "bench",
                    "platform": "x",
                    "kind": "post",
                    "sponsored": False,
                    "submitter": "U0AGENCY",
                    "state": "approved",
                    "current_revision": 1,
                }
                for i in range(len(texts))
            ],
        )
        session.execute(
            insert(Revision),
            [
                {
                    "draft_id": i + 1,
                    "number": 1,
                    "text": t,
                    "text_sha256": hashlib.sha256(t.encode()).hexdigest(),
                    "author": "U0AGENCY",
                    "origin_event": "submitted",
                    "check_result": {},
                    "verdict": "pass",
                    "guidelines_sha256": "0" * 64,
                }
                for i, t in enumerate(texts)
            ],
        )
        # what the duplicate check stores for every revision it records (record_revision):
        # the MinHash signature and its LSH band keys
        signatures = [signature(t) for t in texts]
    if db.engine.dialect.name == "postgresql":
        _copy(
            db,
            "revision_signatures",
            ("revision_id", "draft_id", "brand_id", "created_at", "version", "minhash"),
            (
                (i + 1, i + 1, "bench", now, SIGNATURE_VERSION, sig.to_bytes())
                for i, sig in enumerate(signatures)
            ),
        )
        _copy(
            db,
            "signature_bands",
            ("revision_id", "band", "band_key", "brand_id", "created_at"),
            (
                (i + 1, band, key, "bench", now)
                for i, sig in enumerate(signatures)
                for band, key in enumerate(sig.bands)
            ),
        )
        return
    with db.transaction() as session:
        session.execute(
            insert(RevisionSignature),
            [
                {
                    "revision_id": i + 1,
                    "draft_id": i + 1,
                    "brand_id": "bench",
                    "created_at": now,
                    "version": SIGNATURE_VERSION,
                    "minhash": sig.to_bytes(),
                }
                for i, sig in enumerate(signatures)
            ],
        )
        for start in range(0, len(signatures), 5000):
            session.execute(
                insert(SignatureBand),
                [
                    {
                        "revision_id": i + 1,
                        "band": band,
                        "band_key": key,
                        "brand_id": "bench",
                        "created_at": now,
                    }
                    for i in range(start, min(start + 5000, len(signatures)))
                    for band, key in enumerate(signatures[i].bands)
                ],
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--approved", type=int, default=100_000)
    parser.add_argument("--published", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", metavar="FILE", help="run the process under cProfile to FILE")
    args = parser.parse_args()
    rng = random.Random(14)
    tmp = Path(tempfile.mkdtemp(prefix="bench-reconcile-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    guidelines = tmp / "guidelines"
    guidelines.mkdir()
    sys.path.insert(0, str(ROOT))
    from tests.engine.support import EN_GUIDELINES, write_guidelines

    write_guidelines(guidelines, "bench", EN_GUIDELINES)
    db = Database(url)
    texts = [_text(rng, i) for i in range(args.approved)]
    started = time.perf_counter()
    loaded = _loaded(db)
    if loaded and loaded != args.approved:
        print(f"{url} holds {loaded:,} bench drafts, not {args.approved:,}: drop it or pass "
              "--approved")  # fmt: skip
        return 2
    if loaded:
        print(f"reusing {loaded:,} approved drafts already loaded", flush=True)
    else:
        _load(db, texts)
    db.dispose()
    setup = time.perf_counter() - started
    published = tmp / "published.jsonl"
    with open(published, "w", encoding="utf-8") as out:
        for i in range(args.published):
            text = texts[rng.randrange(args.approved)]
            roll = rng.random()
            if roll < 0.1:
                text = "  " + text.replace(" ", "  ", 4)
            elif roll < 0.2:
                words = text.split()
                words[5] = "miracle"
                text = " ".join(words)
            elif roll < 0.3:
                text = _text(rng, args.approved + i)
            out.write(json.dumps({"text": text, "url": f"https://x.com/p/{i}"}) + "\n")
    env = {**os.environ, "DATABASE_URL": url, "BRAND_GUIDELINES_DIR": str(guidelines)}
    profiled = ["-m", "cProfile", "-o", args.profile] if args.profile else []
    brandgate = [sys.executable, *profiled, "-m", "bot.cli.main"]
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    ran = subprocess.run(
        [*brandgate, "audit", "reconcile", "--brand", "bench", str(published)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    statuses: dict[str, int] = {}
    for line in ran.stdout.splitlines():
        status = json.loads(line)["status"]
        statuses[status] = statuses.get(status, 0) + 1
    print(
        f"database: {url.split(':')[0]}; approved drafts: {args.approved:,}; "
        f"published rows: {args.published:,}; setup {setup:.1f} s; cpus {os.cpu_count()}"
    )
    print(
        f"audit reconcile (whole process): {elapsed:.2f} s wall, {cpu:.2f} s CPU (user+sys; "
        f"what a loaded machine does not inflate), exit {ran.returncode}; {statuses}"
    )
    print(f"load average (1, 5, 15 min) after the run: {os.getloadavg()}")
    if ran.returncode not in (0, 1):
        print(ran.stderr[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
