"""The drafts page's query plans on PostgreSQL: index-driven, with work bounded by the page.

No timing: at 1,000,000 drafts (benchmarks/portal.py) a plan that reads a brand's every draft, or
every revision holding a common word, costs seconds, while one that walks an index newest first
and stops at a page costs milliseconds. Those shapes show at 30,000 drafts too, in what EXPLAIN
ANALYZE counts: the rows each scan reads, which do not depend on the machine's load. Each case
asserts that indexes serve it (no sequential scan when the planner is told to avoid them) and
that the rows its scans read stay well below the tables' size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from bot.portal import queries
from bot.portal.access import Viewer
from bot.portal.queries import DraftFilters, drafts_page, page_statements
from bot.portal.reading import reading
from models.db import Database
from models.testing import scratch_database_url

N = 30_000
START = datetime(2026, 1, 1, tzinfo=UTC)
AUDITOR = Viewer("UAUDIT0", audits=frozenset({"b0"}), approves=frozenset(), submits_for=frozenset())
TABLES = ("drafts", "revisions", "review_stages", "stage_approvers")

# One draft a minute over N minutes, five brands, 50 submitters, three approvers a brand; texts
# where "help" is common (a third), "refund" rarer (1 in 37) and "ref<id>r1" names one draft;
# findings of "no-guarantees" in 1 revision in 20, of "cheap" in another 1 in 20.
FILL = [
    """INSERT INTO drafts (id, brand_id, platform, kind, sponsored, submitter, state,
         current_revision, review_round, created_at, updated_at)
       SELECT i, 'b' || (i % 5), 'x', 'post', false, 'U' || (i % 50),
         (ARRAY['approved','approved','approved','rejected','in_review','blocked',
                'changes_requested','published','approved','approved'])[1 + (i / 5) % 10],
         1, 1, :start + make_interval(mins => i), :start + make_interval(mins => i)
       FROM generate_series(1, :n) AS i""",
    """INSERT INTO revisions (id, draft_id, number, text, text_sha256, author, origin_event,
         check_result, verdict, guidelines_sha256, created_at)
       SELECT i, i, 1,
         'Thanks for writing' || CASE WHEN i % 3 = 0 THEN ', we can help' ELSE '' END
           || CASE WHEN i % 37 = 0 THEN ' with a refund' ELSE '' END || ' ref' || i || 'r1',
         md5(i::text) || md5(i::text), 'U' || (i % 50), 'submitted',
         CASE (i / 5) % 20 WHEN 0 THEN '{"findings": [{"rule": "no-guarantees", "level": "error"}]}'
                     WHEN 1 THEN '{"findings": [{"rule": "cheap", "level": "warning"}]}'
                     ELSE '{"findings": []}' END::json,
         'pass', repeat('b', 64), :start + make_interval(mins => i)
       FROM generate_series(1, :n) AS i""",
    """INSERT INTO review_stages (id, draft_id, review_round, number, group_name, mode, state,
         created_at)
       SELECT i, i, 1, 1, 'brand', 'any', 'pending', :start FROM generate_series(1, :n) AS i""",
    """INSERT INTO stage_approvers (stage_id, user_id, position, active)
       SELECT i, 'UAPPROVE' || (i % 5) || (ARRAY['A','B','C'])[1 + (i / 5) % 3], 0, true
       FROM generate_series(1, :n) AS i""",
]

CASES: dict[str, DraftFilters] = {
    "no filter": DraftFilters(),
    "brand": DraftFilters(brand="b0"),
    "state": DraftFilters(state="rejected"),
    "rare state": DraftFilters(state="changes_requested"),
    "submitter": DraftFilters(submitter="U5"),
    "approver": DraftFilters(approver="UAPPROVE0A"),
    "rule": DraftFilters(rule="cheap"),
    "one week": DraftFilters(since=START + timedelta(days=10), until=START + timedelta(days=17)),
    "keyset page": DraftFilters(before=N // 2),
    "q common": DraftFilters(q="help"),
    "q rarer": DraftFilters(q="refund"),
    "q one draft": DraftFilters(q=f"ref{N // 2}r1"),
    "q no match": DraftFilters(q="zzqxv"),
    "q and state": DraftFilters(q="help", state="rejected"),
    "q and submitter": DraftFilters(q="help", submitter="U5"),
}


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    # the text search's two steps at 30,000 drafts, as at a million with the real window
    monkeypatch.setattr(queries, "SEARCH_WINDOW", 500)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("query plans are PostgreSQL's: set TEST_DATABASE_URL")
    folder: Path = tmp_path_factory.mktemp("plans")
    with scratch_database_url(base, folder) as url:
        db = Database(url)
        with db.engine.begin() as conn:
            for sql in FILL:
                conn.execute(text(sql), {"start": START, "n": N})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE drafts, revisions, review_stages, stage_approvers")
        yield db
        db.dispose()


def _plans(db: Database, f: DraftFilters) -> list[dict[str, Any]]:
    plans = []
    for stmt in page_statements(db, AUDITOR, f):
        sql = str(
            stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )
        with db.engine.connect() as conn, conn.begin():
            # At 30,000 rows reading a table whole is the cheapest plan; at a million it is
            # the slow one. What is asserted is that indexes serve every case with bounded work
            # (benchmarks/portal.py shows the planner choosing them at a million drafts).
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            found = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            plans.append(found.scalar()[0]["Plan"])
    return plans


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows the plan's scans produced or threw away, all loops counted."""
    return sum(
        (
            n["Actual Rows"]
            + n.get("Rows Removed by Filter", 0)
            + n.get("Rows Removed by Index Recheck", 0)
        )
        * n.get("Actual Loops", 1)
        for n in _nodes(plan)
        if "Scan" in n["Node Type"]
    )


@pytest.mark.parametrize("case", list(CASES))
def test_every_filter_walks_an_index_and_stops_at_the_page(filled: Database, case: str) -> None:
    plans = _plans(filled, CASES[case])
    for plan in plans:
        whole = [n["Relation Name"] for n in _nodes(plan) if n["Node Type"] == "Seq Scan"]
        assert not whole, f"{case}: reads {whole} whole"
    # Reading the tables whole is 2 N rows (drafts and revisions). Index walks read a page's
    # worth divided by the filter's selectivity (a rule in 1 draft in 20 of one brand in 5:
    # ~5,000 revisions walked at any size), a text search at most its window, then the trigram
    # index's matches; bitmap scans read a filter's index entries (a brand's: N / 5).
    read = sum(_rows_read(plan) for plan in plans)
    assert read < N // 2, f"{case}: {read} rows read"


def test_the_statement_finds_what_the_plans_were_asserted_on(filled: Database) -> None:
    """The cases match what they say (so a plan is not bounded by returning nothing)."""
    page = drafts_page(filled, AUDITOR, CASES["q one draft"])
    assert [d["id"] for d in page["drafts"]] == [N // 2]
    assert drafts_page(filled, AUDITOR, CASES["q no match"])["drafts"] == []
    for case in ("no filter", "q common", "rule", "approver", "one week", "q and submitter"):
        page = drafts_page(filled, AUDITOR, CASES[case])
        assert page["drafts"] and all(d["brand"] == "b0" for d in page["drafts"]), case


def test_portal_reads_are_planned_for_their_values(filled: Database) -> None:
    """psycopg prepares a statement run five times and PostgreSQL may then use a generic plan:
    for "has this user any drafts?" that was a sequential scan of every draft, on every page
    view (715 ms at 1M drafts). The portal's reads ask for custom plans."""
    with reading(filled) as session:
        assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    with filled.reading() as session:  # only the portal's transactions
        assert session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
