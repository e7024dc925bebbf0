"""Audit log benchmark: appends/s (1 and 8 writer processes), verify speed, export memory.

    .venv/bin/python benchmarks/audit_append.py [--appends 400] [--entries 100000]
                                                [--pg URL | --no-pg] [--json FILE]

Runs on SQLite (a temporary file) and on PostgreSQL (--pg, else $TEST_DATABASE_URL, else a
postgresql $DATABASE_URL), each in a throw-away database/schema. Every append is its own
transaction, like a workflow action; the chain is verified after each run. Targets (issues 3
and 15): >= 1,000 appends/s with 8 writers on PostgreSQL (the bare INSERT+COMMIT rate beside it
says what the machine allows at the time), verify >= 50,000 entries/s, export of 100,000
entries within 50 MB over the baseline RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.audit import AuditEvent, append, export, verify
from models.db import Database
from models.testing import scratch_database_url

PAYLOAD = {
    "decision": "approve",
    "reason": "Fits the voice; the claim is backed by our lab test.",
    "stage": 1,
    "group": "brand",
    "mode": "any",
    "state": "approved",
}


def _event(worker: int, i: int) -> AuditEvent:
    return AuditEvent(
        "decided",
        f"UWRITER{worker}",
        "northwind-outdoor",
        draft_id=i,
        revision=1,
        guidelines_sha256="ab" * 32,
        payload={**PAYLOAD, "n": i},
    )


def _writer(
    url: str, worker: int, count: int, barrier: Any, deferred: bool | None, times: Any
) -> None:
    db = Database(url)
    with db.transaction() as session:  # warm the connection up outside the timed part
        session.connection()
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        with db.transaction() as session:
            append(session, [_event(worker, i)], deferred=deferred)
    times.put((started, time.perf_counter(), time.process_time() - cpu))
    db.dispose()


def _run_timed(ctx: Any, procs: list[Any], times: Any) -> tuple[float, float]:
    """Wall time from the first writer's start to the last one's end, and the writers' CPU.

    Each writer stamps its own loop (perf_counter is the system's monotonic clock, the same in
    every process): a spawned interpreter's start and exit (seconds on a loaded machine) are
    not appends, and timing them from the parent counted them as such.
    """
    for p in procs:
        p.start()
    stamps = [times.get() for _ in procs]
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        raise SystemExit("a writer process failed")
    elapsed = max(end for _, end, _ in stamps) - min(start for start, _, _ in stamps)
    return elapsed, sum(cpu for _, _, cpu in stamps)


def bench_appends(
    url: str, writers: int, per_writer: int, deferred: bool | None = None
) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    barrier, times = ctx.Barrier(writers), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, w, per_writer, barrier, deferred, times))
        for w in range(writers)
    ]
    wal = _wal_syncs(url)
    elapsed, cpu = _run_timed(ctx, procs, times)
    wal = _wal_syncs(url) - wal
    db = Database(url)
    result = verify(db)
    db.dispose()
    total = writers * per_writer
    return {
        "writers": writers,
        "appends": total,
        "seconds": round(elapsed, 3),
        "appends_per_s": round(total / elapsed),
        "writer_cpu_ms_per_append": round(cpu / total * 1000, 3),
        "wal_syncs_per_append": None if wal < 0 else round(wal / total, 3),
        "chain": str(result),
        "chain_ok": result.ok,
    }


def _raw_writer(url: str, count: int, barrier: Any, times: Any) -> None:
    db = Database(url)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        conn.commit()
        barrier.wait()
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            conn.exec_driver_sql(f"INSERT INTO bench_raw VALUES ({i})")
            conn.commit()
        times.put((started, time.perf_counter(), time.process_time() - cpu))
    db.dispose()


def _wal_syncs(url: str) -> int:
    """WAL flushes so far (PostgreSQL, whole server: other databases' writes count too)."""
    if not url.startswith("postgresql"):
        return -(10**9)
    db = Database(url, upgrade=False)
    with db.engine.connect() as conn:
        found = int(conn.exec_driver_sql("SELECT wal_sync FROM pg_stat_wal").scalar_one())
    db.dispose()
    return found


def bench_raw_commits(url: str, writers: int, per_writer: int) -> int:
    """Bare one-row INSERT + COMMIT per transaction: what this machine's disk and CPUs allow."""
    db = Database(url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_raw (n INTEGER)")
    ctx = multiprocessing.get_context("spawn")
    barrier, times = ctx.Barrier(writers), ctx.Queue()
    procs = [
        ctx.Process(target=_raw_writer, args=(url, per_writer, barrier, times))
        for _ in range(writers)
    ]
    elapsed, _ = _run_timed(ctx, procs, times)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bench_raw")
    db.dispose()
    return round(writers * per_writer / elapsed)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def fill(db: Database, entries: int, batch: int = 2000) -> None:
    done = 0
    while done < entries:
        n = min(batch, entries - done)
        with db.transaction() as session:
            append(session, [_event(0, done + i) for i in range(n)])
        done += n


def bench_verify(db: Database) -> dict[str, Any]:
    started = time.perf_counter()
    result = verify(db)
    elapsed = time.perf_counter() - started
    return {
        "entries": result.count,
        "seconds": round(elapsed, 3),
        "entries_per_s": round(result.count / elapsed),
        "chain": str(result),
    }


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _export_child(url: str, fmt: str, results: Any) -> None:
    db = Database(url)
    with db.reading() as session:  # connect, load the dialect: part of the baseline
        session.connection()
    baseline = _status_kb("VmRSS")
    try:  # reset the peak so it measures the export alone (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass
    started = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        count = export(db, sink, fmt=fmt)
    elapsed = time.perf_counter() - started
    peak = max(_status_kb("VmHWM"), baseline)
    db.dispose()
    results.put(
        {
            "format": fmt,
            "entries": count,
            "seconds": round(elapsed, 3),
            "baseline_rss_mb": round(baseline / 1024, 1),
            "peak_rss_mb": round(peak / 1024, 1),
            "increase_mb": round((peak - baseline) / 1024, 1),
        }
    )


def bench_export(url: str, fmt: str) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=_export_child, args=(url, fmt, results))
    proc.start()
    report = results.get()
    proc.join()
    return report


def run_backend(name: str, base_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"backend": name, "appends": [], "verify": None, "export": []}
    with tempfile.TemporaryDirectory() as tmp:
        with scratch_database_url(base_url, Path(tmp)) as url:
            Database(url).dispose()  # migrate once
            for writers in (1, 8):
                raw = bench_raw_commits(url, writers, args.appends)
                row = bench_appends(url, writers, args.appends)
                row["raw_commits_per_s"] = raw
                row["loadavg_1m"] = round(os.getloadavg()[0], 2)
                report["appends"].append(row)
                print(
                    f"  {name}: {writers} writer(s): {row['appends_per_s']} appends/s "
                    f"({row['appends']} in {row['seconds']} s) — {row['chain']}; "
                    f"bare INSERT+COMMIT {raw}/s (ratio {row['appends_per_s'] / raw:.2f}); "
                    f"writer CPU {row['writer_cpu_ms_per_append']} ms/append, "
                    f"WAL flushes/append {row['wal_syncs_per_append']} (server-wide); "
                    f"load {row['loadavg_1m']}",
                    flush=True,
                )
        if args.appends_only:
            return report
        with scratch_database_url(base_url, Path(tmp)) as url:
            db = Database(url)
            fill(db, args.entries)
            report["verify"] = bench_verify(db)
            v = report["verify"]
            print(
                f"  {name}: verify {v['entries']} entries: {v['entries_per_s']} entries/s "
                f"({v['seconds']} s) — {v['chain']}",
                flush=True,
            )
            db.dispose()
            for fmt in ("jsonl", "csv"):
                e = bench_export(url, fmt)
                report["export"].append(e)
                print(
                    f"  {name}: export {e['entries']} entries as {fmt}: {e['seconds']} s, "
                    f"RSS +{e['increase_mb']} MB over a {e['baseline_rss_mb']} MB baseline",
                    flush=True,
                )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appends", type=int, default=400, help="appends per writer process")
    parser.add_argument("--entries", type=int, default=100_000, help="log size for verify/export")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL URL (default $TEST_DATABASE_URL)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--appends-only", action="store_true", help="skip the verify and export figures"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    pg = None
    if not args.no_pg:
        pg = args.pg or os.environ.get("TEST_DATABASE_URL")
        if not pg and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
            pg = os.environ["DATABASE_URL"]
    reports = []
    print(f"uptime before: {uptime()}", flush=True)
    if not args.no_sqlite:
        print("SQLite", flush=True)
        reports.append(run_backend("sqlite", None, args))
    if pg:
        print("PostgreSQL", flush=True)
        reports.append(run_backend("postgresql", pg, args))
    else:
        print("PostgreSQL: skipped (pass --pg URL or set TEST_DATABASE_URL)")
    failures = []
    for r in reports:
        if not all(a["chain_ok"] for a in r["appends"]):
            failures.append(f"{r['backend']}: chain broken after concurrent appends")
        if r["verify"] is not None and r["verify"]["entries_per_s"] < 50_000:
            failures.append(f"{r['backend']}: verify below 50,000 entries/s")
        if any(e["increase_mb"] > 50 for e in r["export"]):
            failures.append(f"{r['backend']}: export above 50 MB over baseline")
        if r["backend"] == "postgresql" and r["appends"][-1]["appends_per_s"] < 1000:
            failures.append("postgresql: below 1,000 appends/s with 8 writers")
    print(f"uptime after: {uptime()}")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    for f in failures:
        print(f"TARGET MISSED: {f}")
    print("all targets met" if not failures else f"{len(failures)} target(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
