from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from wfhelpers import CLEAN, LEGAL, assert_chain_ok, audit_events, outbox_rows

from bot.audit import draft_history, match_text
from bot.workflow import (
    AlreadyDecided,
    Blocked,
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    UnknownDraft,
    WorkflowService,
)
from models import Decision, Revision
from models.db import Database


def _submit(service: WorkflowService, text: str = CLEAN, **kw: object) -> int:
    args: dict[str, object] = {
        "submitter": "UAGENCY1",
        "brand": "acme",
        "platform": "x",
        "text": text,
    }
    args.update(kw)
    return service.submit(**args).id  # type: ignore[arg-type]


def test_approve(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    view = service.approve(draft, actor="UBRAND2")
    assert view.state == "approved"
    assert view.decision is not None and view.decision["actor"] == "UBRAND2"
    assert view.route[0].state == "approved"
    rows = outbox_rows(db, draft)
    settled = [m for m in rows if m.kind == "decision_made"]
    assert sorted(m.recipient for m in settled) == ["UBRAND1", "UBRAND2"]
    assert settled[0].payload["replaces"].startswith("review_request:")
    outcome = [m for m in rows if m.kind == "outcome"]
    assert outcome[0].recipient == "UAGENCY1"
    assert outcome[0].payload["outcome"] == "approved"
    assert outcome[0].payload["decided_by"] == "UBRAND2"
    assert_chain_ok(db)


def test_second_approver_is_told_who_decided(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    service.approve(draft, actor="UBRAND1")
    with pytest.raises(AlreadyDecided, match=r"already decided by UBRAND1 at 20\d\d-") as info:
        service.reject(draft, actor="UBRAND2", reason="too late")
    assert info.value.by == "UBRAND1"
    with db.reading() as session:
        assert len(session.scalars(select(Decision)).all()) == 1


def test_reject_needs_a_reason_and_ends_the_round(service: WorkflowService, db: Database) -> None:
    draft = _submit(service, LEGAL, override_reason="cleared")
    with pytest.raises(InvalidRequest, match="reason"):
        service.reject(draft, actor="ULEGAL1", reason="")
    view = service.reject(draft, actor="ULEGAL1", reason="Not a claim we can make")
    assert view.state == "rejected"
    assert [s.state for s in view.route] == ["rejected", "cancelled"]
    outcome = [m for m in outbox_rows(db, draft) if m.kind == "outcome"]
    assert outcome[0].payload["reason"] == "Not a claim we can make"
    with pytest.raises(InvalidTransition, match="rejected"):
        service.revise(draft, actor="UAGENCY1", text=CLEAN)


def test_changes_then_revise_goes_back_to_review_with_a_diff(
    service: WorkflowService, db: Database
) -> None:
    draft = _submit(service)
    with pytest.raises(InvalidRequest, match="comment"):
        service.request_changes(draft, actor="UBRAND1", comment=" ")
    view = service.request_changes(draft, actor="UBRAND1", comment="Mention the hood")
    assert view.state == "changes_requested"
    revised = CLEAN.replace("jacket", "hooded jacket")
    view = service.revise(draft, actor="UAGENCY1", text=revised)
    assert view.state == "in_review"
    assert view.revision == 2
    assert view.text == revised
    assert view.route[0].state == "pending"
    requests = [m for m in outbox_rows(db, draft) if m.kind == "review_request"]
    latest = [m for m in requests if m.revision == 2]
    assert sorted(m.recipient for m in latest) == ["UBRAND1", "UBRAND2"]
    diff = latest[0].payload["diff"]
    assert diff["from_revision"] == 1
    assert {"op": "insert", "text": "hooded "} in diff["words"] or any(
        op["op"] == "insert" and "hooded" in op["text"] for op in diff["words"]
    )
    events = [e.event for e in audit_events(db, draft)]
    assert events[-3:] == ["revised", "checked", "routed"]
    # the approver who asked for changes may decide the new round
    assert service.approve(draft, actor="UBRAND1").state == "approved"
    assert_chain_ok(db)


def test_revise_while_in_review_supersedes_the_open_requests(
    service: WorkflowService, db: Database
) -> None:
    draft = _submit(service)
    view = service.revise(draft, actor="UAGENCY1", text=CLEAN + " Tested in rain.")
    assert view.revision == 2 and view.state == "in_review"
    superseded = [
        m for m in outbox_rows(db, draft) if m.kind == "decision_made" and m.revision == 1
    ]
    assert sorted(m.recipient for m in superseded) == ["UBRAND1", "UBRAND2"]
    assert superseded[0].payload["decision"] == "superseded"
    # a click on the old message is refused: the text changed
    with pytest.raises(InvalidTransition, match="revision 2"):
        service.approve(draft, actor="UBRAND1", expected_revision=1)
    assert service.approve(draft, actor="UBRAND1", expected_revision=2).state == "approved"


def test_revise_into_a_block_and_back(service: WorkflowService) -> None:
    draft = _submit(service)
    view = service.revise(draft, actor="UAGENCY1", text=LEGAL)
    assert view.state == "blocked"
    assert view.route == ()
    view = service.revise(draft, actor="UAGENCY1", text=CLEAN)
    assert view.state == "in_review" and view.revision == 3
    with pytest.raises(NotAllowed, match="only the submitter"):
        service.revise(draft, actor="UAGENCY2", text=CLEAN)


def test_edit_and_approve_creates_a_rechecked_revision(
    service: WorkflowService, db: Database
) -> None:
    draft = _submit(service, "Our cheap jacket keeps you dry.")
    view = service.edit_and_approve(
        draft, actor="UBRAND2", text="Our affordable jacket keeps you dry."
    )
    assert view.state == "approved"
    assert view.revision == 2
    assert view.verdict == "pass"
    with db.reading() as session:
        rev = session.scalars(
            select(Revision).where(Revision.draft_id == draft, Revision.number == 2)
        ).one()
        assert rev.author == "UBRAND2"
        assert rev.origin_event == "edited"
    events = [e.event for e in audit_events(db, draft)]
    assert events[-3:] == ["edited", "checked", "decided"]
    assert view.decision is not None and view.decision["decision"] == "edit_approve"
    assert_chain_ok(db)


def test_blocked_edit_is_refused_unless_overridden(service: WorkflowService) -> None:
    draft = _submit(service)
    with pytest.raises(Blocked) as info:
        service.edit_and_approve(draft, actor="UBRAND1", text=LEGAL)
    assert info.value.findings[0]["rule"] == "no-guarantees"
    assert service.get(draft).revision == 1
    view = service.edit_and_approve(draft, actor="UBRAND1", text=LEGAL, override_reason="ok'd")
    assert view.state == "approved" and view.revision == 2


def test_multi_stage_any_mode(service: WorkflowService, db: Database) -> None:
    draft = _submit(service, LEGAL, override_reason="cleared")
    with pytest.raises(NotAllowed, match="opens after stage 1"):
        service.approve(draft, actor="UBRAND1")
    view = service.approve(draft, actor="ULEGAL2")
    assert view.state == "in_review" and view.current_stage == 2
    assert [s.state for s in view.route] == ["approved", "pending"]
    requests = [m for m in outbox_rows(db, draft) if m.kind == "review_request"]
    stage2 = [m for m in requests if m.payload["stage"] == 2]
    assert sorted(m.recipient for m in stage2) == ["UBRAND1", "UBRAND2"]
    assert stage2[0].payload["earlier"][0]["actor"] == "ULEGAL2"
    with pytest.raises(AlreadyDecided, match="ULEGAL2"):
        service.approve(draft, actor="ULEGAL1")
    view = service.approve(draft, actor="UBRAND1")
    assert view.state == "approved"
    assert [s.state for s in view.route] == ["approved", "approved"]


def test_all_mode_needs_every_eligible_member(service: WorkflowService, db: Database) -> None:
    draft = _submit(service, platform="linkedin")
    view = service.get(draft)
    assert [(s.group, s.mode) for s in view.route] == [("brand", "all")]
    view = service.approve(draft, actor="UBRAND1")
    assert view.state == "in_review" and view.route[0].state == "pending"
    with pytest.raises(AlreadyDecided, match="UBRAND1"):
        service.approve(draft, actor="UBRAND1")
    view = service.approve(draft, actor="UBRAND2")
    assert view.state == "approved"
    assert len(view.route[0].decisions) == 2


def test_all_mode_one_rejection_is_enough(service: WorkflowService) -> None:
    draft = _submit(service, platform="linkedin")
    service.approve(draft, actor="UBRAND1")
    view = service.reject(draft, actor="UBRAND2", reason="off-brand")
    assert view.state == "rejected"


def test_strangers_and_bad_input(service: WorkflowService) -> None:
    draft = _submit(service)
    with pytest.raises(NotAllowed, match="not an assigned approver"):
        service.approve(draft, actor="UNOBODY")
    with pytest.raises(NotAllowed, match="own draft"):
        service.approve(draft, actor="UAGENCY1")
    with pytest.raises(UnknownDraft, match="no draft with id 999"):
        service.approve(999, actor="UBRAND1")
    with pytest.raises(InvalidRequest, match="unknown decision"):
        service.decide(draft, actor="UBRAND1", decision="maybe")


def test_withdraw(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    with pytest.raises(NotAllowed):
        service.withdraw(draft, actor="UBRAND1")
    view = service.withdraw(draft, actor="UAGENCY1", reason="campaign cancelled")
    assert view.state == "withdrawn"
    assert view.route[0].state == "cancelled"
    settled = [m for m in outbox_rows(db, draft) if m.kind == "decision_made"]
    assert sorted(m.recipient for m in settled) == ["UBRAND1", "UBRAND2"]
    assert settled[0].payload["decision"] == "withdrawn"
    with pytest.raises(InvalidTransition, match="withdrawn"):
        service.approve(draft, actor="UBRAND1")
    with pytest.raises(InvalidTransition):
        service.withdraw(draft, actor="UAGENCY1")
    approved = _submit(service)
    service.approve(approved, actor="UBRAND1")
    with pytest.raises(InvalidTransition, match="approved"):
        service.withdraw(approved, actor="UAGENCY1")


def test_mark_published(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    with pytest.raises(InvalidTransition, match="not approved"):
        service.mark_published(draft, actor="UAGENCY1", url="https://x.com/acme/1")
    service.approve(draft, actor="UBRAND1")
    with pytest.raises(InvalidRequest, match="URL"):
        service.mark_published(draft, actor="UAGENCY1", url="x.com/acme/1")
    with pytest.raises(NotAllowed):
        service.mark_published(draft, actor="UNOBODY", url="https://x.com/acme/1")
    view = service.mark_published(draft, actor="UAGENCY1", url="https://x.com/acme/1")
    assert view.state == "published" and view.published_url == "https://x.com/acme/1"
    with pytest.raises(InvalidTransition, match="already published"):
        service.mark_published(draft, actor="UAGENCY1", url="https://x.com/acme/2")
    with pytest.raises(AlreadyDecided, match="UBRAND1"):
        service.approve(draft, actor="UBRAND2")
    published = [e for e in audit_events(db, draft) if e.event == "published"]
    assert json.loads(published[0].payload)["url"] == "https://x.com/acme/1"


def test_delegate(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    with pytest.raises(NotAllowed, match="own draft"):
        service.delegate(draft, actor="UBRAND1", to="UAGENCY1")
    # any approver of the brand may take the seat, here one from another group
    view = service.delegate(draft, actor="UBRAND1", to="ULEGAL1", reason="on leave")
    assert view.route[0].approvers == ("UBRAND2", "ULEGAL1")
    request = [m for m in outbox_rows(db, draft) if m.recipient == "ULEGAL1"]
    assert request[0].kind == "review_request"
    assert request[0].payload["delegated_from"] == "UBRAND1"
    with pytest.raises(NotAllowed):
        service.approve(draft, actor="UBRAND1")
    assert service.approve(draft, actor="ULEGAL1").state == "approved"
    assert "delegated" in [e.event for e in audit_events(db, draft)]


def test_list_show_history_and_match(service: WorkflowService, db: Database) -> None:
    a = _submit(service)
    b = _submit(service, "Our cheap jacket keeps you dry.", brand="acme")
    c = _submit(service, "Another clean post about our jacket.")
    service.approve(a, actor="UBRAND1")
    service.edit_and_approve(b, actor="UBRAND2", text="Our affordable jacket keeps you dry.")
    assert [d["id"] for d in service.list(state="approved")] == [b, a]
    assert [d["id"] for d in service.list(approver="UBRAND1")] == [c]
    assert service.list(brand="solo") == []
    with pytest.raises(InvalidRequest):
        service.list(state="limbo")
    full = service.get(b)
    assert [r.number for r in full.revisions] == [1, 2]
    assert full.to_json(full=True)["revisions"][1]["author"] == "UBRAND2"
    history = draft_history(db, b)
    assert [e["event"] for e in history] == [
        "submitted",
        "checked",
        "routed",
        "edited",
        "checked",
        "decided",
    ]
    hit = match_text(db, "Our affordable jacket keeps you dry.")
    assert len(hit) == 1 and hit[0]["approved"] is True
    assert hit[0]["decisions"][0]["actor"] == "UBRAND2"
    original = match_text(db, "Our cheap jacket keeps you dry.")
    assert original[0]["approved"] is False  # that text was edited before approval
    assert match_text(db, "never written") == []
    assert service.counts() == {"approved": 2, "in_review": 1}


def test_edit_in_an_all_stage_asks_the_others_again(service: WorkflowService, db: Database) -> None:
    draft = _submit(service, platform="linkedin")
    view = service.edit_and_approve(draft, actor="UBRAND1", text=CLEAN + " Tested in rain.")
    assert view.state == "in_review" and view.revision == 2
    again = [
        m
        for m in outbox_rows(db, draft)
        if m.kind == "review_request" and m.recipient == "UBRAND2" and m.revision == 2
    ]
    assert len(again) == 1
    assert again[0].payload["diff"]["from_revision"] == 1
    assert service.approve(draft, actor="UBRAND2", expected_revision=2).state == "approved"
    settled = [
        m for m in outbox_rows(db, draft) if m.kind == "decision_made" and m.recipient == "UBRAND2"
    ]
    assert settled[-1].payload["replaces"] == again[0].dedupe_key
