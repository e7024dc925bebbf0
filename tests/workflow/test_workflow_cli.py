"""The CLI adapter: `brandgate drafts ...`, `brandgate audit ...`, `brandgate db upgrade`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import update
from wfhelpers import CLEAN, LEGAL

from bot.cli.main import main
from models import AuditEntry
from models.db import Database


@pytest.fixture
def cli(
    db_url: str,
    guidelines_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_db_upgrade(cli, db_url: str) -> None:
    status, out, _ = cli("db", "upgrade")
    assert status == 0
    assert "is at revision" in out
    assert "(latest)" in out


def test_submit_decide_and_exit_codes(cli) -> None:
    base = ("drafts", "submit", "--as", "UAGENCY1", "--brand", "acme", "--platform", "x")
    status, out, _ = cli(*base, CLEAN, "--format", "json")
    assert status == 0
    data = _json(out)
    assert {"id", "state", "verdict", "route"} <= set(data)
    assert data["state"] == "in_review" and data["verdict"] == "pass"
    assert data["route"][0]["approvers"] == ["UBRAND1", "UBRAND2"]
    draft = str(data["id"])

    status, out, err = cli(*base, LEGAL, "--format", "json")
    assert status == 1  # blocked
    assert _json(out)["state"] == "blocked"

    status, _, err = cli(
        "drafts", "submit", "--as", "UOUT", "--brand", "acme", "--platform", "x", CLEAN
    )
    assert status == 1 and "may not submit" in err
    status, _, err = cli(*base[:-2], "--platform", "x", "--brand", "nope", CLEAN)
    assert status == 2 and "unknown brand" in err
    status, _, err = cli("drafts", "submit", "--as", "UAGENCY1", "--platform", "x", CLEAN)
    assert status == 2 and "--brand" in err

    status, out, _ = cli(
        "drafts", "decide", draft, "approve", "--as", "UBRAND1", "--format", "json"
    )
    assert status == 0
    decided = _json(out)
    assert {"id", "state", "decision"} <= set(decided)
    assert decided["state"] == "approved" and decided["decision"] == "approve"

    status, out, err = cli(
        "drafts", "decide", draft, "reject", "--as", "UBRAND2", "--reason", "no", "--format", "json"
    )
    assert status == 1
    assert err.startswith("brandgate: already decided by UBRAND1 at ")
    assert _json(out)["by"] == "UBRAND1"
    status, _, err = cli("drafts", "decide", draft, "reject", "--as", "UBRAND2")
    assert status == 2 and "reason" in err
    status, _, err = cli("drafts", "decide", "999", "approve", "--as", "UBRAND2")
    assert status == 2 and "no draft with id 999" in err
    status, _, _ = cli("drafts", "decide", "abc", "approve", "--as", "UBRAND2")
    assert status == 2


def test_idempotent_batch_from_csv_and_jsonl(cli, tmp_path: Path) -> None:
    csv_file = tmp_path / "calendar.csv"
    rows_text = f'id,text,platform,sponsored\nc1,"{CLEAN}",x,false\nc2,"{LEGAL}",x,no\n'
    csv_file.write_text(rows_text + "c3,,x,false\n", encoding="utf-8")
    args = ("drafts", "submit", "--as", "UAGENCY1", "--brand", "acme", "--key", "nov")
    status, out, err = cli(*args, "--input", str(csv_file), "--format", "json")
    assert status == 2  # row c3 has no text: the file is refused whole, nothing is submitted
    assert [json.loads(line)["input"] for line in out.splitlines()] == ["c3"]
    assert f"{csv_file}:4: text: required" in err and "nothing submitted" in err
    status, _, err = cli("drafts", "list")
    assert status == 2 and "database at" in err  # the refused file did not even create it

    csv_file.write_text(rows_text + f'c3,"{CLEAN} Now in blue.",x,false\n', encoding="utf-8")
    status, out, _ = cli(*args, "--input", str(csv_file), "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1  # c2 is blocked
    assert [r.get("input") for r in rows] == ["c1", "c2", "c3"]
    assert rows[0]["state"] == "in_review" and rows[1]["state"] == "blocked"
    again = cli(*args, "--input", str(csv_file), "--format", "json")[1]
    rerun = [json.loads(line) for line in again.splitlines()]
    assert [r["id"] for r in rerun] == [r["id"] for r in rows]
    assert all(r["replayed"] for r in rerun)

    jsonl = tmp_path / "more.jsonl"
    good = json.dumps(
        {
            "id": "j1",
            "text": "Thanks, it is waterproof.",
            "kind": "reply",
            "context": "Is the jacket waterproof?",
        }
    )
    jsonl.write_text(good + "\nnot json\n", encoding="utf-8")
    batch = (*args[:-2], "--platform", "x", "--input", str(jsonl), "--format", "json")
    status, out, err = cli(*batch)
    assert status == 2 and f"{jsonl}:2: not valid JSON" in err
    jsonl.write_text(good + "\n", encoding="utf-8")
    status, out, _ = cli(*batch)
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["state"] == "approved" and lines[0]["auto_approved_by"]
    assert status == 0


def test_list_show_and_audit_commands(cli, db_url: str) -> None:
    base = ("drafts", "submit", "--as", "UAGENCY1", "--brand", "acme", "--platform", "x")
    first = _json(cli(*base, CLEAN, "--format", "json")[1])["id"]
    second = _json(cli(*base, "Our cheap jacket keeps you dry.", "--format", "json")[1])["id"]
    assert cli("drafts", "decide", str(first), "approve", "--as", "UBRAND2")[0] == 0
    status, _, _ = cli(
        "drafts",
        "decide",
        str(second),
        "edit",
        "--as",
        "UBRAND1",
        "--text",
        "Our affordable jacket keeps you dry.",
    )
    assert status == 0

    status, out, _ = cli("drafts", "list", "--state", "approved", "--format", "json")
    assert status == 0 and [d["id"] for d in json.loads(out)] == [second, first]
    status, out, _ = cli("drafts", "list")
    assert status == 0 and "approved" in out
    status, out, _ = cli("drafts", "show", str(second), "--format", "json")
    shown = json.loads(out)
    assert [r["author"] for r in shown["revisions"]] == ["UAGENCY1", "UBRAND1"]
    status, out, _ = cli("drafts", "show", str(second))
    assert "revision 2 by UBRAND1 (edited" in out

    status, out, _ = cli("audit", "verify")
    assert status == 0 and re.fullmatch(r"OK \d+ entries, head [0-9a-f]{64}", out.strip())
    status, out, _ = cli("audit", "show", str(second))
    assert status == 0 and "edited" in out and "decided" in out
    status, out, _ = cli("audit", "show", str(second), "--format", "json")
    assert [e["event"] for e in json.loads(out)][-1] == "decided"

    status, out, _ = cli(
        "audit", "match", "Our affordable jacket keeps you dry.", "--format", "json"
    )
    assert status == 0
    match = json.loads(out)
    assert match["approved"] and match["matches"][0]["decisions"][0]["actor"] == "UBRAND1"
    status, out, _ = cli("audit", "match", "Our cheap jacket keeps you dry.")
    assert status == 1 and out.startswith("NOT APPROVED")
    status, out, _ = cli("audit", "match", "never said this")
    assert status == 1 and out.startswith("no match")

    status, out, _ = cli("audit", "export", "--format", "jsonl", "--brand", "acme")
    entries = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and entries and all(e["brand"] == "acme" for e in entries)
    status, out, _ = cli("audit", "export", "--format", "csv", "--since", "2000-01-01")
    assert status == 0 and out.startswith("seq,created_at,event")
    status, _, err = cli("audit", "export", "--since", "yesterday-ish")
    assert status == 2 and "not a date" in err

    # tamper with one entry: verify names it and fails
    db = Database(db_url)
    with db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="UEVIL"))
    db.dispose()
    status, out, _ = cli("audit", "verify")
    assert status == 1 and out.startswith("FAIL entry 3:")
    status, out, _ = cli("audit", "verify", "--format", "json")
    assert status == 1 and json.loads(out)["first_bad"] == 3


def test_other_draft_commands(cli) -> None:
    base = ("drafts", "submit", "--as", "UAGENCY1", "--brand", "acme", "--platform", "x")
    blocked = str(_json(cli(*base, LEGAL, "--format", "json")[1])["id"])
    status, out, _ = cli(
        "drafts", "override", blocked, "--as", "UAGENCY1", "--reason", "cleared", "--format", "json"
    )
    assert status == 0 and _json(out)["state"] == "in_review"
    status, out, _ = cli("drafts", "revise", blocked, CLEAN, "--as", "UAGENCY1", "--format", "json")
    assert status == 0 and _json(out)["revision"] == 2
    status, out, _ = cli("drafts", "delegate", blocked, "--as", "UBRAND1", "--to", "ULEGAL1")
    assert status == 0
    assert cli("drafts", "decide", blocked, "approve", "--as", "ULEGAL1")[0] == 0
    status, _, _ = cli("drafts", "publish", blocked, "--as", "UAGENCY1", "--url", "https://x.com/1")
    assert status == 0
    other = str(_json(cli(*base, CLEAN, "--format", "json")[1])["id"])
    status, _, err = cli("drafts", "withdraw", other, "--as", "UBRAND1")
    assert status == 1 and "only the submitter" in err
    assert cli("drafts", "withdraw", other, "--as", "UAGENCY1")[0] == 0
