"""Crisis pause: approvals and publications refused naming who, when, why; rejections and change
requests go on; nothing auto-approved; everyone told; logged; the chain verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wfhelpers import CLEAN, assert_chain_ok, audit_events, outbox_rows

from bot.cli.main import main
from bot.workflow import WorkflowService
from bot.workflow.errors import NotAllowed
from bot.workflow.pausing import Paused
from models.db import Database


def _submit(service: WorkflowService, **extra) -> int:
    return service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN, **extra).id


def test_pause_refuses_approvals_not_rejections(service: WorkflowService, db: Database) -> None:
    first, second, third = _submit(service), _submit(service), _submit(service)
    service.approve(third, actor="UBRAND1")
    service.pause("acme", actor="UBRAND2", reason="product recall")
    with pytest.raises(Paused, match=r"paused by UBRAND2 since .*\(product recall\)"):
        service.approve(first, actor="UBRAND1")
    with pytest.raises(Paused, match="publications are refused"):
        service.mark_published(third, actor="UAGENCY1", url="https://x.com/p/1")
    assert service.reject(first, actor="UBRAND1", reason="not now").state == "rejected"
    assert service.request_changes(second, actor="UBRAND1", comment="later").state == (
        "changes_requested"
    )
    # submissions are still checked and routed
    assert service.get(_submit(service)).state == "in_review"
    told = {m.recipient for m in outbox_rows(db) if m.kind == "paused"}
    assert {"UBRAND1", "UBRAND2", "ULEGAL1", "UAGENCY1"} <= told
    service.resume("acme", actor="UBRAND1")
    assert service.mark_published(third, actor="UAGENCY1", url="https://x.com/p/1").state == (
        "published"
    )
    events = [e.event for e in audit_events(db)]
    assert "paused" in events and "resumed" in events
    assert {m.recipient for m in outbox_rows(db) if m.kind == "resumed"} >= {"UBRAND1"}
    assert_chain_ok(db)


def test_auto_approval_off_while_paused(service: WorkflowService) -> None:
    reply = {"kind": "reply", "context": "Is it waterproof?"}
    assert service.get(_submit(service, **reply)).state == "approved"  # acme's policy
    service.pause("acme", actor="UBRAND1", reason="crisis")
    assert service.get(_submit(service, **reply)).state == "in_review"


def test_only_approvers_pause(service: WorkflowService) -> None:
    with pytest.raises(NotAllowed, match="only an approver"):
        service.pause("acme", actor="UAGENCY1", reason="x")


def test_cli_pause_and_resume(
    db_url: str, guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))
    assert main(["pause", "acme", "--as", "UBRAND1", "--reason", "recall"]) == 0
    assert json.loads(capsys.readouterr().out)["reason"] == "recall"
    assert main(["resume", "acme", "--as", "UBRAND1"]) == 0
    assert json.loads(capsys.readouterr().out)["paused_by"] == "UBRAND1"
    assert main(["resume", "acme", "--as", "UBRAND1"]) != 0
    assert "not paused" in capsys.readouterr().err
