"""Two approvers deciding one stage at the same moment: exactly one decision survives."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from sqlalchemy import func, select
from wfhelpers import CLEAN, assert_chain_ok, decide_in_process

from bot.workflow import AlreadyDecided, WorkflowService
from models import Decision
from models.db import Database

ROUNDS = 4


def _decisions(db: Database, draft_id: int) -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Decision).where(Decision.draft_id == draft_id)
            )
            or 0
        )


def _race(service: WorkflowService, draft: int) -> dict[str, str]:
    """UBRAND1 approves and UBRAND2 rejects the same draft, released by one barrier."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(actor: str, decision: str) -> None:
        barrier.wait()
        try:
            service.decide(draft, actor=actor, decision=decision, reason="because")
            outcomes[actor] = "ok"
        except AlreadyDecided as exc:
            outcomes[actor] = str(exc)

    threads = [
        threading.Thread(target=decide, args=("UBRAND1", "approve")),
        threading.Thread(target=decide, args=("UBRAND2", "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_threads_one_decision(service: WorkflowService, db: Database) -> None:
    for _ in range(ROUNDS):
        draft = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN).id
        outcomes = _race(service, draft)
        winners = [a for a, o in outcomes.items() if o == "ok"]
        assert len(winners) == 1, outcomes
        loser = next(a for a in outcomes if a not in winners)
        assert outcomes[loser].startswith(f"already decided by {winners[0]} at ")
        assert _decisions(db, draft) == 1
        expected = "approved" if winners == ["UBRAND1"] else "rejected"
        assert service.get(draft).state == expected
    assert_chain_ok(db)


def test_two_processes_one_decision(
    service: WorkflowService, db: Database, db_url: str, guidelines_dir: Path
) -> None:
    ctx = multiprocessing.get_context("spawn")
    for _ in range(2):
        draft = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN).id
        barrier = ctx.Barrier(2)
        results = ctx.Queue()
        procs = [
            ctx.Process(
                target=decide_in_process,
                args=(db_url, str(guidelines_dir), draft, actor, decision, barrier, results),
            )
            for actor, decision in (("UBRAND1", "approve"), ("UBRAND2", "changes"))
        ]
        for p in procs:
            p.start()
        got = [results.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        statuses = sorted(status for _, status, _ in got)
        assert statuses == ["already", "ok"], got
        winner = next(actor for actor, status, _ in got if status == "ok")
        loser_message = next(msg for _, status, msg in got if status == "already")
        assert loser_message.startswith(f"already decided by {winner} at ")
        assert _decisions(db, draft) == 1
    assert_chain_ok(db)


def test_all_mode_members_deciding_together_both_count(
    service: WorkflowService, db: Database
) -> None:
    draft = service.submit(submitter="UAGENCY1", brand="acme", platform="linkedin", text=CLEAN).id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve(actor: str) -> None:
        barrier.wait()
        try:
            service.approve(draft, actor=actor)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(a,)) for a in ("UBRAND1", "UBRAND2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert service.get(draft).state == "approved"
    assert _decisions(db, draft) == 2
    assert_chain_ok(db)
