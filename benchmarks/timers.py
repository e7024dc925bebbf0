"""Timers benchmark: one `timers run` over 100,000 open drafts with deadlines spread over a week.

    .venv/bin/python benchmarks/timers.py [--drafts 100000] [--due 1000] [--reviews 1000]
        [--pg URL | --no-pg] [--no-sqlite] [--only expiries|reviews] [--profile FILE]

Bulk-inserts the drafts (each with a revision and an expiry timer, due times spread over a
week after T0) into a throw-away SQLite file and PostgreSQL schema (--pg, else
$TEST_DATABASE_URL); then times `run_timers` as of a moment when nothing is due (target
<= 50 ms) and when `--due` expiries are due (target <= 2 s: each a state change with its audit
entry and outbox messages), and prints the query plan of the due-work query. With `--reviews N`
(default 1,000), N drafts submitted through the service into review: one run when all their
reminders are due, one when all their stages escalate (target <= 2 s each). Each figure is
printed with the load average and this process's CPU time (on a loaded machine the wall time
is mostly waiting for a CPU; the CPU time is what the run itself costs, PostgreSQL's excluded).
`--only reviews` skips the 100,000-draft fill and expiry runs (setup takes minutes) and
`--profile FILE` writes a cProfile of the escalation run (read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text

from bot.audit.verify import verify
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService, run_timers
from models import AuditEntry, Draft, OutboxMessage, Revision, Timer
from models.db import Database
from models.testing import scratch_database_url

T0 = datetime(2026, 12, 1, tzinfo=UTC)
WEEK = timedelta(days=7)
BRAND = "brand: Bench\nlanguage: en\napprovers:\n  brand: [UBRAND1]\nrouting:\n  default: [brand]\n"
#: drafts in review with a real stage, one reminder and an escalation to another group: the
#: reminders and escalations a timers run sends DMs for (submitted through the service)
REVIEW_BRAND = (
    "brand: Review\nlanguage: en\n"
    "approvers:\n  brand: [UBRAND1, UBRAND2]\n  legal: [ULEGAL1]\n"
    "routing:\n  default: [brand]\n"
    "sla:\n  default: 4h\n  reminders: 1\n  escalate_to: [legal]\n"
)


def _fill(db: Database, drafts: int, due: int) -> None:
    step = WEEK / drafts
    with db.transaction() as session:
        for start in range(0, drafts, 10_000):
            ids = range(start + 1, min(start + 10_000, drafts) + 1)
            session.execute(
                insert(Draft),
                [
                    dict(
                        id=i,
                        brand_id="bench",
                        platform="x",
                        kind="post",
                        sponsored=False,
                        submitter="UAGENCY1",
                        state="submitted",
                        current_revision=1,
                        review_round=0,
                        created_at=T0,
                        updated_at=T0,
                        publish_at=T0 + timedelta(hours=1) + step * i,
                    )
                    for i in ids
                ],
            )
            session.execute(
                insert(Revision),
                [
                    dict(
                        draft_id=i,
                        number=1,
                        text="Dry on every trail.",
                        text_sha256="0" * 64,
                        author="UAGENCY1",
                        origin_event="submitted",
                        check_result={"findings": []},
                        verdict="pass",
                        guidelines_sha256="0" * 64,
                        created_at=T0,
                    )
                    for i in ids
                ],
            )
            session.execute(
                insert(Timer),
                [
                    dict(
                        draft_id=i,
                        review_round=0,
                        stage=0,
                        kind="expire",
                        n=0,
                        due_at=T0 + timedelta(hours=1) + step * i,
                    )
                    for i in ids
                ],
            )


def _plan(db: Database, now: datetime) -> str:
    query = (
        select(Timer.id)
        .where(Timer.fired_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(200)
    )
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        rows = conn.execute(text(prefix + str(compiled))).all()
    return "\n    ".join(" ".join(str(c) for c in row) for row in rows)


def bench(
    name: str,
    url: str,
    brands: Path,
    drafts: int,
    due: int,
    mixed: int = 0,
    only: str | None = None,
    profile: str | None = None,
) -> None:
    db = Database(url)
    if only == "reviews":  # skip the slow fill: only the review reminders and escalations
        print(f"{name}: reviews only, load {_load()}")
        _bench_reviews(db, brands, mixed, profile)
        db.dispose()
        return
    began = time.perf_counter()
    _fill(db, drafts, due)
    if not db.is_sqlite:  # the drafts were given their ids: move the sequence past them
        with db.transaction() as session:
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('drafts', 'id'), :n)"), {"n": drafts}
            )
    filled = time.perf_counter() - began
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES))
    step = WEEK / drafts
    nothing = T0 + timedelta(minutes=30)
    many = T0 + timedelta(hours=1) + step * due
    run_timers(service, nothing)  # warm-up: connection pool, guideline file
    began = time.perf_counter()
    idle = run_timers(service, nothing)
    idle_ms = (time.perf_counter() - began) * 1000
    began, cpu = time.perf_counter(), time.process_time()
    fired = run_timers(service, many)
    busy_s, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{name}: {drafts:,} open drafts (filled in {filled:.1f} s), load {_load()}")
    print(f"  nothing due: {idle_ms:.1f} ms {idle} (target <= 50 ms)")
    print(f"  {due:,} due:   {busy_s:.2f} s, this process's CPU {cpu:.2f} s {fired}", end=" ")
    print("(target <= 2 s)")
    print(f"  plan:\n    {_plan(db, many)}")
    if mixed and only != "expiries":
        _bench_reviews(db, brands, mixed, profile, bulk_filled=True)
    db.dispose()


def _bench_reviews(
    db: Database,
    brands: Path,
    n: int,
    profile: str | None = None,
    *,
    bulk_filled: bool = False,
) -> None:
    """`n` drafts in review (submitted through the service, each a routed stage with two
    approvers): one timers run when all their reminders are due, one when all escalate.
    `bulk_filled`: the database also holds the bulk-inserted drafts, which have no audit
    entries, so verifying the chain against the tables would only report them."""
    moment = [T0 - timedelta(days=30)]  # before every bulk-filled timer
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES), clock=lambda: moment[0])
    began = time.perf_counter()
    for i in range(n):
        service.submit(submitter="UAGENCY1", brand="review", platform="x", text=f"Trail news {i}.")
    submitted = time.perf_counter() - began
    before = _marks(db)
    for label, after in (
        ("reminders", timedelta(hours=2, minutes=1)),
        ("escalations", timedelta(hours=4, minutes=1)),
    ):
        moment[0] = T0 - timedelta(days=30) + after
        profiler = cProfile.Profile() if profile and label == "escalations" else None
        began, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        fired = run_timers(service, moment[0])
        if profiler is not None:
            profiler.disable()
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        if profiler is not None and profile:
            profiler.dump_stats(profile)
        print(
            f"  {n:,} {label} due: {took:.2f} s, this process's CPU {cpu:.2f} s {fired} "
            f"(target <= 2 s; {n:,} submitted in {submitted:.1f} s; load {_load()})"
        )
    chain = (
        "not checked (the bulk-filled drafts have no audit entries: see --only reviews)"
        if bulk_filled
        else verify(db)
    )
    print(f"  written by the runs: {_digest(db, before)}; audit chain: {chain}")


def _marks(db: Database) -> tuple[int, int]:
    """The last outbox id and audit seq: what the timer runs write comes after."""
    with db.engine.connect() as conn:
        outbox = conn.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
        audit = conn.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0)))
    return int(outbox or 0), int(audit or 0)


def _digest(db: Database, before: tuple[int, int]) -> str:
    """A fingerprint of the messages and audit entries the runs wrote, in order, leaving out
    what depends on the wall clock (the entries' timestamps and so their hashes): the runs
    use a fixed clock, so two versions of the code that write the same thing print the same
    fingerprint (compare before and after a change)."""
    with db.engine.connect() as conn:
        messages = conn.execute(
            select(
                OutboxMessage.kind,
                OutboxMessage.recipient,
                OutboxMessage.draft_id,
                OutboxMessage.revision,
                OutboxMessage.team_id,
                OutboxMessage.dedupe_key,
                OutboxMessage.payload,
            )
            .where(OutboxMessage.id > before[0])
            .order_by(OutboxMessage.id)
        ).all()
        entries = conn.execute(
            select(
                AuditEntry.event,
                AuditEntry.actor,
                AuditEntry.brand_id,
                AuditEntry.draft_id,
                AuditEntry.revision,
                AuditEntry.guidelines_sha256,
                AuditEntry.payload,
            )
            .where(AuditEntry.seq > before[1])
            .order_by(AuditEntry.seq)
        ).all()
    rows = [list(m) for m in messages] + [[*e[:-1], json.loads(e[-1])] for e in entries]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]
    return f"{len(messages):,} messages and {len(entries):,} audit entries, sha256 {digest}"


def _load() -> str:
    """The 1, 5 and 15 minute load averages (as `uptime`): the conditions of each figure."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--reviews",
        type=int,
        default=1_000,
        help="drafts in review whose reminders, then escalations, are timed (0: skip)",
    )
    parser.add_argument(
        "--only", choices=("expiries", "reviews"), help="measure one kind of run, not both"
    )
    parser.add_argument("--profile", help="write a cProfile of the escalation run to this file")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        brands = Path(tmp) / "brands"
        brands.mkdir()
        (brands / "bench.yml").write_text(BRAND, encoding="utf-8")
        (brands / "review.yml").write_text(REVIEW_BRAND, encoding="utf-8")
        if not args.no_sqlite:
            with scratch_database_url(None, Path(tmp)) as url:
                bench(
                    "SQLite",
                    url,
                    brands,
                    args.drafts,
                    args.due,
                    args.reviews,
                    args.only,
                    args.profile,
                )
        if args.pg and not args.no_pg:
            with scratch_database_url(args.pg, Path(tmp)) as url:
                bench(
                    "PostgreSQL",
                    url,
                    brands,
                    args.drafts,
                    args.due,
                    args.reviews,
                    args.only,
                    args.profile,
                )


if __name__ == "__main__":
    main()
