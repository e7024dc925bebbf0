"""Rules that lived in one adapter, or nowhere, and now live in the workflow (issues 9 and 10)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from wfhelpers import CLEAN, LEGAL, audit_events

from bot.audit import match_text
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.slack.backend import InvalidInput
from bot.slack.workflow_backend import WorkflowBackend
from bot.workflow import InvalidRequest, NotAllowed, WorkflowService
from bot.workflow.preview import preview, preview_draft
from models import Draft
from models.db import Database

ROOT = Path(__file__).resolve().parents[2]


# -- a reply needs the message it answers (was only in the Slack modal) ------------------------


def test_a_reply_without_context_is_refused_by_the_service(service: WorkflowService) -> None:
    for context in (None, "", "   "):
        with pytest.raises(InvalidRequest, match="a reply needs context"):
            service.submit(
                submitter="UAGENCY1",
                brand="acme",
                platform="x",
                kind="reply",
                text="Thanks, it is waterproof.",
                context=context,
            )
    assert service.list() == []  # nothing was stored


def test_a_reply_revised_without_context_is_refused(service: WorkflowService, db: Database) -> None:
    view = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        kind="reply",
        text="It is cheap.",
        context="Is it expensive?",
    )
    with pytest.raises(InvalidRequest, match="a reply needs context"):
        service.revise(view.id, actor="UAGENCY1", text="It is affordable.", context=" ")
    # a reply stored without context before the rule existed must get one to be revised
    with db.transaction() as session:
        row = session.get(Draft, view.id)
        assert row is not None
        row.context = None
    with pytest.raises(InvalidRequest, match="a reply needs context"):
        service.revise(view.id, actor="UAGENCY1", text="It is affordable.")
    revised = service.revise(
        view.id, actor="UAGENCY1", text="It is affordable.", context="Is it expensive?"
    )
    assert revised.revision == 2 and revised.context == "Is it expensive?"


# -- one preview, with no hidden platform ---------------------------------------------------


def test_preview_needs_a_platform(service: WorkflowService, guidelines_dir: Path) -> None:
    with pytest.raises(InvalidRequest, match="platform is required: one of"):
        preview_draft(text=CLEAN, platform=None)
    backend = WorkflowBackend(service, GuidelineStore(guidelines_dir, RULE_TYPES))
    with pytest.raises(InvalidInput, match="platform is required"):
        backend.check(user="UAGENCY1", brand_id="acme", platform=None, text=CLEAN)
    summary = backend.check(user="UBRAND1", brand_id="acme", platform="linkedin", text=LEGAL)
    seen = preview(
        GuidelineStore(guidelines_dir, RULE_TYPES).get("acme"),
        preview_draft(text=LEGAL, platform="linkedin"),
        submitter="UBRAND1",
    )
    assert summary.verdict == seen.result.verdict == "block"
    assert list(summary.route) == seen.route.to_json()
    assert all("UBRAND1" not in s["approvers"] for s in summary.route)  # never the submitter


# -- one normalisation of submitted text ------------------------------------------------------


def test_trailing_whitespace_is_not_part_of_the_text(
    service: WorkflowService, db: Database
) -> None:
    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN + "\n")
    assert view.text == CLEAN
    [found] = match_text(db, CLEAN)  # what `audit match -` looks up after stripping the pipe's \n
    assert found["draft"] == view.id
    revised = service.revise(view.id, actor="UAGENCY1", text="  Dry on every trail. \n\n")
    assert revised.text == "  Dry on every trail."
    edited = service.edit_and_approve(view.id, actor="UBRAND1", text="Dry on every trail.\t\n")
    assert edited.text == "Dry on every trail."
    # the same request with and without the newline is one request for its idempotency key
    first = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text="Hi\n", idempotency_key="k1"
    )
    again = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text="Hi", idempotency_key="k1"
    )
    assert again.replayed and again.id == first.id


# -- every audit entry names the guidelines in force -----------------------------------------


def test_every_entry_carries_the_guidelines_sha256(
    service: WorkflowService, db: Database, guidelines_dir: Path
) -> None:
    sha = GuidelineStore(guidelines_dir, RULE_TYPES).get("acme").sha256
    a = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN).id
    service.delegate(a, actor="UBRAND1", to="ULEGAL1", reason="away")
    service.approve(a, actor="ULEGAL1")
    service.mark_published(a, actor="UAGENCY1", url="https://x.com/p/9")
    b = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL).id
    service.override(b, actor="UAGENCY1", reason="substantiated")
    service.reject(b, actor="ULEGAL2", reason="no")
    c = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN + " Red.").id
    service.request_changes(c, actor="UBRAND2", comment="shorter")
    service.revise(c, actor="UAGENCY1", text="Red and dry.")
    service.withdraw(c, actor="UAGENCY1", reason="campaign cancelled")
    entries = audit_events(db)
    events = {e.event for e in entries}
    assert {"decided", "delegated", "published", "withdrawn", "overridden", "revised"} <= events
    missing = [(e.seq, e.event, e.actor) for e in entries if e.guidelines_sha256 != sha]
    assert missing == []


# -- delegation: only to an approver of the brand, and never a second stage -------------------


def _two_stages(service: WorkflowService) -> int:
    view = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL, override_reason="tested"
    )
    assert [(s.group, s.approvers) for s in view.route] == [
        ("legal", ("ULEGAL1", "ULEGAL2")),
        ("brand", ("UBRAND1", "UBRAND2")),
    ]
    return view.id


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("UAGENCY1", "a submitter never approves their own draft"),
        ("UAGENCY2", "UAGENCY2 is not an approver of brand acme"),  # the agency colleague
        ("UAUDIT", "UAUDIT is not an approver of brand acme"),  # an auditor
        ("USOLO", "USOLO is not an approver of brand acme"),  # approver of another brand
        ("U01BRAND9", "U01BRAND9 is not an approver of brand acme"),  # nobody known
        ("UBRAND1", "UBRAND1 approves at stage 2 .brand. of draft"),  # the next stage's
    ],
)
def test_delegation_refused(service: WorkflowService, db: Database, to: str, reason: str) -> None:
    draft = _two_stages(service)
    with pytest.raises(NotAllowed, match=reason):
        service.delegate(draft, actor="ULEGAL1", to=to)
    assert "delegated" not in [e.event for e in audit_events(db, draft)]
    assert service.get(draft).route[0].approvers == ("ULEGAL1", "ULEGAL2")


def test_who_decided_a_stage_takes_no_seat_on_another(service: WorkflowService) -> None:
    draft = _two_stages(service)
    service.approve(draft, actor="ULEGAL1")
    with pytest.raises(NotAllowed, match="ULEGAL1 already decided stage 1"):
        service.delegate(draft, actor="UBRAND1", to="ULEGAL1")
    with pytest.raises(NotAllowed, match="ULEGAL2 approves at stage 1"):
        service.delegate(draft, actor="UBRAND1", to="ULEGAL2")


def test_nobody_decides_two_stages_when_routed_to_both(service: WorkflowService) -> None:
    # legal, then brand, then pr: UBRAND1 is the only member of pr and also sits on brand
    view = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        text=LEGAL,
        sponsored=True,
        override_reason="tested",
    )
    assert [s.group for s in view.route] == ["legal", "brand", "pr"]
    service.approve(view.id, actor="ULEGAL1")
    view = service.approve(view.id, actor="UBRAND1")
    assert view.current_stage == 3
    with pytest.raises(NotAllowed, match="UBRAND1 already decided stage 2"):
        service.approve(view.id, actor="UBRAND1")
    # the stage falls back to routing.default (brand) without who decided already
    assert view.route[2].approvers == ("UBRAND2",)
    assert service.approve(view.id, actor="UBRAND2").state == "approved"


# -- the models know nothing of the application --------------------------------------------


def test_models_import_nothing_of_the_application() -> None:
    code = (
        "import sys, models, models.db, models.migrate\n"
        "print(sorted(m for m in sys.modules if m == 'bot' or m.startswith('bot.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"
    env = ast.parse((ROOT / "models" / "migrations" / "env.py").read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(env)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in imported if m and (m == "bot" or m.startswith("bot."))]
