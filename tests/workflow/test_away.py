"""Approvers away (SPEC "Workflow over time", Away): routing skips them, their open seats pass
to the delegate, else their group, else routing.default, each move logged `delegated` with
reason `away`; delegation refused outside the brand and to a submitter; the return fires once
on time, whatever number of runners. A settable clock: no test waits for time to pass."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from timerhelpers import T0, run_in_process
from wfhelpers import CLEAN, LEGAL, assert_chain_ok, audit_events, outbox_rows

from bot.cli.main import main
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import NotAllowed, WorkflowService, run_timers
from bot.workflow.errors import InvalidRequest, InvalidTransition
from models.db import Database

DAY = timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wf(db: Database, guidelines_dir: Path, clock: Clock) -> WorkflowService:
    return WorkflowService(db, GuidelineStore(guidelines_dir, RULE_TYPES), clock=clock)


def _submit(wf: WorkflowService, text: str = CLEAN, submitter: str = "UAGENCY1", **kw) -> int:
    return wf.submit(submitter=submitter, brand="acme", platform="x", text=text, **kw).id


def _delegations(db: Database, draft: int) -> list[dict]:
    return [json.loads(e.payload) for e in audit_events(db, draft) if e.event == "delegated"]


def test_routing_skips_who_is_away_until_they_return(wf: WorkflowService, clock: Clock) -> None:
    wf.away_set("UBRAND1", until=T0 + 2 * DAY, reason="holiday")
    assert wf.get(_submit(wf)).route[0].approvers == ("UBRAND2",)
    clock.now = T0 + 2 * DAY  # the date decides, even before a timers run
    assert wf.get(_submit(wf)).route[0].approvers == ("UBRAND1", "UBRAND2")


def test_a_group_left_empty_by_absence_falls_back_to_the_default(
    wf: WorkflowService, db: Database
) -> None:
    wf.away_set("UBRAND1", until=T0 + DAY)
    draft = _submit(wf, sponsored=True)  # routed to pr, whose only member is away
    view = wf.get(draft)
    assert [(s.group, s.approvers) for s in view.route] == [("brand", ("UBRAND2",))]
    fallback = [json.loads(e.payload) for e in audit_events(db, draft) if e.event == "escalated"]
    assert fallback and fallback[0]["reason"] == "no_eligible_approver"


def test_open_seat_passes_to_the_delegate(wf: WorkflowService, db: Database) -> None:
    draft = _submit(wf)
    result = wf.away_set("UBRAND1", until=T0 + DAY, delegate="ULEGAL1", reason="holiday")
    assert result["moved"] == [
        {"draft": draft, "stage": 1, "group": "brand", "to": ["ULEGAL1"], "via": "delegate"}
    ]
    assert wf.get(draft).route[0].approvers == ("UBRAND2", "ULEGAL1")
    [entry] = _delegations(db, draft)
    assert entry["reason"] == "away" and entry["from"] == "UBRAND1" and entry["to"] == "ULEGAL1"
    asked = [m for m in outbox_rows(db, draft) if m.kind == "review_request"]
    assert asked[-1].recipient == "ULEGAL1" and asked[-1].payload["delegated_from"] == "UBRAND1"
    settled = [m for m in outbox_rows(db, draft) if m.kind == "decision_made"]
    assert [(m.recipient, m.payload["decision"]) for m in settled] == [("UBRAND1", "delegated")]
    with pytest.raises(NotAllowed):
        wf.approve(draft, actor="UBRAND1")
    assert wf.approve(draft, actor="ULEGAL1").state == "approved"
    assert_chain_ok(db)


def test_seat_passes_to_the_rest_of_the_group_without_a_delegate(
    wf: WorkflowService, db: Database
) -> None:
    draft = _submit(wf, LEGAL, override_reason="legal has seen it")  # legal, then brand
    result = wf.away_set("ULEGAL1", until=T0 + DAY)
    assert [(m["stage"], m["to"], m["via"]) for m in result["moved"]] == [(1, ["ULEGAL2"], "group")]
    assert wf.get(draft).route[0].approvers == ("ULEGAL2",)
    assert _delegations(db, draft)[0]["via"] == "group"


def test_a_delegate_who_sits_on_another_stage_is_passed_over(
    wf: WorkflowService, db: Database
) -> None:
    draft = _submit(wf, LEGAL, override_reason="legal has seen it")
    # UBRAND2 approves at stage 2: nobody decides two stages of one draft
    result = wf.away_set("ULEGAL1", until=T0 + DAY, delegate="UBRAND2")
    assert [(m["to"], m["via"]) for m in result["moved"]] == [(["ULEGAL2"], "group")]
    view = wf.get(draft)
    assert view.route[0].approvers == ("ULEGAL2",)


def test_seat_passes_to_the_default_when_the_group_has_nobody_else(
    db: Database, guidelines_dir: Path, clock: Clock
) -> None:
    wf = WorkflowService(db, GuidelineStore(guidelines_dir, RULE_TYPES), clock=clock)
    draft = _submit(wf, sponsored=True)  # pr: UBRAND1 alone
    assert wf.get(draft).route[0].approvers == ("UBRAND1",)
    result = wf.away_set("UBRAND1", until=T0 + DAY)
    assert [(m["group"], m["to"], m["via"]) for m in result["moved"]] == [
        ("pr", ["UBRAND2"], "default")
    ]
    assert wf.get(draft).route[0].approvers == ("UBRAND2",)
    assert wf.approve(draft, actor="UBRAND2").state == "approved"
    assert_chain_ok(db)


def test_delegation_refused_outside_the_brand(wf: WorkflowService, db: Database) -> None:
    draft = _submit(wf)
    with pytest.raises(NotAllowed, match="USOLO is not an approver of brand acme"):
        wf.away_set("UBRAND1", until=T0 + DAY, delegate="USOLO")
    assert wf.away_list() == []
    assert wf.get(draft).route[0].approvers == ("UBRAND1", "UBRAND2")
    with pytest.raises(InvalidRequest, match="someone else"):
        wf.away_set("UBRAND1", until=T0 + DAY, delegate="UBRAND1")


def test_delegation_refused_to_the_submitter(wf: WorkflowService, db: Database) -> None:
    draft = _submit(wf, submitter="UBRAND1")  # UBRAND2 alone decides it
    with pytest.raises(NotAllowed, match=f"UBRAND1 submitted draft {draft}"):
        wf.away_set("UBRAND2", until=T0 + DAY, delegate="UBRAND1")
    assert wf.away_list() == []  # nothing of the refused absence was kept
    assert wf.get(draft).route[0].approvers == ("UBRAND2",)
    assert _delegations(db, draft) == []


def test_other_refusals(wf: WorkflowService) -> None:
    with pytest.raises(NotAllowed, match="not an approver of any brand"):
        wf.away_set("UAGENCY1", until=T0 + DAY)
    with pytest.raises(InvalidRequest, match="has passed"):
        wf.away_set("UBRAND1", until=T0 - DAY)
    with pytest.raises(InvalidTransition, match="UBRAND1 is not away"):
        wf.away_clear("UBRAND1")
    wf.away_set("UBRAND2", until=T0 + DAY)
    with pytest.raises(NotAllowed, match="away too"):
        wf.away_set("UBRAND1", until=T0 + DAY, delegate="UBRAND2")


def test_clear_and_every_event_logged(wf: WorkflowService, db: Database) -> None:
    wf.away_set("UBRAND1", until=T0 + DAY, reason="holiday")
    assert [r["user"] for r in wf.away_list()] == ["UBRAND1"]
    assert wf.away_clear("UBRAND1")["how"] == "cleared"
    assert wf.away_list() == []
    assert wf.get(_submit(wf)).route[0].approvers == ("UBRAND1", "UBRAND2")
    events = [(e.event, e.brand_id) for e in audit_events(db) if e.event in ("away", "back")]
    assert events == [("away", "acme"), ("back", "acme")]
    assert_chain_ok(db)


def test_return_fires_once_on_time(wf: WorkflowService, db: Database) -> None:
    wf.away_set("UBRAND1", until=T0 + DAY)
    assert "returned" not in run_timers(wf, T0 + DAY - timedelta(minutes=1))
    assert wf.away_list() != []
    assert run_timers(wf, T0 + DAY)["returned"] == 1
    assert "returned" not in run_timers(wf, T0 + DAY)
    assert wf.away_list() == []
    back = [json.loads(e.payload) for e in audit_events(db) if e.event == "back"]
    assert [b["how"] for b in back] == ["returned"]
    assert_chain_ok(db)


def test_two_threads_return_once(wf: WorkflowService, db: Database) -> None:
    for user in ("UBRAND1", "ULEGAL1", "ULEGAL2"):
        wf.away_set(user, until=T0 + DAY)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def runner() -> None:
        barrier.wait()
        results.append(run_timers(wf, T0 + DAY))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 2
    assert sum(r.get("returned", 0) for r in results) == 3
    assert [e.event for e in audit_events(db)].count("back") == 3
    assert_chain_ok(db)


def test_two_processes_return_once(
    wf: WorkflowService, db: Database, db_url: str, guidelines_dir: Path
) -> None:
    for user in ("UBRAND1", "ULEGAL1"):
        wf.away_set(user, until=T0 + DAY)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=run_in_process, args=(db_url, str(guidelines_dir), T0 + DAY, barrier, results)
        )
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert all(status == "ok" for status, _ in got), got
    assert sum(counts.get("returned", 0) for _, counts in got) == 2
    assert [e.event for e in audit_events(db)].count("back") == 2
    assert_chain_ok(db)


def test_cli_away_set_list_clear(
    db_url: str, guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))
    until = (datetime.now(UTC) + 3 * DAY).date().isoformat()
    argv = ["away", "set", "--as", "UBRAND1", "--until", until, "--delegate", "ULEGAL1"]
    assert main([*argv, "--reason", "holiday"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["until"] == f"{until}T00:00:00+00:00" and out["delegate"] == "ULEGAL1"
    assert main(["away", "list", "--format", "json"]) == 0
    assert [r["user"] for r in json.loads(capsys.readouterr().out)] == ["UBRAND1"]
    assert main(["away", "list"]) == 0
    table = capsys.readouterr().out
    assert "UBRAND1" in table and "ULEGAL1" in table and "holiday" in table
    assert main(["away", "clear", "--as", "UBRAND1"]) == 0
    assert json.loads(capsys.readouterr().out)["how"] == "cleared"
    assert main(["away", "list"]) == 0
    assert capsys.readouterr().out.strip() == "nobody is away"
    assert main(["away", "set", "--as", "UBRAND1", "--until", "soon"]) == 2
    assert "neither a date" in capsys.readouterr().err
    assert main(["away", "set", "--as", "UBRAND1", "--until", until, "--delegate", "USOLO"]) == 1
    assert "not an approver of brand acme" in capsys.readouterr().err
