"""`brandgate report` on a large history: whole processes, with the query plans.

    .venv/bin/python benchmarks/report.py [--pg URL | --no-pg] [--pg-drafts 1000000]
                                          [--sqlite-drafts 100000] [--no-sqlite] [--runs 3]
                                          [--keep DIR] [--against TREE] [--only CASE]
                                          [--no-plans]

On a shared machine absolute times follow the load (printed beside each figure): compare trees
with --against (e.g. main exported by `git archive main | tar x -C TREE`), which alternates the
two trees' processes on the same data and prints the ratio of the medians.

For each database (PostgreSQL: --pg, else $TEST_DATABASE_URL; SQLite: a temporary file), a
scratch database/schema is upgraded to the latest migration and filled directly (COPY on
PostgreSQL, executemany on SQLite; no workflow calls, which would take hours) with synthetic
drafts spread evenly over the last 365 days and 5 brands, with their revisions (stored findings
included), review stages, decisions and audit entries, in the proportions of a busy agency:
first-pass approvals, changes then a revision, rejections, blocks (some overridden), policy
approvals, withdrawals, pending drafts, a few escalations.

Then `brandgate report --brand brand-0 --format json` runs as a new process (`python -m
bot.cli.main`, start-up included) for the last 30 days and for a year, each also with
`--by week`; the median and best of --runs wall-clock times are printed. The query plans of the
30-day report (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) follow.
Target (issue 13): <= 2 s on PostgreSQL for 30 days of 1,000,000 drafts.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, create_engine, text  # noqa: E402

from bot.reports import resolve_period, sql  # noqa: E402
from models import UTCDateTime  # noqa: E402
from models.db import Database  # noqa: E402
from models.testing import _with_search_path, scratch_database_url  # noqa: E402

BRANDS = 5
BRAND = "brand-0"
DAYS = 365
SUBMITTERS = [f"U0AGENCY{i:02d}" for i in range(20)]
APPROVERS = [f"U0BRAND{i:02d}" for i in range(6)]
PLATFORMS = ("x", "instagram", "linkedin", "facebook")
GUIDELINES = """\
brand: Brand {n}
language: en
version: "bench"
rules:
  - id: no-guarantees
    type: existence
    level: error
    tokens: [guarantee]
  - id: cheap
    type: substitution
    level: warning
    swap: {{cheap: affordable}}
  - id: canned
    type: boilerplate
    level: warning
  - id: ignores-customer
    type: relevance
    level: warning
approvers:
  brand: [U0BRAND00, U0BRAND01]
routing:
  default: [brand]
"""
FINDINGS = {
    "no-guarantees": ("error", "guarantee"),
    "cheap": ("warning", "cheap"),
    "canned": ("warning", "Thanks for reaching out"),
    "ignores-customer": ("warning", "whole reply"),
}
# (outcome, weight): what happens to a draft.
OUTCOMES = (
    ("first_pass", 52),
    ("changes_then_approved", 12),
    ("rejected", 9),
    ("auto", 10),
    ("blocked", 3),
    ("blocked_overridden_approved", 3),
    ("withdrawn", 3),
    ("pending", 6),
    ("edited", 2),
)
TABLES = {
    "drafts": [
        "id",
        "brand_id",
        "platform",
        "kind",
        "sponsored",
        "submitter",
        "state",
        "current_revision",
        "review_round",
        "auto_approved_by",
        "created_at",
        "updated_at",
    ],
    "revisions": [
        "id",
        "draft_id",
        "number",
        "text",
        "text_sha256",
        "author",
        "origin_event",
        "check_result",
        "verdict",
        "guidelines_sha256",
        "created_at",
    ],
    "review_stages": [
        "id",
        "draft_id",
        "review_round",
        "number",
        "group_name",
        "mode",
        "state",
        "created_at",
        "decided_at",
    ],
    "decisions": [
        "id",
        "draft_id",
        "stage_id",
        "revision",
        "actor",
        "decision",
        "reason",
        "created_at",
    ],
    "audit_entries": [
        "seq",
        "created_at",
        "event",
        "actor",
        "brand_id",
        "draft_id",
        "revision",
        "guidelines_sha256",
        "payload",
        "prev_hash",
        "hash",
    ],
}
SHA = "b" * 64


class Ids:
    def __init__(self) -> None:
        self.revision = self.stage = self.decision = self.audit = 0

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


def _result(rng: random.Random, kind: str, clean: bool) -> tuple[str, str]:
    """A stored check result (JSON) and its verdict."""
    findings = []
    if not clean:
        pool = ["cheap", "canned"] + (["ignores-customer"] if kind == "reply" else [])
        for rule in rng.sample(pool, rng.randint(1, len(pool))):
            level, matched = FINDINGS[rule]
            findings.append({"rule": rule, "level": level, "start": 0, "end": 5, "text": matched})
    verdict = "review" if findings else "pass"
    return json.dumps({"verdict": verdict, "findings": findings}), verdict


def _blocked_result() -> str:
    level, matched = FINDINGS["no-guarantees"]
    return json.dumps(
        {
            "verdict": "block",
            "findings": [
                {"rule": "no-guarantees", "level": level, "start": 3, "end": 12, "text": matched}
            ],
        }
    )


def generate(n: int, now: datetime, seed: int = 13) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for n drafts and everything that goes with them."""
    rng = random.Random(seed)
    ids = Ids()
    outcomes = [o for o, _ in OUTCOMES]
    weights = [w for _, w in OUTCOMES]
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400

    def audit(at: datetime, event: str, actor: str, brand: str, draft: int, rev: int) -> None:
        seq = ids.next("audit")
        rows.append(
            (
                "audit_entries",
                (
                    seq,
                    at,
                    event,
                    actor,
                    brand,
                    draft,
                    rev,
                    SHA,
                    "{}",
                    f"{seq - 1:064x}",
                    f"{seq:064x}",
                ),
            )
        )

    for draft_id in range(1, n + 1):
        rows: list[tuple[str, tuple[Any, ...]]] = []
        brand = f"brand-{draft_id % BRANDS}"
        at = start + timedelta(seconds=rng.random() * span)
        kind = "reply" if rng.random() < 0.3 else "post"
        submitter = rng.choice(SUBMITTERS)
        approver = rng.choice(APPROVERS)
        outcome = rng.choices(outcomes, weights)[0]
        clean = rng.random() < 0.6
        t = at
        revisions: list[tuple[datetime, str, str, str]] = []  # (at, json, verdict, author)
        stages: list[tuple[int, datetime, datetime | None, str]] = []  # round, opened, decided
        decisions: list[tuple[int, int, str, datetime]] = []  # stage index, revision, kind, at
        state, auto, rounds = "in_review", None, 0
        audit(t, "submitted", submitter, brand, draft_id, 1)
        if outcome.startswith("blocked"):
            revisions.append((t, _blocked_result(), "block", submitter))
            audit(t, "checked", "brandgate", brand, draft_id, 1)
            state = "blocked"
            if outcome == "blocked_overridden_approved":
                t += timedelta(minutes=rng.randint(5, 120))
                audit(t, "overridden", submitter, brand, draft_id, 1)
                rounds = 1
                stages.append((1, t, None, "pending"))
                audit(t, "routed", "brandgate", brand, draft_id, 1)
                t += timedelta(minutes=rng.expovariate(1 / 90))
                stages[-1] = (1, stages[-1][1], t, "approved")
                decisions.append((0, 1, "approve", t))
                audit(t, "decided", approver, brand, draft_id, 1)
                state = "approved"
        else:
            result, verdict = _result(rng, kind, clean)
            if outcome == "auto":
                result, verdict = json.dumps({"verdict": "pass", "findings": []}), "pass"
            revisions.append((t, result, verdict, submitter))
            audit(t, "checked", "brandgate", brand, draft_id, 1)
            if outcome == "auto":
                state, auto, rounds = "approved", "policy.auto_approve[0]", 1
                audit(t, "decided", "policy", brand, draft_id, 1)
            else:
                rounds = 1
                stages.append((1, t, None, "pending"))
                audit(t, "routed", "brandgate", brand, draft_id, 1)
                wait = timedelta(minutes=rng.expovariate(1 / 120))
                if outcome in ("first_pass", "rejected", "edited", "changes_then_approved"):
                    t += wait
                    kind_of = {
                        "first_pass": "approve",
                        "rejected": "reject",
                        "edited": "edit_approve",
                        "changes_then_approved": "changes",
                    }[outcome]
                    stage_after = {
                        "approve": "approved",
                        "reject": "rejected",
                        "edit_approve": "approved",
                        "changes": "changes_requested",
                    }
                    stages[-1] = (1, stages[-1][1], t, stage_after[kind_of])
                    number = 2 if kind_of == "edit_approve" else 1
                    if kind_of == "edit_approve":
                        revisions.append(
                            (t, json.dumps({"verdict": "pass", "findings": []}), "pass", approver)
                        )
                        audit(t, "edited", approver, brand, draft_id, 2)
                    decisions.append((0, number, kind_of, t))
                    audit(t, "decided", approver, brand, draft_id, number)
                    state = {
                        "approve": "approved",
                        "reject": "rejected",
                        "edit_approve": "approved",
                        "changes": "changes_requested",
                    }[kind_of]
                if outcome == "changes_then_approved":
                    t += timedelta(minutes=rng.randint(10, 600))
                    revisions.append(
                        (t, json.dumps({"verdict": "pass", "findings": []}), "pass", submitter)
                    )
                    audit(t, "revised", submitter, brand, draft_id, 2)
                    audit(t, "checked", "brandgate", brand, draft_id, 2)
                    rounds = 2
                    stages.append((2, t, None, "pending"))
                    audit(t, "routed", "brandgate", brand, draft_id, 2)
                    t += timedelta(minutes=rng.expovariate(1 / 60))
                    stages[-1] = (2, stages[-1][1], t, "approved")
                    decisions.append((1, 2, "approve", t))
                    audit(t, "decided", approver, brand, draft_id, 2)
                    state = "approved"
                elif outcome == "withdrawn":
                    t += wait
                    stages[-1] = (1, stages[-1][1], t, "cancelled")
                    audit(t, "withdrawn", submitter, brand, draft_id, 1)
                    state = "withdrawn"
                elif outcome == "pending" and rng.random() < 0.3:
                    audit(t + timedelta(hours=24), "escalated", "brandgate", brand, draft_id, 1)
        rows.append(
            (
                "drafts",
                (
                    draft_id,
                    brand,
                    rng.choice(PLATFORMS),
                    kind,
                    False,
                    submitter,
                    state,
                    len(revisions),
                    rounds,
                    auto,
                    at,
                    t,
                ),
            )
        )
        for number, (rat, result, verdict, author) in enumerate(revisions, start=1):
            rows.append(
                (
                    "revisions",
                    (
                        ids.next("revision"),
                        draft_id,
                        number,
                        "synthetic draft text",
                        SHA,
                        author,
                        "submitted" if number == 1 else "revised",
                        result,
                        verdict,
                        SHA,
                        rat,
                    ),
                )
            )
        stage_ids = []
        for round_, opened, decided, stage_state in stages:
            stage_id = ids.next("stage")
            stage_ids.append(stage_id)
            rows.append(
                (
                    "review_stages",
                    (stage_id, draft_id, round_, 1, "brand", "any", stage_state, opened, decided),
                )
            )
        for index, number, kind_of, dat in decisions:
            rows.append(
                (
                    "decisions",
                    (
                        ids.next("decision"),
                        draft_id,
                        stage_ids[index],
                        number,
                        approver,
                        kind_of,
                        "because" if kind_of in ("reject", "changes") else None,
                        dat,
                    ),
                )
            )
        # Parents before children (foreign keys): drafts first, then the rest.
        rows.sort(key=lambda r: r[0] != "drafts")
        yield from rows


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def load(db: Database, n: int, now: datetime, tmp: Path) -> float:
    started = time.perf_counter()
    if db.is_sqlite:
        _load_sqlite(db, n, now)
    else:
        _load_pg(db, n, now, tmp)
    vacuum_analyze(db)
    return time.perf_counter() - started


def vacuum_analyze(db: Database) -> None:
    """Statistics, and on PostgreSQL the visibility map, as autovacuum leaves them a while after
    a bulk load: without it no scan can be index-only, however covering the index."""
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _load_sqlite(db: Database, n: int, now: datetime) -> None:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute("BEGIN")
        batches: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}

        def flush(table: str) -> None:
            cols = TABLES[table]
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                batches[table],
            )
            batches[table].clear()

        for table, row in generate(n, now):
            batches[table].append(tuple(_sqlite_value(v) for v in row))
            if len(batches[table]) >= 20000:
                flush(table)
        for table in TABLES:
            flush(table)
        cur.execute("COMMIT")
    finally:
        raw.close()


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (our values hold no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _load_pg(db: Database, n: int, now: datetime, tmp: Path) -> None:
    # One pass of the generator into a COPY file per table, then one COPY per table in
    # foreign-key order.
    stamp = time.perf_counter()
    files = {t: (tmp / f"{t}.copy").open("w", encoding="utf-8") for t in TABLES}
    try:
        for table, row in generate(n, now):
            files[table].write("\t".join(_copy_text(v) for v in row) + "\n")
    finally:
        for handle in files.values():
            handle.close()
    print(f"  generated in {time.perf_counter() - stamp:.0f} s", flush=True)
    raw = db.engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        assert dbapi is not None
        with dbapi.cursor() as cur:
            for table, cols in TABLES.items():
                stamp = time.perf_counter()
                with (
                    cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
                    (tmp / f"{table}.copy").open("rb") as source,
                ):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                (tmp / f"{table}.copy").unlink()
                print(f"  {table}: copied in {time.perf_counter() - stamp:.0f} s", flush=True)
        dbapi.commit()
    finally:
        raw.close()


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one()) for t in TABLES
        }


def run_report(
    url: str, guidelines: Path, args: list[str], tree: Path = ROOT
) -> tuple[float, float, dict[str, Any]]:
    """Wall-clock and CPU (user + system) seconds of one report process of the code in `tree`,
    and its JSON."""
    command = [
        sys.executable,
        "-m",
        "bot.cli.main",
        "report",
        "--brand",
        BRAND,
        "--format",
        "json",
        "--database-url",
        url,
        "--guidelines-dir",
        str(guidelines),
        *args,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=tree, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"report failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, cpu, json.loads(done.stdout)


def explain(db: Database, now: datetime) -> str:
    period = resolve_period(None, None, today=now.date())
    out = io.StringIO()
    dialect = sql.Dialect(db.dialect)
    cohort = sql.cohort(None, True, dialect)
    statements = {
        "counts": sql.counts(cohort),
        "turnaround": sql.turnaround(cohort, dialect),
        "findings": sql.findings(cohort, dialect),
    }
    params: dict[str, Any] = {"since": period.since, "until": period.until, "brand": BRAND}
    lists = {
        "boilerplate": ["canned"],
        "duplicate": ["duplicate"],
        "relevance": ["ignores-customer"],
    }
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with db.engine.connect() as conn, conn.begin():
        if not db.is_sqlite:
            conn.exec_driver_sql("SET LOCAL jit = off")  # as build_report runs them
        for name, statement in statements.items():
            binds = [
                bindparam("since", type_=UTCDateTime()),
                bindparam("until", type_=UTCDateTime()),
            ]
            used = {k: v for k, v in lists.items() if f":{k}" in statement}
            binds += [bindparam(k, expanding=True) for k in used]
            stmt = text(prefix + statement).bindparams(*binds)
            rows = conn.execute(stmt, {**params, **used}).all()
            out.write(f"--- {name}\n")
            for row in rows:
                out.write(("  " + " | ".join(str(c) for c in row[-1:] if c is not None)) + "\n")
    return out.getvalue()


def _load() -> str:
    """The machine's load averages (as `uptime` shows them) when a figure was taken."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


@contextmanager
def _database(base: str | None, tmp: Path, keep: Path | None) -> Iterator[str]:
    """A scratch database, or with --keep one that outlives the run (a SQLite file in KEEP, a
    PostgreSQL schema named after it), so that a second run reuses its million drafts."""
    if keep is None:
        with scratch_database_url(base, tmp) as url:
            yield url
        return
    keep.mkdir(parents=True, exist_ok=True)
    if base is None or base.startswith("sqlite"):
        yield f"sqlite:///{keep / 'report-bench.db'}"
        return
    schema = f"bench_{keep.name.replace('-', '_')}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    yield _with_search_path(base, schema)


def _filled(db: Database) -> bool:
    try:
        with db.engine.connect() as conn:
            return bool(conn.exec_driver_sql("SELECT 1 FROM drafts LIMIT 1").first())
    except Exception:
        return False


def _reuse(db: Database, n: int) -> datetime | None:
    """When the kept database already holds `n` drafts: the moment its history ends."""
    if not _filled(db):
        return None
    with db.engine.connect() as conn:
        count = int(conn.exec_driver_sql("SELECT COUNT(*) FROM drafts").scalar_one())
        if count != n:
            return None
        latest = conn.exec_driver_sql("SELECT MAX(created_at) FROM drafts").scalar_one()
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    return latest.replace(tzinfo=UTC) if latest.tzinfo is None else latest


def bench(
    label: str,
    base: str | None,
    n: int,
    runs: int,
    tmp: Path,
    keep: Path | None = None,
    *,
    against: Path | None = None,
    only: str | None = None,
    plans: bool = True,
) -> None:
    now = datetime.now(UTC)
    guidelines = tmp / "brands"
    guidelines.mkdir(exist_ok=True)
    for i in range(BRANDS):
        (guidelines / f"brand-{i}.yml").write_text(GUIDELINES.format(n=i), encoding="utf-8")
    with _database(base, tmp, keep) as url:
        db = Database(url)
        print(f"\n== {label}: {n:,} drafts", flush=True)
        reused = _reuse(db, n)
        if reused is None:
            seconds = load(db, n, now, tmp)
            print(f"loaded in {seconds:.0f} s", flush=True)
        else:
            now = reused
            print(f"reusing the database filled at {now:%Y-%m-%d %H:%M} UTC", flush=True)
            vacuum_analyze(db)  # cheap when nothing changed; a new migration's indexes included
        sizes = counts(db)
        print(", ".join(f"{t} {c:,}" for t, c in sizes.items()))
        tomorrow = (now + timedelta(days=1)).date().isoformat()
        year = ["--since", (now - timedelta(days=DAYS - 1)).date().isoformat(), "--until", tomorrow]
        cases = {
            "30 days": [],
            "30 days --by week": ["--by", "week"],
            "a year": year,
            "a year --by week": [*year, "--by", "week"],
        }
        trees = {"this tree": ROOT} if against is None else {"this tree": ROOT, "against": against}
        for name, extra in cases.items():
            if only is not None and name != only:
                continue
            times: dict[str, list[float]] = {t: [] for t in trees}
            cpus: dict[str, list[float]] = {t: [] for t in trees}
            data: dict[str, dict[str, Any]] = {}
            for _ in range(runs):
                for tree, where in trees.items():  # alternated: both see the same load
                    elapsed, cpu, data[tree] = run_report(url, guidelines, extra, where)
                    times[tree].append(elapsed)
                    cpus[tree].append(cpu)
            for tree in trees:
                d = data[tree]
                who = f"{tree:<9} " if against is not None else ""
                print(
                    f"{who}report --brand {BRAND} {name:<18} "
                    f"median {statistics.median(times[tree]):5.2f} s, "
                    f"best {min(times[tree]):5.2f} s, "
                    f"client CPU median {statistics.median(cpus[tree]):4.2f} s  "
                    f"[{_load()}]  ({d['drafts']:,} drafts, "
                    f"{len(d['groups'])} groups, first-pass {d['first_pass_approval_rate']}, "
                    f"p50 {d['turnaround_minutes']['p50']} min)",
                    flush=True,
                )
            if against is not None:
                ratio = statistics.median(times["this tree"]) / statistics.median(times["against"])
                same = data["this tree"] == data["against"]
                print(f"  this tree / against: {ratio:.2f} (medians); same JSON: {same}")
        if not plans:
            db.dispose()
            return
        print(f"\nquery plans, 30 days ({label}):")
        print(explain(db, now))
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg", metavar="URL", help="PostgreSQL base URL (default: $TEST_DATABASE_URL)"
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--pg-drafts", type=int, default=1_000_000)
    parser.add_argument("--sqlite-drafts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the filled databases (SQLite file in DIR, PostgreSQL schema bench_<name>) "
        "and reuse them on the next run",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="TREE",
        help="another source tree (e.g. `git archive main | tar x -C TREE`) whose reports run "
        "alternately with this one's on the same data, for a ratio under the same load; its "
        "models must be at the same migration",
    )
    parser.add_argument("--only", metavar="CASE", help='one case, e.g. "30 days"')
    parser.add_argument("--no-plans", action="store_true", help="skip the query plans")
    args = parser.parse_args()
    extra = {"against": args.against, "only": args.only, "plans": not args.no_plans}
    print(
        f"conditions: Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared), {BRANDS} brands over {DAYS} days, brand {BRAND} "
        f"has 1/{BRANDS} of the drafts; each report is a new process (start-up included)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            bench("SQLite", None, args.sqlite_drafts, args.runs, Path(tmp), args.keep, **extra)
        pg = args.pg or os.environ.get("TEST_DATABASE_URL")
        if not args.no_pg:
            if not pg:
                print("\nPostgreSQL skipped: no --pg URL and no $TEST_DATABASE_URL")
            else:
                bench("PostgreSQL", pg, args.pg_drafts, args.runs, Path(tmp), args.keep, **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
