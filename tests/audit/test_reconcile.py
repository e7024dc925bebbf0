"""`audit reconcile`: published posts (English and Italian) against approved revisions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from models import AuditEntry, RevisionSignature, SignatureBand
from models.db import Database
from tests.cli.conftest import run_cli
from tests.engine.support import EN_GUIDELINES, IT_GUIDELINES, write_guidelines

EN = "Our TrailLite jacket kept three testers dry through a week of autumn rain in the hills."
EN_2 = "Northwind boots were measured on forty kilometres of rocky trail with no blisters."
DISGUISED = EN.replace("a", "\u0430", 2).replace("dry", "d\u200bry")
SPACED = "  " + EN.replace(" ", "   ", 3) + "\n"
EDITED = EN.replace("three", "ten").replace("dry", "warm")
IT = "La nostra giacca ha tenuto asciutti tre tester per una settimana di pioggia autunnale."


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_guidelines(tmp_path, "northwind", EN_GUIDELINES)
    write_guidelines(tmp_path, "italia", IT_GUIDELINES)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(tmp_path))
    return tmp_path


def _approve(brand: str, approver: str, text: str) -> int:
    ran = run_cli(
        [
            "drafts",
            "submit",
            "--as",
            "U0AGENCY",
            "--brand",
            brand,
            "--platform",
            "x",
            "--format",
            "json",
            text,
        ]
    )
    assert ran.status == 0, ran.err
    draft = json.loads(ran.out.splitlines()[-1])["id"]
    ran = run_cli(["drafts", "decide", str(draft), "approve", "--as", approver])
    assert ran.status == 0, ran.err
    return int(draft)


def _reconcile(brand: str, path: Path) -> tuple[int, list[dict]]:
    ran = run_cli(["audit", "reconcile", "--brand", brand, str(path)])
    return ran.status, [json.loads(line) for line in ran.out.splitlines()]


def test_english_posts_from_an_x_export(env: Path, db_url: str) -> None:
    first = _approve("northwind", "U01BRAND1", EN)
    second = _approve("northwind", "U01BRAND1", EN_2)
    path = env / "x.csv"
    # X's own export columns; whitespace changed; a disguised copy (Cyrillic а, zero-width);
    # an edited post; an unknown post
    path.write_text(
        "Tweet id,Tweet permalink,Tweet text,time\n"
        f'1,https://x.com/n/1,"{EN}",2026-11-02\n'
        f'2,https://x.com/n/2,"{SPACED}",2026-11-02\n'
        f'3,https://x.com/n/3,"{DISGUISED}",x\n'
        f'4,https://x.com/n/4,"{EDITED}",x\n'
        '5,https://x.com/n/5,"Buy our cheap miracle jacket now!",x\n',
        encoding="utf-8",
    )
    status, lines = _reconcile("northwind", path)
    assert status == 1
    assert [r["status"] for r in lines] == [
        "approved",
        "approved",
        "approved",
        "altered",
        "unapproved",
        "unpublished",
    ]
    assert lines[0]["draft"] == first and lines[0]["url"] == "https://x.com/n/1"
    assert lines[3]["draft"] == first and "[-three-] {+ten+}" in lines[3]["diff"]
    assert 0.3 <= lines[3]["similarity"] < 1
    assert lines[4]["draft"] is None and lines[5]["draft"] == second
    db = Database(db_url)
    try:
        with db.reading() as session:
            entry = session.scalars(
                select(AuditEntry).where(AuditEntry.event == "reconciled")
            ).one()
        payload = json.loads(entry.payload)
        assert payload["counts"] == {"approved": 3, "altered": 1, "unapproved": 1, "unpublished": 1}
        assert len(payload["file_sha256"]) == 64
    finally:
        db.dispose()


def test_italian_posts_all_approved_exit_0(env: Path) -> None:
    draft = _approve("italia", "U02BRAND1", IT)
    path = env / "ig.jsonl"
    path.write_text(json.dumps({"caption": IT.upper(), "permalink": "https://ig/p/1"}) + "\n")
    status, lines = _reconcile("italia", path)
    assert status == 0 and lines[0]["status"] == "approved" and lines[0]["draft"] == draft


def test_bad_input_is_exit_2(env: Path) -> None:
    path = env / "bad.jsonl"
    path.write_text('{"url": "https://x"}\n')
    ran = run_cli(["audit", "reconcile", "--brand", "northwind", str(path)])
    assert ran.status == 2 and "text" in ran.err and "Traceback" not in ran.err


IT_2 = "Gli scarponi Northwind sono stati provati su quaranta chilometri di sentiero roccioso."


def test_italian_posts_of_every_kind(env: Path) -> None:
    first = _approve("italia", "U02BRAND1", IT)
    second = _approve("italia", "U02BRAND1", IT_2)
    disguised = IT.replace("o", "\u043e", 3).replace("giacca", "gia\u200bcca")
    edited = IT.replace("tre", "dieci").replace("settimana", "estate")
    rows = [
        {"caption": IT, "permalink": "https://ig/p/1", "publish time": "2026-11-02 10:00"},
        {"caption": "\n" + IT.replace(" ", "\t ", 2) + "  "},
        {"caption": disguised},
        {"caption": edited},
        {"caption": "Offerta imperdibile: la giacca miracolosa a metà prezzo!"},
    ]
    path = env / "instagram.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    status, lines = _reconcile("italia", path)
    assert status == 1
    assert [(r["status"], r["draft"]) for r in lines] == [
        ("approved", first),
        ("approved", first),
        ("approved", first),
        ("altered", first),
        ("unapproved", None),
        ("unpublished", second),
    ]
    assert lines[0]["url"] == "https://ig/p/1" and lines[0]["published_at"] == "2026-11-02 10:00"
    assert "[-tre-] {+dieci+}" in lines[3]["diff"] and lines[3]["similarity"] < 1


def test_period_chooses_which_approved_drafts_count_as_unpublished(env: Path, db_url: str) -> None:
    draft = _approve("northwind", "U01BRAND1", EN)
    path = env / "none.jsonl"
    path.write_text(json.dumps({"text": "Something else entirely, never submitted."}) + "\n")
    today = datetime.now(UTC).date()
    ran = run_cli(["audit", "reconcile", "--brand", "northwind", "--since", str(today), str(path)])
    assert [json.loads(x)["status"] for x in ran.out.splitlines()] == ["unapproved", "unpublished"]
    assert json.loads(ran.out.splitlines()[1])["draft"] == draft
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    for bounds in (["--since", str(tomorrow)], ["--until", str(yesterday)]):
        ran = run_cli(["audit", "reconcile", "--brand", "northwind", *bounds, str(path)])
        assert [json.loads(x)["status"] for x in ran.out.splitlines()] == ["unapproved"], bounds
    ran = run_cli(["audit", "reconcile", "--brand", "northwind", "--since", "soon", str(path)])
    assert ran.status == 2 and "not a date" in ran.err
    db = Database(db_url)
    try:
        with db.reading() as session:
            last = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.event == "reconciled")
                .order_by(AuditEntry.seq.desc())
            ).first()
        assert last is not None
        payload = json.loads(last.payload)
        assert payload["period"]["until"].startswith(str(today))  # the whole day before
        assert payload["origin"]["via"] == "cli"
    finally:
        db.dispose()


def test_revisions_the_duplicate_check_never_indexed_are_still_near_matched(
    env: Path, db_url: str
) -> None:
    draft = _approve("northwind", "U01BRAND1", EN)
    db = Database(db_url)
    try:
        with db.transaction() as session:
            session.execute(delete(SignatureBand))
            session.execute(delete(RevisionSignature))
    finally:
        db.dispose()
    path = env / "edited.jsonl"
    path.write_text(json.dumps({"text": EDITED}) + "\n")
    status, lines = _reconcile("northwind", path)
    assert status == 1 and lines[0]["status"] == "altered" and lines[0]["draft"] == draft
