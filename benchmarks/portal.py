"""The portal at 1,000,000 drafts on PostgreSQL: the drafts page under each filter and text
search, a 20-revision draft's timeline, and the audit export's throughput.

    .venv/bin/python benchmarks/portal.py [--pg URL] [--drafts 1000000] [--runs 50]
    .venv/bin/python benchmarks/portal.py --database-url postgresql+psycopg://.../portal_bench

Loading a million drafts takes 10-20 minutes on a shared machine. With --database-url the data
goes into that (existing, empty) database and stays there; a later run against the same URL
finds it loaded and goes straight to the measurements (dates are relative to the load's time).

A scratch schema is upgraded to the latest migration (the portal's indexes included) and filled
with COPY (no workflow calls: they would take hours): drafts over 365 days and 5 brands, their
revisions (texts are real customer-care replies from ../shared/data/twcs_sample.csv when it is
there, else generated, each with a serial token), review stages with their approvers, decisions,
and two audit entries per draft; one draft of brand-0 has 20 revisions. Then the portal is
served over real HTTP by waitress exactly as `serve --http` mounts it, an auditor of brand-0
(a fifth of the drafts) signs in with a link, and every request goes through HTTP with
`Accept: application/json`. Printed: p50/p99 per case (target p99 <= 300 ms), the export's
entries/s and MB/s, and `uptime` before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import http.client
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.audit.chain import format_time  # noqa: E402
from bot.portal import PortalConfig, create_portal, issue_link  # noqa: E402
from bot.slack.endpoint import SlackEndpoint  # noqa: E402
from bot.slack.server import HttpServer  # noqa: E402
from models.db import Database  # noqa: E402
from models.testing import scratch_database_url  # noqa: E402

BRANDS = 5
DAYS = 365
SUBMITTERS = [f"U0AGENCY{i:02d}" for i in range(50)]
SHA = "b" * 64
# ../shared beside the main checkout, or beside the worktrees' folder.
TWCS = (
    next(
        (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()),
        ROOT.parent / "shared",
    )
    / "data"
    / "twcs_sample.csv"
)
AUDITOR = "U0AUDIT0"
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
approvers:
  brand: [U0BRAND{n}A, U0BRAND{n}B, U0BRAND{n}C]
routing:
  default: [brand]
auditors: [U0AUDIT{n}]
"""
TABLES = {
    "drafts": "id brand_id platform kind sponsored submitter state current_revision "
    "review_round created_at updated_at",
    "revisions": "id draft_id number text text_sha256 author origin_event check_result verdict "
    "guidelines_sha256 created_at",
    "review_stages": "id draft_id review_round number group_name mode state created_at",
    "stage_approvers": "stage_id user_id position active",
    "decisions": "id draft_id stage_id revision actor decision reason created_at",
    "audit_entries": "seq created_at event actor brand_id draft_id revision guidelines_sha256 "
    "payload prev_hash hash",
}
STATES = [("approved", 50), ("rejected", 10), ("in_review", 15), ("blocked", 10),
          ("changes_requested", 5), ("published", 10)]  # fmt: skip
PG_ONLY = {
    "ix_revisions_findings": "CREATE INDEX ix_revisions_findings ON revisions USING gin "
    "(((check_result::jsonb) -> 'findings') jsonb_path_ops)",
    "ix_revisions_text_trgm": "CREATE INDEX ix_revisions_text_trgm ON revisions USING gin "
    "(text {schema}.gin_trgm_ops)",
}


def texts() -> list[str]:
    out: list[str] = []
    if TWCS.exists():
        with TWCS.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row.get("text") or "").split())
                if row.get("inbound") == "False" and text:
                    out.append(text.replace("\\", "/"))
    if not out:
        rng = random.Random(1)
        words = [
            "trail",
            "jacket",
            "dry",
            "help",
            "order",
            "refund",
            "store",
            "team",
            "hike",
            "rain",
            "gear",
            "vest",
        ]
        out = [" ".join(rng.choice(words) for _ in range(14)) for _ in range(5000)]
    return out


def _copy(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\t", " ").replace("\n", " ")


def generate(n: int, now: datetime) -> Iterator[tuple[str, tuple[Any, ...]]]:
    rng = random.Random(14)
    corpus = texts()
    states = [s for s, _ in STATES]
    weights = [w for _, w in STATES]
    start = now - timedelta(days=DAYS)
    revision_id = decision_id = seq = 0
    for draft_id in range(1, n + 1):
        brand_n = draft_id % BRANDS
        brand = f"brand-{brand_n}"
        at = start + timedelta(seconds=DAYS * 86400 * draft_id / n)
        submitter = rng.choice(SUBMITTERS)
        state = rng.choices(states, weights)[0]
        revisions = 20 if draft_id == n - 5 else (2 if rng.random() < 0.2 else 1)
        yield (
            "drafts",
            (draft_id, brand, "x", "post", False, submitter, state, revisions, 1, at, at),
        )
        for number in range(1, revisions + 1):
            revision_id += 1
            findings = []
            roll = rng.random()
            if roll < 0.2:
                findings.append({"rule": "no-guarantees", "level": "error", "start": 0, "end": 5})
            elif roll < 0.25:
                findings.append({"rule": "cheap", "level": "warning", "start": 0, "end": 5})
            text = f"{rng.choice(corpus)} ref{draft_id}r{number}"
            digest = hashlib.sha256(text.encode()).hexdigest()
            result = json.dumps({"findings": findings})
            verdict = "block" if roll < 0.2 else "pass"
            rev_at = at + timedelta(minutes=number)
            yield "revisions", (revision_id, draft_id, number, text, digest, submitter,
                                "submitted" if number == 1 else "revised", result, verdict,
                                SHA, rev_at)  # fmt: skip
            seq += 1
            yield "audit_entries", (seq, rev_at, "submitted" if number == 1 else "revised",
                                    submitter, brand, draft_id, number, SHA, "{}", SHA,
                                    f"{seq:064x}")  # fmt: skip
        stage_id = draft_id  # one review stage per draft
        approver = f"U0BRAND{brand_n}{'ABC'[draft_id % 3]}"
        yield "review_stages", (stage_id, draft_id, 1, 1, "brand", "any", "pending", at)
        yield "stage_approvers", (stage_id, approver, 0, True)
        if state in ("approved", "rejected", "published", "changes_requested"):
            decision_id += 1
            kind = {"approved": "approve", "published": "approve", "rejected": "reject"}.get(
                state, "changes"
            )
            yield "decisions", (decision_id, draft_id, stage_id, revisions, approver, kind,
                                "because" if kind != "approve" else None, at)  # fmt: skip
            seq += 1
            yield "audit_entries", (seq, at + timedelta(hours=1), "decided", approver, brand,
                                    draft_id, revisions, SHA, '{"decision":"' + kind + '"}', SHA,
                                    f"{seq:064x}")  # fmt: skip


def load(db: Database, n: int, now: datetime, tmp: Path) -> None:
    stamp = time.perf_counter()
    files = {t: (tmp / f"{t}.copy").open("w", encoding="utf-8") for t in TABLES}
    try:
        for table, row in generate(n, now):
            files[table].write("\t".join(_copy(v) for v in row) + "\n")
    finally:
        for handle in files.values():
            handle.close()
    print(f"  generated in {time.perf_counter() - stamp:.0f} s", flush=True)
    raw = db.engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        assert dbapi is not None
        with dbapi.cursor() as cur:
            schema = cur.execute(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            ).fetchone()
            for name in PG_ONLY:  # built after the data: much faster than row by row
                cur.execute(f"DROP INDEX IF EXISTS {name}")
            for table, cols in TABLES.items():
                stamp = time.perf_counter()
                with (
                    cur.copy(f"COPY {table} ({', '.join(cols.split())}) FROM STDIN") as copy,
                    (tmp / f"{table}.copy").open("rb") as source,
                ):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                (tmp / f"{table}.copy").unlink()
                print(f"  {table}: copied in {time.perf_counter() - stamp:.0f} s", flush=True)
            cur.execute(
                "INSERT INTO audit_head (id, seq, hash) SELECT 1, max(seq), max(hash) "
                "FROM audit_entries ON CONFLICT (id) DO UPDATE SET seq = excluded.seq"
            )
            for name, ddl in PG_ONLY.items():
                if "{schema}" in ddl and schema is None:
                    print(f"  {name}: skipped (pg_trgm not available)")
                    continue
                stamp = time.perf_counter()
                cur.execute(ddl.format(schema=f'"{schema[0]}"' if schema else ""))
                print(f"  {name}: built in {time.perf_counter() - stamp:.0f} s", flush=True)
            cur.execute("ANALYZE")
        dbapi.commit()
    finally:
        raw.close()


class Client:
    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.cookie = ""

    def request(
        self, method: str, path: str, accept: str = "application/json"
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
        conn.request(method, path, headers={"Cookie": self.cookie, "Accept": accept})
        answer = conn.getresponse()
        body = answer.read()
        if answer.getheader("Set-Cookie"):
            self.cookie = answer.getheader("Set-Cookie", "").split(";")[0]
        conn.close()
        return answer.status, body

    def sign_in(self, db: Database, user: str) -> None:
        path = urlparse(issue_link(db, user, base_url=self.server.url, now=datetime.now(UTC))).path
        status, _ = self.request("POST", path)
        assert status == 303, status


#: CPU milliseconds of this process (the server's threads and the client) per timed request
CPU_MS: list[float] = []


def timed(client: Client, path: str, runs: int) -> tuple[float, float, Any]:
    client.request("GET", path)  # warm
    times = []
    data: Any = None
    CPU_MS.clear()
    for _ in range(runs):
        stamp, cpu = time.perf_counter(), time.process_time()
        status, body = client.request("GET", path)
        times.append((time.perf_counter() - stamp) * 1000)
        CPU_MS.append((time.process_time() - cpu) * 1000)
        assert status == 200, (path, status, body[:300])
        data = json.loads(body)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times), p99, data


def week_start(now: datetime) -> datetime:
    return now - timedelta(days=180)


def explain(db: Database, folder: Path, cases: dict[str, dict[str, Any]]) -> None:
    """EXPLAIN ANALYZE of the drafts page's query for a few cases (the auditor's view)."""
    from sqlalchemy.dialects import postgresql

    from bot.portal.access import viewer_for
    from bot.portal.queries import DraftFilters, page_statements
    from bot.portal.roles import Roles

    viewer = viewer_for(AUDITOR, Roles(folder), has_drafts=False)
    for name, fields in cases.items():
        if "since" in fields:
            fields = {**fields, "until": fields["since"] + timedelta(days=7)}
        for n, stmt in enumerate(page_statements(db, viewer, DraftFilters(**fields)), 1):
            sql = str(
                stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            )
            with db.engine.connect() as conn:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql).scalars().all()
            print(f"\nplan, drafts page, {name}, statement {n}:\n  " + "\n  ".join(plan))
    print(flush=True)


def already_loaded(db: Database) -> tuple[int, datetime]:
    """How many drafts a kept database holds, and the load's time (its newest draft's)."""
    with db.engine.connect() as conn:
        count, newest = conn.exec_driver_sql("SELECT count(*), max(created_at) FROM drafts").one()
    return int(count), newest or datetime.now(UTC)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL base URL ($TEST_DATABASE_URL)")
    parser.add_argument("--drafts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an existing PostgreSQL database to load once and keep (reused when loaded)",
    )
    args = parser.parse_args()
    base = args.database_url or args.pg or os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        print("needs PostgreSQL: --pg URL or TEST_DATABASE_URL")
        return 2
    print(f"conditions: Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (shared), {args.drafts:,} drafts over {DAYS} days and "
          f"{BRANDS} brands, {args.runs} timed requests per case over real HTTP")  # fmt: skip
    print(f"uptime before: {uptime()}", flush=True)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        url = args.database_url or stack.enter_context(scratch_database_url(base, tmp))
        folder = tmp / "brands"
        folder.mkdir()
        for i in range(BRANDS):
            (folder / f"brand-{i}.yml").write_text(GUIDELINES.format(n=i), encoding="utf-8")
        db = Database(url)
        loaded, loaded_at = already_loaded(db)
        if loaded and loaded != args.drafts:
            print(f"{url} holds {loaded:,} drafts, not {args.drafts:,}: drop it or pass --drafts")
            return 2
        if loaded:
            now = loaded_at
            print(f"reusing {loaded:,} drafts loaded at {format_time(now)}", flush=True)
        else:
            stamp = time.perf_counter()
            load(db, args.drafts, now, tmp)
            print(f"loaded in {time.perf_counter() - stamp:.0f} s", flush=True)
        endpoint = SlackEndpoint("bench", health=lambda: (True, "ok"))
        endpoint.portal = create_portal(PortalConfig(db=db, guidelines_dir=folder, secret="b"))
        server = HttpServer(endpoint, host="127.0.0.1", port=0).start()
        try:
            client = Client(server)
            client.sign_in(db, AUDITOR)
            first = json.loads(client.request("GET", "/portal/drafts?limit=50")[1])
            cursor = first["drafts"][-1]["id"]
            for _ in range(19):  # 20 pages deep
                cursor = json.loads(client.request("GET", f"/portal/drafts?before={cursor}")[1])[
                    "next"
                ]
            week = (now - timedelta(days=180)).date()
            cases = {
                "no filter (auditor of brand-0)": "",
                "brand=brand-0": "brand=brand-0",
                "state=rejected": "state=rejected",
                "state=changes_requested": "state=changes_requested",
                "submitter=U0AGENCY07": "submitter=U0AGENCY07",
                "approver=U0BRAND0A": "approver=U0BRAND0A",
                "rule=cheap": "rule=cheap",
                "rule=no-guarantees": "rule=no-guarantees",
                "one week (since/until)": f"since={week}&until={week + timedelta(days=6)}",
                "page 21 (keyset cursor)": f"before={cursor}",
                "q=help (common word)": "q=help",
                "q=refund (rarer word)": "q=refund",
                f"q=ref{args.drafts // 2}r1 (one draft)": f"q=ref{args.drafts // 2}r1",
                "q=zzqxv (no match)": "q=zzqxv",
                "q=help&state=rejected": "q=help&state=rejected",
                "q=help&submitter=U0AGENCY07": "q=help&submitter=U0AGENCY07",
            }
            worst = 0.0
            for name, query in cases.items():
                p50, p99, data = timed(client, f"/portal/drafts?{query}", args.runs)
                worst = max(worst, p99)
                cpu = statistics.median(CPU_MS)
                print(f"drafts {name:<32} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                      f"(cpu/request p50 {cpu:5.1f} ms; {len(data['drafts'])} rows)",
                      flush=True)  # fmt: skip
            print(f"worst drafts-page p99: {worst:.1f} ms (target <= 300 ms)")
            long_draft = args.drafts - 5
            p50, p99, data = timed(client, f"/portal/drafts/{long_draft}", args.runs)
            shape = f"{len(data['revisions'])}-revision draft ({len(data['audit'])} audit entries)"
            print(f"timeline of a {shape}: p50 {p50:.1f} ms  p99 {p99:.1f} ms  "
                  f"(cpu/request p50 {statistics.median(CPU_MS):.1f} ms)")  # fmt: skip
            plans: dict[str, dict[str, Any]] = {"no filter": {}, "state": {"state": "rejected"}}
            plans |= {"one week": {"since": week_start(now)}, "rule=cheap": {"rule": "cheap"}}
            plans |= {
                "submitter": {"submitter": "U0AGENCY07"},
                "approver": {"approver": "U0BRAND0A"},
            }
            plans |= {"page 21": {"before": cursor}, "q=help": {"q": "help"}}
            plans |= {"q=refund": {"q": "refund"}, "q=zzqxv": {"q": "zzqxv"}}
            plans |= {"q one draft": {"q": f"ref{args.drafts // 2}r1"}}
            plans |= {"q=help&submitter": {"q": "help", "submitter": "U0AGENCY07"}}
            explain(db, folder, plans)
            for fmt in ("jsonl", "csv"):
                stamp = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
                conn.request("GET", f"/portal/audit/export?brand=brand-0&format={fmt}",
                             headers={"Cookie": client.cookie})  # fmt: skip
                answer = conn.getresponse()
                size = lines = 0
                while chunk := answer.read(1 << 16):
                    size += len(chunk)
                    lines += chunk.count(b"\n")
                conn.close()
                seconds = time.perf_counter() - stamp
                entries = lines - (1 if fmt == "csv" else 0)
                print(f"export {fmt:<5} brand-0: {entries:,} entries, {size / 1e6:.0f} MB in "
                      f"{seconds:.1f} s = {entries / seconds:,.0f} entries/s, "
                      f"{size / 1e6 / seconds:.1f} MB/s (streamed)", flush=True)  # fmt: skip
        finally:
            server.stop()
            db.dispose()
    print(f"uptime after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
