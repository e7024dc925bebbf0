"""The database side of the CLI: read-only commands never write or create a database, and a
database that cannot be opened is one line with exit 2 (issue 10 items 7, 12, 15, 20)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.audit import AuditEvent, append
from models import AuditEntry
from models.audit import AuditPending
from models.db import Database
from tests.cli.conftest import AGENCY, BRAND, Cli, run_cli

READ_ONLY_COMMANDS = [
    ("audit", "verify"),
    ("audit", "export"),
    ("audit", "show", "1"),
    ("audit", "match", "Tested on wet trails."),
    ("drafts", "list"),
    ("drafts", "show", "1"),
]


def read_only_url(url: str) -> str:
    """The same database opened so that any write fails: SQLite's `mode=ro`, PostgreSQL's
    `default_transaction_read_only` (tests run as root, so file permissions would not do)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    options = f"{parsed.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    return parsed.set(query={**parsed.query, "options": options}).render_as_string(
        hide_password=False
    )


def _counts(url: str) -> tuple[int, int]:
    db = Database(url, upgrade=False)
    try:
        with db.reading() as session:
            entries = session.scalar(select(func.count()).select_from(AuditEntry))
            pending = session.scalar(select(func.count()).select_from(AuditPending))
        return int(entries or 0), int(pending or 0)
    finally:
        db.dispose()


def test_audit_verify_runs_on_a_read_only_database_and_seals_nothing(
    cli: Cli, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit = ("drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x")
    assert cli(*submit, "Tested on wet trails.").status == 0
    db = Database(db_url)
    try:
        # An entry a crashed writer left pending: written, never chained (no seal ran).
        with Session(db.engine) as session, session.begin():
            append(
                session,
                [AuditEvent("escalated", "system", BRAND)],
                deferred=True,
                seal_on_commit=False,
            )
    finally:
        db.dispose()
    before = _counts(db_url)
    assert before[1] == 1

    monkeypatch.setenv("DATABASE_URL", read_only_url(db_url))
    ran = cli("audit", "verify")
    assert ran.status == 0, ran.err
    assert ran.out.startswith(f"OK {before[0]} entries") and "1 awaiting sealing" in ran.out
    assert _counts(db_url) == before
    for argv in READ_ONLY_COMMANDS[1:]:
        ran = cli(*argv)
        assert "readonly" not in ran.err and "read-only" not in ran.err, (argv, ran.err)
        assert ran.status in (0, 1), (argv, ran.err)


@pytest.mark.parametrize("argv", READ_ONLY_COMMANDS, ids=" ".join)
def test_read_only_commands_never_create_a_database(
    argv: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = tmp_path / "typo" / "brandgate.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{typo}")
    ran = run_cli(list(argv))
    assert ran.status == 2
    assert ran.err.strip() == f"brandgate: no database at {typo} (DATABASE_URL or --database-url)"
    assert not typo.parent.exists()


def test_read_only_commands_refuse_an_empty_database(cli: Cli, db_url: str) -> None:
    # The scratch database exists (an empty file, or an empty PostgreSQL schema) but has no tables.
    if db_url.startswith("sqlite"):
        Path(make_url(db_url).database or "").touch()
    for argv in READ_ONLY_COMMANDS:
        ran = cli(*argv)
        assert ran.status == 2, argv
        assert "no brandgate database at" in ran.err and len(ran.err.splitlines()) == 1


def test_unusable_database_urls_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder", encoding="utf-8")
    cases = {
        f"sqlite:///{a_file}/brandgate.db": f"cannot create the folder {a_file}: File exists",
        "mysql://user@localhost/brandgate": "needs the Python module 'MySQLdb'",
        "not a url": "DATABASE_URL is not a database URL",
    }
    for url, message in cases.items():
        monkeypatch.setenv("DATABASE_URL", url)
        for argv in (["db", "upgrade"], ["drafts", "list"], ["audit", "verify"]):
            ran = run_cli(argv)
            assert ran.status == 2, (url, argv, ran.err)
            assert len(ran.err.strip().splitlines()) == 1 and "Traceback" not in ran.err
            if argv[0] == "db" or url == "not a url":
                assert message in ran.err, (url, argv, ran.err)


def test_audit_export_to_a_missing_folder_or_an_unknown_brand_is_exit_two(
    cli: Cli, tmp_path: Path
) -> None:
    submit = ("drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x")
    assert cli(*submit, "Tested on wet trails.").status == 0
    ran = cli("audit", "export", "--format", "csv", "-o", "/nonexistent/dir/a.csv")
    assert ran.status == 2
    assert ran.err.strip() == (
        "brandgate: cannot write /nonexistent/dir/a.csv: No such file or directory"
    )
    ran = cli("audit", "export", "--brand", "nosuch")
    assert ran.status == 2 and ran.out == ""
    assert ran.err.strip().startswith("brandgate: unknown brand 'nosuch'")
    ran = cli("audit", "export", "--brand", BRAND)
    assert ran.status == 0
    assert {json.loads(line)["brand"] for line in ran.out.splitlines()} == {BRAND}
