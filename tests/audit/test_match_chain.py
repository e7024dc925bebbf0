"""`audit match` answers from the chain, and says where the editable tables disagree with it;
`audit verify` checks every revision's text against the hash its entry chained."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from models import AuditEntry, Decision, Draft, ReviewStage, Revision
from models.db import Database
from tests.cli.conftest import Ran, run_cli
from tests.engine.support import EN_GUIDELINES, write_guidelines

APPROVED = "Our TrailLite jacket kept three testers dry through a week of autumn rain."
PENDING = "Northwind boots were measured on forty kilometres of rocky trail."
INJECTED = "Our TrailLite jacket is guaranteed to cure colds."


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    write_guidelines(tmp_path, "northwind", EN_GUIDELINES)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(tmp_path))
    db = Database(db_url)
    yield db
    db.dispose()


def _submit(text: str) -> int:
    submit = ["drafts", "submit", "--as", "U0AGENCY", "--brand", "northwind", "--platform", "x"]
    ran = run_cli([*submit, "--format", "json", text])
    assert ran.status == 0, ran.err
    return int(json.loads(ran.out.splitlines()[-1])["id"])


def _approve(draft: int) -> None:
    ran = run_cli(["drafts", "decide", str(draft), "approve", "--as", "U01BRAND1"])
    assert ran.status == 0, ran.err


def _match(text: str) -> tuple[Ran, dict]:
    ran = run_cli(["audit", "match", "--format", "json", text])
    return ran, json.loads(ran.out)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_untouched_tables_agree_with_the_chain(env: Database) -> None:
    draft = _submit(APPROVED)
    _approve(draft)
    ran, found = _match(APPROVED)
    assert ran.status == 0 and found["approved"] and found["disagreements"] == []
    (hit,) = found["matches"]
    assert hit["draft"] == draft and hit["revision"] == 1 and hit["state"] == "approved"
    assert hit["decisions"][0]["actor"] == "U01BRAND1" and hit["approved_at"]
    # every entry that introduces or approves a text carries its sha256
    with env.reading() as session:
        payloads = {
            e.event: json.loads(e.payload)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.draft_id == draft))
        }
    assert payloads["submitted"]["text_sha256"] == _sha(APPROVED)
    assert payloads["decided"]["text_sha256"] == _sha(APPROVED)
    assert run_cli(["audit", "verify"]).status == 0
    text = run_cli(["audit", "match", APPROVED])
    assert text.status == 0 and text.out.startswith(f"APPROVED draft {draft} ")


def test_text_injected_into_the_revisions_table_is_not_approved(env: Database) -> None:
    draft = _submit(APPROVED)
    _approve(draft)
    with env.transaction() as session:
        session.execute(
            update(Revision)
            .where(Revision.draft_id == draft)
            .values(text=INJECTED, text_sha256=_sha(INJECTED))
        )
    ran, found = _match(INJECTED)
    assert ran.status == 1 and not found["approved"] and found["matches"] == []
    assert (
        f"revisions table text differs from the chained hash for draft {draft} r1"
        in found["disagreements"][0]
    )
    # the approved text is still approved along the chain, but the tables are named
    ran, found = _match(APPROVED)
    assert found["matches"][0]["approved"] and ran.status == 1 and found["disagreements"]
    text = run_cli(["audit", "match", INJECTED])
    assert "TABLES DISAGREE: revisions table text differs" in text.out and text.status == 1
    verified = run_cli(["audit", "verify"])
    assert verified.status == 1
    assert f"the revisions table's text of draft {draft} r1 differs" in verified.out
    assert verified.out.startswith("FAIL entry ") and "tables were edited" in verified.out


def test_text_injected_without_its_hash_column_is_found_too(env: Database) -> None:
    draft = _submit(APPROVED)
    _approve(draft)
    with env.transaction() as session:
        session.execute(update(Revision).where(Revision.draft_id == draft).values(text=INJECTED))
    ran, found = _match(INJECTED)
    assert ran.status == 1 and not found["approved"]
    assert any(f"draft {draft} r1" in p for p in found["disagreements"])


def test_an_inserted_decision_row_approves_nothing(env: Database) -> None:
    draft = _submit(PENDING)
    with env.transaction() as session:
        stage = session.scalars(select(ReviewStage).where(ReviewStage.draft_id == draft)).first()
        assert stage is not None
        session.execute(
            insert(Decision).values(
                draft_id=draft,
                stage_id=stage.id,
                revision=1,
                actor="U01BRAND1",
                decision="approve",
                created_at=stage.created_at,
            )
        )
        session.execute(update(Draft).where(Draft.id == draft).values(state="approved"))
    ran, found = _match(PENDING)
    assert ran.status == 1 and not found["approved"]
    assert found["matches"][0]["state"] == "in_review"
    problems = " | ".join(found["disagreements"])
    assert f"drafts table says draft {draft} is approved, the chain says in_review" in problems
    assert f"decisions table has 1 decisions for draft {draft}, the chain 0" in problems


def test_a_deleted_decision_entry_unapproves_and_verify_fails(env: Database) -> None:
    draft = _submit(APPROVED)
    _approve(draft)
    with env.transaction() as session:
        session.execute(
            delete(AuditEntry).where(AuditEntry.draft_id == draft, AuditEntry.event == "decided")
        )
    ran, found = _match(APPROVED)
    assert ran.status == 1 and not found["approved"]
    assert any("drafts table says" in p for p in found["disagreements"])
    assert run_cli(["audit", "verify"]).status == 1


def test_a_revision_row_no_entry_chained_fails_verify(env: Database) -> None:
    draft = _submit(APPROVED)
    with env.transaction() as session:
        first = session.scalars(select(Revision).where(Revision.draft_id == draft)).one()
        session.execute(
            insert(Revision).values(
                draft_id=draft,
                number=2,
                text=INJECTED,
                text_sha256=_sha(INJECTED),
                author="U0AGENCY",
                origin_event="revised",
                check_result={},
                verdict="pass",
                guidelines_sha256=first.guidelines_sha256,
                created_at=first.created_at,
            )
        )
    verified = run_cli(["audit", "verify"])
    assert verified.status == 1
    assert verified.out.startswith(f"FAIL draft {draft} r2: ")
    _, found = _match(INJECTED)
    assert any("no chained entry introduced" in p for p in found["disagreements"])
