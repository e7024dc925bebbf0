"""`can_decide` (the read-only twin of `decide`) and idempotency keys on revise/override/decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from wfhelpers import CLEAN, LEGAL, PII, audit_events, outbox_rows

from bot.workflow import (
    AlreadyDecided,
    IdempotencyConflict,
    InvalidTransition,
    NotAllowed,
    UnknownDraft,
    WorkflowService,
)
from models import Decision, IdempotencyKey, Revision
from models.db import Database


def _submit(service: WorkflowService, text: str = CLEAN, **kw: Any) -> int:
    args: dict[str, Any] = {"submitter": "UAGENCY1", "brand": "acme", "platform": "x"}
    args.update(kw)
    return service.submit(text=text, **args).id


def _count(db: Database, model: Any) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _writes(db: Database) -> tuple[int, int, int, int]:
    """Everything a workflow write leaves behind."""
    return (
        _count(db, Revision),
        _count(db, Decision),
        len(outbox_rows(db)),
        len(audit_events(db)),
    )


# -- can_decide -------------------------------------------------------------------------------


def _same_refusal(
    service: WorkflowService, db: Database, draft: int, actor: str, **kw: Any
) -> type[Exception]:
    """can_decide raises the very exception decide raises, and writes nothing."""
    before = _writes(db)
    with pytest.raises(Exception) as asked:
        service.can_decide(draft, actor=actor, **kw)
    assert _writes(db) == before
    with pytest.raises(type(asked.value)) as decided:
        service.decide(draft, actor=actor, decision="approve", **kw)
    assert str(decided.value) == str(asked.value)
    assert _writes(db) == before
    return type(asked.value)


def test_can_decide_lets_an_assigned_approver_through(service: WorkflowService, db: Database):
    draft = _submit(service)
    before = _writes(db)
    view = service.can_decide(draft, actor="UBRAND1", expected_revision=1)
    assert (view.id, view.state, view.revision) == (draft, "in_review", 1)
    assert _writes(db) == before


def test_can_decide_refuses_like_decide(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    assert _same_refusal(service, db, draft, "USTRANGER") is NotAllowed
    assert _same_refusal(service, db, draft, "UAGENCY1") is NotAllowed  # own draft
    assert _same_refusal(service, db, draft, "UBRAND1", expected_revision=7) is InvalidTransition
    service.approve(draft, actor="UBRAND1")
    assert _same_refusal(service, db, draft, "UBRAND2") is AlreadyDecided
    blocked = _submit(service, LEGAL.replace("We", "Honestly we"))
    assert service.get(blocked).state == "blocked"
    assert _same_refusal(service, db, blocked, "ULEGAL1") is InvalidTransition
    with pytest.raises(UnknownDraft):
        service.can_decide(99_999, actor="UBRAND1")


def test_can_decide_names_the_winner(service: WorkflowService) -> None:
    draft = _submit(service)
    service.reject(draft, actor="UBRAND2", reason="off brand")
    with pytest.raises(AlreadyDecided) as info:
        service.can_decide(draft, actor="UBRAND1")
    assert (info.value.by, info.value.decision) == ("UBRAND2", "reject")


# -- idempotency keys -------------------------------------------------------------------------


def _replays(db: Database, call: Callable[[], Any]) -> Any:
    first = call()
    assert not first.replayed
    after_first = _writes(db)
    again = call()
    assert again.replayed
    assert _writes(db) == after_first
    return first, again


def test_decide_with_a_key_decides_once(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    first, again = _replays(
        db,
        lambda: service.reject(draft, actor="UBRAND1", reason="no", idempotency_key="view:V1"),
    )
    assert (again.id, again.state) == (first.id, "rejected")
    assert again.decision is not None and first.decision is not None
    assert again.decision["decision"] == first.decision["decision"] == "reject"
    assert again.decision["actor"] == "UBRAND1"
    with pytest.raises(IdempotencyConflict, match="view:V1"):
        service.reject(draft, actor="UBRAND1", reason="other", idempotency_key="view:V1")
    # without the key, the same call is refused: the key is what makes it a replay
    with pytest.raises(AlreadyDecided):
        service.reject(draft, actor="UBRAND1", reason="no")


def test_approve_key_shortcut_and_edit(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    text = "Our new jacket keeps you dry on every single trail."
    _replays(
        db,
        lambda: service.edit_and_approve(
            draft, actor="UBRAND2", text=text, expected_revision=1, idempotency_key="k"
        ),
    )
    view = service.get(draft)
    assert (view.state, view.revision, view.text) == ("approved", 2, text)


def test_revise_with_a_key_adds_one_revision(service: WorkflowService, db: Database) -> None:
    draft = _submit(service)
    service.request_changes(draft, actor="UBRAND1", comment="warmer")
    text = "Our new jacket keeps you warm and dry on every trail."
    first, again = _replays(
        db, lambda: service.revise(draft, actor="UAGENCY1", text=text, idempotency_key="r1")
    )
    assert first.revision == again.revision == 2
    with pytest.raises(IdempotencyConflict):
        service.revise(draft, actor="UAGENCY1", text=text + "!", idempotency_key="r1")
    # a new key is a new revision
    service.revise(draft, actor="UAGENCY1", text=text + "!", idempotency_key="r2")
    assert service.get(draft).revision == 3


def test_override_with_a_key_routes_once(service: WorkflowService, db: Database) -> None:
    draft = _submit(service, LEGAL)
    assert service.get(draft).state == "blocked"
    first, again = _replays(
        db,
        lambda: service.override(draft, actor="UAGENCY1", reason="legal ok'd", idempotency_key="o"),
    )
    assert first.state == again.state == "in_review"


def test_keys_are_per_actor_and_refusals_leave_no_key(service: WorkflowService, db: Database):
    draft = _submit(service, PII)
    with pytest.raises(NotAllowed):
        service.override(draft, actor="UAGENCY1", reason="fine", idempotency_key="o")
    assert _count(db, IdempotencyKey) == 0
    other = _submit(service)
    service.approve(other, actor="UBRAND1", idempotency_key="same")
    with pytest.raises(AlreadyDecided):  # UBRAND2's "same" is its own, unused key
        service.approve(other, actor="UBRAND2", idempotency_key="same")
