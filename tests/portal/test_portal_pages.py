"""The drafts page's filters, text search and keyset paging; the timeline; the streamed export."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from bot.audit.events import GUIDELINES_LOADED, AuditEvent
from bot.audit.export import export
from bot.audit.log import append
from models import Draft, Revision, utcnow
from tests.portal.world import APPROVER, AUDITOR, SUBMITTER, SUBMITTER2, World

JSON = {"Accept": "application/json"}


def _bulk(world: World, n: int, brand: str = "acme") -> list[int]:
    """`n` drafts written straight into the tables (the workflow would take minutes)."""
    ids = []
    start = utcnow() - timedelta(days=n)
    with world.db.transaction() as session:
        for i in range(n):
            finding = [{"rule": "no-guarantees", "level": "error", "start": 0, "end": 3}]
            draft = Draft(
                brand_id=brand,
                platform="x",
                kind="post",
                sponsored=False,
                submitter=SUBMITTER if i % 2 else SUBMITTER2,
                state="approved" if i % 3 else "rejected",
                current_revision=1,
                created_at=start + timedelta(days=i),
            )
            session.add(draft)
            session.flush()
            text = f"Bulk post {i}: 100% tested_on trail {'guarantee' if i % 5 == 0 else 'ok'}"
            session.add(
                Revision(
                    draft_id=draft.id,
                    number=1,
                    text=text,
                    text_sha256=f"{i:064d}",
                    author=draft.submitter,
                    origin_event="submitted",
                    check_result={"findings": finding if i % 5 == 0 else []},
                    verdict="pass",
                    guidelines_sha256="0" * 64,
                )
            )
            ids.append(draft.id)
    return ids


def _all_pages(client, query: str) -> list[int]:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    before = ""
    for _ in range(50):
        page = client.get(f"/portal/drafts?{query}&limit=7{before}", headers=JSON).json
        seen += [d["id"] for d in page["drafts"]]
        if page["next"] is None:
            return seen
        before = f"&before={page['next']}"
    raise AssertionError("paging never ended")


def test_keyset_paging_walks_every_draft_once_newest_first(world: World) -> None:
    bulk = _bulk(world, 40)
    client = world.signed_in(AUDITOR)
    seen = _all_pages(client, "brand=acme")
    expected = sorted(bulk + [v for k, v in world.drafts.items() if k.startswith("acme")])
    assert seen == expected[::-1]
    html = client.get("/portal/drafts?brand=acme&limit=7").get_data(as_text=True)
    assert 'rel="next"' in html and "brand=acme" in html.split('rel="next"')[1][:120]


def test_filters_and_text_search(world: World) -> None:
    bulk = _bulk(world, 30)
    client = world.signed_in(AUDITOR)

    def ids(query: str) -> set[int]:
        return set(_all_pages(client, query))

    rejected = {d for i, d in enumerate(bulk) if i % 3 == 0} | {world.drafts["acme:revised"]}
    assert ids("state=rejected") == rejected
    by_two = {d for i, d in enumerate(bulk) if i % 2 == 0}
    by_two |= {world.drafts["acme:blocked"], world.drafts["acme:waiting"]}
    assert ids(f"submitter={SUBMITTER2}") == by_two
    assert ids(f"approver={APPROVER}") == {
        world.drafts[k] for k in ("acme:clean", "acme:revised", "acme:waiting")
    }
    flagged = {d for i, d in enumerate(bulk) if i % 5 == 0} | {world.drafts["acme:blocked"]}
    assert ids("rule=no-guarantees") == flagged
    assert ids("q=GUARANTEE") == flagged  # case-insensitive
    assert ids("q=100%25") == set(bulk) | {world.drafts["acme:blocked"]}  # % is literal
    assert ids("q=tested_on") == set(bulk)  # so is _
    assert ids("q=kungsleden") == {world.drafts["acme:clean"]}
    today = utcnow().date().isoformat()
    assert ids(f"since={today}") >= {world.drafts["acme:clean"]}
    assert not ids(f"since={today}") & set(bulk[:-2])
    assert ids(f"until={(utcnow() - timedelta(days=25)).date().isoformat()}") == set(bulk[:6])
    assert ids("q=kungsleden&state=rejected") == set()
    bad = client.get("/portal/drafts?since=yesterday", headers=JSON)
    assert bad.status_code == 400 and "since" in bad.json["detail"]
    assert client.get("/portal/drafts?before=abc", headers=JSON).status_code == 400


def test_the_timeline_shows_every_entry_revision_finding_diff_and_decision(world: World) -> None:
    client = world.signed_in(AUDITOR)
    revised = world.drafts["acme:revised"]
    data = client.get(f"/portal/drafts/{revised}", headers=JSON).json
    assert [r["number"] for r in data["revisions"]] == [1, 2]
    assert data["revisions"][0]["diff"] is None
    diff = data["revisions"][1]["diff"]
    assert diff == [
        {"op": "equal", "text": "The vest packs "},
        {"op": "delete", "text": "small for any trek."},
        {"op": "insert", "text": "small: tested in Sarek."},
    ]
    assert "".join(p["text"] for p in diff if p["op"] != "delete") == data["revisions"][1]["text"]
    assert [(d["decision"], d["reason"]) for d in data["decisions"]] == [
        ("changes", "Say where you tested it."),
        ("reject", "Off-message this month."),
    ]
    events = [e["event"] for e in data["audit"]]
    assert events[0] == "submitted" and "revised" in events and events[-1] == "decided"
    with world.db.reading() as session:
        from sqlalchemy import func, select

        from models import AuditEntry

        count = session.scalar(select(func.count()).where(AuditEntry.draft_id == revised))
    assert len(data["audit"]) == count
    html = client.get(f"/portal/drafts/{revised}").get_data(as_text=True)
    assert "<ins>small: tested in Sarek.</ins>" in html and "Off-message this month." in html

    blocked = client.get(f"/portal/drafts/{world.drafts['acme:blocked']}", headers=JSON).json
    segments = blocked["revisions"][0]["segments"]
    marked = [s for s in segments if s["finding"]]
    assert [s["text"] for s in marked] == ["guarantee"]
    assert marked[0]["finding"]["rule"] == "no-guarantees"
    assert "".join(s["text"] for s in segments) == blocked["revisions"][0]["text"]
    html = client.get(f"/portal/drafts/{world.drafts['acme:blocked']}").get_data(as_text=True)
    assert '<mark class="level-error"' in html and ">guarantee</mark>" in html


def test_the_export_streams_what_audit_export_writes(world: World) -> None:
    with world.db.transaction() as session:  # enough entries for several chunks
        append(
            session,
            [AuditEvent(GUIDELINES_LOADED, "bench", "acme", payload={"n": i}) for i in range(1200)]
            + [AuditEvent(GUIDELINES_LOADED, "bench", "other")],
        )
    client = world.signed_in(AUDITOR)
    for fmt in ("jsonl", "csv"):
        answer = client.get(f"/portal/audit/export?format={fmt}&brand=acme")
        assert answer.status_code == 200 and answer.is_streamed
        assert "attachment" in answer.headers["Content-Disposition"]
        chunks = list(answer.response)
        assert len(chunks) >= 3, fmt
        expected = io.StringIO()
        export(world.db, expected, fmt=fmt, brand="acme")
        assert b"".join(chunks).decode() == expected.getvalue()
    lines = client.get("/portal/audit/export?brand=acme").get_data(as_text=True).splitlines()
    assert {json.loads(line)["brand"] for line in lines} == {"acme"}
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/portal/audit/export?format=csv").get_data(as_text=True))
        )
    )
    assert rows and {r["brand"] for r in rows} == {"acme"}
    assert client.get("/portal/audit/export?format=xml").status_code == 400


def test_the_audit_page_shows_the_chain_status_and_head(world: World) -> None:
    from bot.audit.verify import verify

    client = world.signed_in(AUDITOR)
    data = client.get("/portal/audit", headers=JSON).json
    assert data["chain"]["ok"] is True and data["chain"]["head"] == verify(world.db).head
    html = client.get("/portal/audit").get_data(as_text=True)
    assert "The chain verifies" in html and data["chain"]["head"] in html
    assert client.get("/portal/audit?event=decided", headers=JSON).json["entries"]
    assert all(
        e["event"] == "decided"
        for e in client.get("/portal/audit?event=decided", headers=JSON).json["entries"]
    )


def test_the_audit_page_counts_up_to_a_cap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exact count would read a brand's every entry on each view; past the cap it says N+."""
    from bot.audit.export import iter_entries
    from bot.portal import queries

    client = world.signed_in(AUDITOR)
    exact = sum(1 for _ in iter_entries(world.db, brand="acme"))
    assert client.get("/portal/audit", headers=JSON).json["counts"]["acme"] == exact
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    data = client.get("/portal/audit", headers=JSON).json
    assert data["counts"]["acme"] == 4 and data["counts_capped_at"] == 3
    assert "(3+ entries)" in client.get("/portal/audit").get_data(as_text=True)
