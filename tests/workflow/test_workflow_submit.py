from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from wfhelpers import CLEAN, LEGAL, PII, assert_chain_ok, audit_events, outbox_rows

from bot.guidelines.errors import UnknownBrand
from bot.workflow import (
    IdempotencyConflict,
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    NotOverridable,
    WorkflowService,
)
from models import Draft
from models.db import Database


def test_clean_post_is_routed_to_stage_one(service: WorkflowService, db: Database) -> None:
    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    assert view.state == "in_review"
    assert view.verdict == "pass"
    assert view.current_stage == 1
    assert [(s.stage, s.group, s.mode, s.approvers, s.state) for s in view.route] == [
        (1, "brand", "any", ("UBRAND1", "UBRAND2"), "pending")
    ]
    messages = outbox_rows(db, view.id)
    requests = [m for m in messages if m.kind == "review_request"]
    assert sorted(m.recipient for m in requests) == ["UBRAND1", "UBRAND2"]
    assert requests[0].payload["text"] == CLEAN
    assert requests[0].payload["brand_name"] == "Acme Test"
    assert requests[0].payload["diff"] is None
    findings = [m for m in messages if m.kind == "findings"]
    assert [m.recipient for m in findings] == ["UAGENCY1"]
    assert findings[0].payload["state"] == "in_review"
    assert [e.event for e in audit_events(db)] == [
        "guidelines_loaded",
        "submitted",
        "checked",
        "routed",
    ]
    submitted = audit_events(db, view.id)[0]
    assert submitted.actor == "UAGENCY1"
    assert submitted.guidelines_sha256 == view.guidelines_sha256
    assert json.loads(submitted.payload)["text"] == CLEAN
    assert_chain_ok(db)


def test_guidelines_loaded_is_recorded_once_per_version(
    service: WorkflowService, db: Database
) -> None:
    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    service.submit(submitter="UAGENCY2", brand="acme", platform="x", text=CLEAN + " Really.")
    loaded = [e for e in audit_events(db) if e.event == "guidelines_loaded"]
    assert len(loaded) == 1
    assert loaded[0].brand_id == "acme"


def test_error_finding_blocks(service: WorkflowService, db: Database) -> None:
    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL)
    assert view.state == "blocked"
    assert view.verdict == "block"
    assert view.route == ()
    assert [f["rule"] for f in view.findings] == ["no-guarantees"]
    kinds = [m.kind for m in outbox_rows(db, view.id)]
    assert kinds == ["findings"]
    assert_chain_ok(db)


def test_override_routes_a_blocked_draft(service: WorkflowService, db: Database) -> None:
    view = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL)
    view = service.override(view.id, actor="UAGENCY1", reason="Legal cleared this wording")
    assert view.state == "in_review"
    assert view.override_reason == "Legal cleared this wording"
    assert [s.group for s in view.route] == ["legal", "brand"]
    assert [s.state for s in view.route] == ["pending", "waiting"]
    overridden = [e for e in audit_events(db, view.id) if e.event == "overridden"]
    assert json.loads(overridden[0].payload) == {
        "reason": "Legal cleared this wording",
        "rules": ["no-guarantees"],
        "origin": {"via": "unspecified"},  # called directly, not through an adapter
    }
    requests = [m for m in outbox_rows(db, view.id) if m.kind == "review_request"]
    assert sorted(m.recipient for m in requests) == ["ULEGAL1", "ULEGAL2"]
    assert requests[0].payload["override_reason"] == "Legal cleared this wording"


def test_override_refusals(service: WorkflowService, db: Database) -> None:
    pii = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=PII)
    assert pii.state == "blocked"
    with pytest.raises(NotOverridable, match="no-personal-data"):
        service.override(pii.id, actor="UAGENCY1", reason="please")
    assert service.get(pii.id).state == "blocked"
    legal = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=LEGAL)
    with pytest.raises(InvalidRequest, match="reason"):
        service.override(legal.id, actor="UAGENCY1", reason="  ")
    with pytest.raises(NotAllowed, match="only the submitter"):
        service.override(legal.id, actor="UAGENCY2", reason="mine now")
    clean = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    with pytest.raises(InvalidTransition, match="not blocked"):
        service.override(clean.id, actor="UAGENCY1", reason="why not")
    with pytest.raises(NotOverridable):
        service.submit(
            submitter="UAGENCY1", brand="acme", platform="x", text=PII, override_reason="x"
        )
    assert_chain_ok(db)


def test_submit_with_override_reason_routes_directly(service: WorkflowService) -> None:
    view = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        text=LEGAL,
        override_reason="approved claim",
    )
    assert view.state == "in_review"
    assert view.verdict == "block"
    assert view.override_reason == "approved claim"


def test_policy_auto_approves_clean_replies(service: WorkflowService, db: Database) -> None:
    view = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        kind="reply",
        text="Thanks for asking, the jacket is waterproof.",
        context="Is the jacket waterproof?",
    )
    assert view.state == "approved"
    assert view.auto_approved_by == "policy.auto_approve[0]"
    assert view.route == ()
    decided = [e for e in audit_events(db, view.id) if e.event == "decided"]
    assert decided[0].actor == "policy"
    assert json.loads(decided[0].payload)["policy"] == "policy.auto_approve[0]"
    outcome = [m for m in outbox_rows(db, view.id) if m.kind == "outcome"]
    assert outcome[0].recipient == "UAGENCY1"
    assert outcome[0].payload["by_policy"] is True
    # a reply with a warning is not clean: people review it
    warned = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        kind="reply",
        text="It is cheap.",
        context="Is it expensive?",
    )
    assert warned.verdict == "review"
    assert warned.state == "in_review"


def test_overridden_block_never_auto_approves(service: WorkflowService) -> None:
    view = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        kind="reply",
        text="We guarantee a reply today.",
        context="When will you answer me?",
        override_reason="customer care script",
    )
    assert view.state == "in_review"
    assert view.auto_approved_by is None


def test_submitters_outside_the_list_are_refused(service: WorkflowService, db: Database) -> None:
    with pytest.raises(NotAllowed, match="UOUTSIDER may not submit"):
        service.submit(submitter="UOUTSIDER", brand="acme", platform="x", text=CLEAN)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) == 0
    assert audit_events(db) == []


def test_bad_requests(service: WorkflowService) -> None:
    with pytest.raises(UnknownBrand):
        service.submit(submitter="UAGENCY1", brand="nope", platform="x", text=CLEAN)
    with pytest.raises(InvalidRequest, match="platform"):
        service.submit(submitter="UAGENCY1", brand="acme", platform="myspace", text=CLEAN)
    with pytest.raises(InvalidRequest, match="kind"):
        service.submit(submitter="UAGENCY1", brand="acme", platform="x", kind="dm", text=CLEAN)
    with pytest.raises(InvalidRequest, match="empty"):
        service.submit(submitter="UAGENCY1", brand="acme", platform="x", text="   ")


def test_submitter_is_never_an_approver_of_their_own_draft(service: WorkflowService) -> None:
    view = service.submit(submitter="UBRAND1", brand="acme", platform="x", text=CLEAN)
    assert view.route[0].approvers == ("UBRAND2",)
    with pytest.raises(NotAllowed, match="own draft"):
        service.approve(view.id, actor="UBRAND1")


def test_stage_without_eligible_approver_falls_back_to_default(
    service: WorkflowService, db: Database
) -> None:
    # sponsored drafts go to `pr`, whose only member is the submitter here
    view = service.submit(
        submitter="UBRAND1",
        brand="acme",
        platform="x",
        sponsored=True,
        text="#ad Our new jacket keeps you dry.",
    )
    assert [(s.group, s.approvers) for s in view.route] == [("brand", ("UBRAND2",))]
    escalated = [e for e in audit_events(db, view.id) if e.event == "escalated"]
    assert json.loads(escalated[0].payload)["group"] == "pr"


def test_no_eligible_approver_at_all_tells_the_submitter(
    service: WorkflowService, db: Database
) -> None:
    view = service.submit(submitter="USOLO", brand="solo", platform="x", text=CLEAN)
    assert view.state == "submitted"
    assert view.problem and "no eligible approver" in view.problem
    told = [m for m in outbox_rows(db, view.id) if m.kind == "findings"]
    assert told[0].recipient == "USOLO"
    assert "no eligible approver" in told[0].payload["problem"]
    assert [m.kind for m in outbox_rows(db, view.id)] == ["findings"]


def test_idempotency_key_returns_the_same_draft(service: WorkflowService, db: Database) -> None:
    first = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN, idempotency_key="cal-1"
    )
    again = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN, idempotency_key="cal-1"
    )
    assert again.id == first.id and again.replayed and not first.replayed
    # another submitter may use the same key
    other = service.submit(
        submitter="UAGENCY2", brand="acme", platform="x", text=CLEAN, idempotency_key="cal-1"
    )
    assert other.id != first.id
    with pytest.raises(IdempotencyConflict, match="cal-1"):
        service.submit(
            submitter="UAGENCY1", brand="acme", platform="x", text="Other", idempotency_key="cal-1"
        )
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) == 2
    assert len([e for e in audit_events(db) if e.event == "submitted"]) == 2


def test_concurrent_submits_with_one_key_create_one_draft(
    service: WorkflowService, db: Database
) -> None:
    n = 4
    barrier = threading.Barrier(n)
    ids: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            view = service.submit(
                submitter="UAGENCY1",
                brand="acme",
                platform="x",
                text=CLEAN,
                idempotency_key="same",
            )
            ids.append(view.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 1 and len(ids) == n
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) == 1
    assert_chain_ok(db)


def test_origin_is_kept_for_replies_in_thread(service: WorkflowService, db: Database) -> None:
    origin = {"channel": "C1", "thread_ts": "1700000000.0001"}
    view = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN, origin=origin
    )
    assert service.get(view.id).origin == origin
    assert all(m.payload["origin"] == origin for m in outbox_rows(db, view.id))


def test_sqlite_file_and_folder_are_created_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'bg.db'}"
    db = Database(url)
    try:
        assert (tmp_path / "deep" / "er" / "bg.db").exists()
        assert_chain_ok(db)
    finally:
        db.dispose()
