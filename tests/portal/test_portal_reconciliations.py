"""The dashboard's latest reconciliation of each brand: shown to its auditors, to no one else."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from bot.audit.reconcile import reconcile
from bot.portal.access import Viewer
from bot.portal.reconciliations import latest_reconciliations, latest_statement
from models.db import Database
from models.testing import scratch_database_url
from tests.portal.world import APPROVER, AUDITOR, OTHER_AUDITOR, World

JSON = {"Accept": "application/json"}
FIRST = "a" * 64
SECOND = "b" * 64


def _reconcile_twice(world: World) -> None:
    published = [
        ("1", {"text": "Field tested on the Kungsleden trail."}),  # approved, modulo nothing
        ("2", {"text": "Nobody approved this one, ever."}),
    ]
    reconcile(world.db, "acme", published[:1], file_sha256=FIRST, actor="cli:first")
    reconcile(
        world.db,
        "acme",
        published,
        file_sha256=SECOND,
        actor="cli:second",
        since=datetime(2026, 1, 1, tzinfo=UTC),
        file_name="instagram.csv",
    )


def _brand(data: dict[str, Any], brand: str) -> dict[str, Any]:
    return next(b for b in data["brands"] if b["brand"] == brand)


def test_the_dashboard_shows_the_latest_of_two_reconciliations(world: World) -> None:
    _reconcile_twice(world)
    client = world.signed_in(AUDITOR)
    data = client.get("/portal/", headers=JSON).json
    shown = _brand(data, "acme")["reconciliation"]
    assert shown["file_sha256"] == SECOND and shown["file_name"] == "instagram.csv"
    assert shown["actor"] == "cli:second" and shown["origin"] == {"via": "unspecified"}
    assert shown["counts"] == {"approved": 1, "altered": 0, "unapproved": 1, "unpublished": 0}
    assert shown["period"] == {"since": "2026-01-01T00:00:00.000000Z", "until": None}
    link = _brand(data, "acme")["reconciliations"]
    assert link == "/portal/audit?brand=acme&event=reconciled"
    # the link is the audit page's own filter, and it lists both, newest first
    listed = client.get(link, headers=JSON).json["entries"]
    assert [e["payload"]["file_sha256"] for e in listed] == [SECOND, FIRST]
    assert listed[0]["seq"] == shown["seq"]

    page = client.get("/portal/").get_data(as_text=True)
    assert "Latest reconciliation" in page and SECOND in page and FIRST not in page
    assert "instagram.csv" in page and "cli:second" in page
    assert 'href="/portal/audit?brand=acme&amp;event=reconciled"' in page
    assert "Never reconciled" not in page


def test_a_brand_never_reconciled_says_so(world: World) -> None:
    _reconcile_twice(world)  # acme's: not other's
    client = world.signed_in(OTHER_AUDITOR)
    data = client.get("/portal/", headers=JSON).json
    assert _brand(data, "other")["reconciliation"] is None
    page = client.get("/portal/").get_data(as_text=True)
    assert "Never reconciled" in page


@pytest.mark.parametrize("who", [OTHER_AUDITOR, APPROVER])
def test_no_one_but_the_brands_auditors_sees_its_reconciliation(world: World, who: str) -> None:
    """Another brand's auditor, and the brand's approver (who sees reports, not the audit log)."""
    _reconcile_twice(world)
    client = world.signed_in(who)
    answer = client.get("/portal/", headers=JSON)
    assert answer.status_code == 200
    for b in answer.json["brands"]:
        assert b.get("reconciliation") is None
        assert "reconciliation" not in b or b["brand"] != "acme"
    for body in (answer.get_data(as_text=True), client.get("/portal/").get_data(as_text=True)):
        assert SECOND not in body and FIRST not in body and "instagram.csv" not in body


N = 60_000
BRANDS = 5
AUDITS_B0 = Viewer(
    "UAUDIT", audits=frozenset({"b0", "b1"}), approves=frozenset(), submits_for=frozenset()
)

# N entries over five brands, most of them draft events; one reconciliation of b0 early on, and
# b1 never reconciled: the (brand_id, seq) index would walk all of b1's entries to learn that.
FILL = """
INSERT INTO audit_entries (seq, created_at, event, actor, brand_id, draft_id, revision,
  guidelines_sha256, payload, prev_hash, hash)
SELECT i, :start + make_interval(secs => i),
  CASE WHEN i = 100 THEN 'reconciled' WHEN i % 1000 = 0 THEN 'guidelines loaded' ELSE 'checked' END,
  'U', 'b' || (i % :brands),
  CASE WHEN i = 100 OR i % 1000 = 0 THEN NULL ELSE i END, NULL, NULL,
  CASE WHEN i = 100
    THEN '{"file_sha256": "f", "counts": {"approved": 3}, "period": {}, "origin": {}}'
       ELSE '{}' END,
  repeat('0', 64), md5(i::text) || md5(i::text)
FROM generate_series(1, :n) AS i
"""


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("query plans are PostgreSQL's: set TEST_DATABASE_URL")
    folder: Path = tmp_path_factory.mktemp("reconciled-plans")
    with scratch_database_url(base, folder) as url:
        db = Database(url)
        with db.engine.begin() as conn:
            start = datetime(2026, 1, 1, tzinfo=UTC)
            conn.execute(text(FILL), {"start": start, "n": N, "brands": BRANDS})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE audit_entries")
        yield db
        db.dispose()


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def test_the_latest_reconciliations_are_an_index_lookup_at_any_log_size(filled: Database) -> None:
    sql = str(
        latest_statement(AUDITS_B0).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    with filled.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        found = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = found.scalar()[0]["Plan"]
    nodes = list(_nodes(plan))
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"]
    read = sum(
        (n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n.get("Actual Loops", 1)
        for n in nodes
        if "Scan" in n["Node Type"]
    )
    # brand-level entries are 1 in 1,000; reading b1's entries would be N / 5
    assert read < N // 100, read
    # and it finds what it was asserted on
    found_ = latest_reconciliations(filled, AUDITS_B0)
    assert list(found_) == ["b0"] and found_["b0"]["counts"]["approved"] == 3
