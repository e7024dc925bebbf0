"""Deadlines, reminders, escalation and expiry (SPEC "Workflow over time"), on both databases,
with an injected clock: no test waits for time to pass."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from timerhelpers import T0, TIMED, run_in_process
from wfhelpers import CLEAN, assert_chain_ok, audit_events, outbox_rows

from bot.cli.main import main
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService, run_timers
from models import Timer
from models.db import Database

H = timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def timed_dir(guidelines_dir: Path) -> Path:
    (guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")
    return guidelines_dir


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(db: Database, timed_dir: Path, clock: Clock) -> WorkflowService:
    return WorkflowService(db, GuidelineStore(timed_dir, RULE_TYPES), clock=clock)


def _timers(db: Database, draft: int) -> list[tuple[str, int, datetime, bool]]:
    with db.reading() as session:
        rows = session.scalars(select(Timer).where(Timer.draft_id == draft).order_by(Timer.due_at))
        return [(t.kind, t.n, t.due_at, t.fired_at is not None) for t in rows]


def _submit(service: WorkflowService, **extra) -> int:
    return service.submit(submitter="UAGENCY1", brand="timed", platform="x", text=CLEAN, **extra).id


def test_deadline_and_reminders_stored_from_the_sla_rules(
    timed: WorkflowService, db: Database
) -> None:
    post = _submit(timed)
    assert _timers(db, post) == [
        ("reminder", 1, T0 + 8 * H, False),
        ("reminder", 2, T0 + 16 * H, False),
        ("escalate", 0, T0 + 24 * H, False),
    ]
    reply = _submit(timed, kind="reply", context="Does it keep me dry?")
    assert [t[2] for t in _timers(db, reply)] == [
        T0 + timedelta(minutes=40),
        T0 + timedelta(minutes=80),
        T0 + 2 * H,
    ]
    capped = _submit(timed, publish_at=T0 + 3 * H)
    assert [(k, due) for k, _, due, _ in _timers(db, capped)] == [
        ("reminder", T0 + H),
        ("reminder", T0 + 2 * H),
        ("escalate", T0 + 3 * H),
        ("expire", T0 + 3 * H),
    ]


def test_no_sla_no_timers(service: WorkflowService, db: Database) -> None:
    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    assert _timers(db, view.id) == []


def test_reminders_once_each_to_who_has_not_decided(timed: WorkflowService, db: Database) -> None:
    draft = _submit(timed)
    assert run_timers(timed, T0 + 7 * H) == {"reminded": 0, "escalated": 0, "expired": 0}
    assert run_timers(timed, T0 + 8 * H) == {"reminded": 1, "escalated": 0, "expired": 0}
    assert run_timers(timed, T0 + 8 * H) == {"reminded": 0, "escalated": 0, "expired": 0}
    sent = [m for m in outbox_rows(db, draft) if m.kind == "reminder"]
    assert sorted(m.recipient for m in sent) == ["UBRAND1", "UBRAND2"]
    assert sent[0].payload["deadline"] == (T0 + 24 * H).isoformat()
    assert sent[0].payload["reminder"] == 1
    assert [e.event for e in audit_events(db, draft)].count("reminded") == 1
    assert_chain_ok(db)


def test_decided_stage_fires_nothing(timed: WorkflowService, db: Database) -> None:
    draft = _submit(timed)
    timed.approve(draft, actor="UBRAND1")
    assert run_timers(timed, T0 + 30 * H) == {"reminded": 0, "escalated": 0, "expired": 0}
    assert all(fired for *_, fired in _timers(db, draft))


def test_escalation_adds_the_group_never_the_submitter(
    timed: WorkflowService, db: Database
) -> None:
    draft = _submit(timed)
    counts = run_timers(timed, T0 + 24 * H)
    assert counts == {"reminded": 2, "escalated": 1, "expired": 0}
    view = timed.get(draft)
    assert view.route[0].approvers == ("UBRAND1", "UBRAND2", "UBACKUP1")
    assert "UAGENCY1" not in view.pending_approvers
    escalated = [m for m in outbox_rows(db, draft) if m.kind == "escalated"]
    assert sorted(m.recipient for m in escalated) == ["UAGENCY1", "UBACKUP1", "UBRAND1", "UBRAND2"]
    entry = next(e for e in audit_events(db, draft) if e.event == "escalated")
    assert json.loads(entry.payload)["added"] == ["UBACKUP1"]
    # the new member may decide
    assert timed.approve(draft, actor="UBACKUP1").state == "approved"
    assert_chain_ok(db)


def test_without_escalate_to_overdue_is_still_told_and_logged(
    db: Database, timed_dir: Path, clock: Clock
) -> None:
    (timed_dir / "plain.yml").write_text(
        TIMED.replace("  escalate_to: [backup]\n", ""), encoding="utf-8"
    )
    service = WorkflowService(db, GuidelineStore(timed_dir, RULE_TYPES), clock=clock)
    draft = service.submit(submitter="UAGENCY1", brand="plain", platform="x", text=CLEAN).id
    assert run_timers(service, T0 + 25 * H)["escalated"] == 1
    assert service.get(draft).route[0].approvers == ("UBRAND1", "UBRAND2")
    told = sorted(m.recipient for m in outbox_rows(db, draft) if m.kind == "escalated")
    assert told == ["UAGENCY1", "UBRAND1", "UBRAND2"]
    assert "escalated" in [e.event for e in audit_events(db, draft)]


def test_expiry_then_revise_with_new_publish_at(
    timed: WorkflowService, db: Database, clock: Clock
) -> None:
    draft = _submit(timed, publish_at=T0 + 5 * H)
    counts = run_timers(timed, T0 + 5 * H)
    assert counts["expired"] == 1 and counts["escalated"] == 1
    view = timed.get(draft)
    assert view.state == "expired"
    told = sorted(m.recipient for m in outbox_rows(db, draft) if m.kind == "expired")
    assert told == ["UAGENCY1", "UBACKUP1", "UBRAND1", "UBRAND2"]
    with pytest.raises(Exception, match="expired"):
        timed.approve(draft, actor="UBRAND1")
    clock.now = T0 + 6 * H
    revised = timed.revise(draft, actor="UAGENCY1", text=CLEAN + " Now.", publish_at=T0 + 48 * H)
    assert revised.state == "in_review"
    assert run_timers(timed, T0 + 7 * H) == {"reminded": 0, "escalated": 0, "expired": 0}
    assert run_timers(timed, T0 + 48 * H)["expired"] == 1
    events = [e.event for e in audit_events(db, draft)]
    assert events.count("expired") == 2 and "revised" in events
    assert_chain_ok(db)


def test_two_threads_fire_each_timer_once(timed: WorkflowService, db: Database) -> None:
    drafts = [_submit(timed) for _ in range(3)]
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def runner() -> None:
        barrier.wait()
        results.append(run_timers(timed, T0 + 24 * H))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 2
    assert sum(r["escalated"] for r in results) == 3
    assert sum(r["reminded"] for r in results) == 6
    for draft in drafts:
        assert [e.event for e in audit_events(db, draft)].count("escalated") == 1
    assert_chain_ok(db)


def test_two_processes_fire_each_timer_once(
    timed: WorkflowService, db: Database, db_url: str, timed_dir: Path
) -> None:
    drafts = [_submit(timed) for _ in range(3)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=run_in_process, args=(db_url, str(timed_dir), T0 + 24 * H, barrier, results)
        )
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert all(status == "ok" for status, _ in got), got
    assert sum(r["escalated"] for _, r in got) == 3
    escalations = [m for d in drafts for m in outbox_rows(db, d) if m.kind == "escalated"]
    assert len(escalations) == 3 * 4
    assert_chain_ok(db)


def test_cli_timers_run(
    timed: WorkflowService,
    db_url: str,
    timed_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    _submit(timed)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(timed_dir))
    assert main(["timers", "run", "--now", (T0 + 25 * H).isoformat()]) == 0
    assert json.loads(capsys.readouterr().out) == {"reminded": 2, "escalated": 1, "expired": 0}
    assert main(["timers", "run", "--now", (T0 + 26 * H).isoformat()]) == 0
    assert json.loads(capsys.readouterr().out) == {"reminded": 0, "escalated": 0, "expired": 0}
    assert main(["timers", "run", "--now", "later"]) == 2
    assert "--now: 'later' is not an ISO-8601 time" in capsys.readouterr().err


def _latest_banners(db: Database, draft: int) -> dict[str, dict | None]:
    """Each approver's review request as it now reads: the banner of its latest update."""
    shown: dict[str, dict | None] = {}
    for m in outbox_rows(db, draft):
        if m.kind in ("review_request", "review_update"):
            shown[m.recipient] = m.payload["banner"]
    return shown


def test_joining_member_gets_the_request_routing_would_send(
    timed: WorkflowService, db: Database
) -> None:
    draft = _submit(timed)
    run_timers(timed, T0 + 24 * H)
    requests = {m.recipient: m for m in outbox_rows(db, draft) if m.kind == "review_request"}
    joined, routed = requests["UBACKUP1"].payload, requests["UBRAND1"].payload
    assert requests["UBACKUP1"].dedupe_key.startswith("review_request:s")
    assert joined["approvers"] == ["UBRAND1", "UBRAND2", "UBACKUP1"]
    assert set(joined) == set(routed)
    same = set(routed) - {"approvers", "offered", "state"}
    assert {k: joined[k] for k in same} == {k: routed[k] for k in same}
    assert "decide" in joined["offered"]  # the buttons: the new member may decide


def test_resume_restores_overdue_on_requests_overdue_before_or_during_the_pause(
    timed: WorkflowService, db: Database, clock: Clock
) -> None:
    before = _submit(timed)  # deadline T0+24h: overdue before the pause
    clock.now = T0 + 10 * H
    during = _submit(timed)  # deadline T0+34h: passes while the brand is paused
    clock.now = T0 + 20 * H
    on_time = _submit(timed)  # deadline T0+44h: not overdue when the pause ends
    assert run_timers(timed, T0 + 24 * H)["escalated"] == 1
    overdue = {"kind": "overdue", "deadline": (T0 + 24 * H).isoformat()}
    assert _latest_banners(db, before)["UBACKUP1"] is None  # joined: asked, not yet late
    assert _latest_banners(db, before)["UBRAND1"] == overdue

    clock.now = T0 + 25 * H
    timed.pause("timed", actor="UBRAND1", reason="recall")
    for draft in (before, during, on_time):
        assert {b["kind"] for b in _latest_banners(db, draft).values()} == {"paused"}
    # the deadline passes during the pause: escalated, but the messages keep saying "paused",
    # and the member who joins is asked with the pause shown
    assert run_timers(timed, T0 + 35 * H)["escalated"] == 1
    assert {b["kind"] for b in _latest_banners(db, during).values()} == {"paused"}
    assert set(_latest_banners(db, during)) == {"UBRAND1", "UBRAND2", "UBACKUP1"}

    clock.now = T0 + 36 * H
    timed.resume("timed", actor="UBRAND2")
    assert _latest_banners(db, before) == dict.fromkeys(["UBRAND1", "UBRAND2", "UBACKUP1"], overdue)
    overdue_during = {"kind": "overdue", "deadline": (T0 + 34 * H).isoformat()}
    assert _latest_banners(db, during) == dict.fromkeys(
        ["UBRAND1", "UBRAND2", "UBACKUP1"], overdue_during
    )
    assert _latest_banners(db, on_time) == {"UBRAND1": None, "UBRAND2": None}
    # each update names the request it replaces, and carries it whole
    update = [m for m in outbox_rows(db, during) if m.kind == "review_update"][-1]
    assert update.payload["replaces"].startswith("review_request:s")
    assert update.payload["text"] == CLEAN
    assert_chain_ok(db)


def test_due_work_is_found_through_the_partial_index(db: Database) -> None:
    """The claim query reads the index on pending due times, not every timer (PostgreSQL
    would scan these few rows anyway; told not to, it must still find the index usable)."""
    query = (
        select(Timer.id)
        .where(Timer.fired_at.is_(None), Timer.due_at <= T0)
        .order_by(Timer.due_at, Timer.id)
        .limit(500)
    )
    compiled = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if db.is_sqlite:
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN QUERY PLAN " + compiled)))
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN " + compiled)))
    assert "ix_timers_pending_due" in plan, plan
