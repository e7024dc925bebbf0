"""Bad input to the CLI readers: one clear line, exit 2, nothing lost (issue 10 items 1, 2, 16)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import AGENCY, APPROVER, BRAND, Cli

CHECK = ("check", "--brand", BRAND, "--platform", "x")
SUBMIT = ("drafts", "submit", "--as", AGENCY, "--brand", BRAND)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_check_stdin_that_is_not_utf8_is_one_line_naming_line_and_offset(check_cli: Cli) -> None:
    ran = check_cli(*CHECK, "-", stdin=b"Fine line\nWe \xff guarantee")
    assert ran.status == 2
    assert _one_line(ran.err) == (
        "brandgate: <stdin>:2: encoding: byte 0xff at byte offset 13 is not valid UTF-8"
    )


def test_check_input_answers_every_good_line_around_a_bad_one(
    check_cli: Cli, tmp_path: Path
) -> None:
    batch = tmp_path / "drafts.jsonl"
    batch.write_bytes(
        b'{"id": "a", "text": "Tested on wet trails."}\n'
        b'{"id": "b", "text": "We \xff guarantee"}\n'
        b'{"id": "c", "text": "We guarantee dry feet."}\n'
    )
    for source, stdin in ((str(batch), b""), ("-", batch.read_bytes())):
        ran = check_cli(*CHECK, "--format", "json", "--input", source, stdin=stdin)
        results = [json.loads(line) for line in ran.out.splitlines()]
        assert [r["id"] for r in results] == ["a", "line-2", "c"]
        assert [r.get("verdict") for r in results] == ["pass", None, "block"]
        assert "2: encoding: byte 0xff at byte offset 69" in results[1]["error"]
        assert ran.status == 2 and ":2: encoding:" in _one_line(ran.err)


def test_drafts_revise_and_audit_match_refuse_stdin_that_is_not_utf8(cli: Cli) -> None:
    ran = cli(*SUBMIT, "--platform", "x", "-", stdin=b"Caf\xe9 on the trail")
    assert ran.status == 2
    assert _one_line(ran.err).endswith(
        "<stdin>:1: encoding: byte 0xe9 at byte offset 3 is not valid UTF-8"
    )

    draft = json.loads(
        cli(*SUBMIT, "--platform", "x", "--format", "json", "Tested on wet trails.").out
    )["id"]
    cli("drafts", "decide", str(draft), "changes", "--as", APPROVER, "--reason", "Say where.")
    ran = cli("drafts", "revise", str(draft), "--as", AGENCY, "-", stdin=b"Tested\n\xc3(")
    assert ran.status == 2
    assert _one_line(ran.err).endswith(
        "<stdin>:2: encoding: byte 0xc3 at byte offset 7 is not valid UTF-8"
    )

    ran = cli("audit", "match", "-", stdin=b"Tested on wet trails\x80")
    assert ran.status == 2
    assert _one_line(ran.err).endswith("byte 0x80 at byte offset 20 is not valid UTF-8")


def _calendar(rows: int, bad_row: int | None = None) -> bytes:
    lines = [b"id,text,platform"]
    for n in range(1, rows + 1):
        text = f"Day {n}: tested on the Kungsleden trail, stage {n}.".encode()
        if n == bad_row:
            text = f"Day {n}: caf\xe9 stop on the trail, stage {n}.".encode("latin-1")
        lines.append(b'day-%d,"%s",x' % (n, text))
    return b"\n".join(lines) + b"\n"


def _draft_count(cli: Cli) -> int:
    ran = cli("drafts", "list", "--limit", "1000", "--format", "json")
    return len(json.loads(ran.out)) if ran.status == 0 else 0


def test_a_latin1_calendar_submits_nothing_and_reruns_never_duplicate(
    cli: Cli, tmp_path: Path
) -> None:
    calendar = tmp_path / "calendar.csv"
    calendar.write_bytes(_calendar(12, bad_row=9))
    ran = cli(*SUBMIT, "--input", str(calendar))
    assert ran.status == 2 and "Traceback" not in ran.err
    problem, summary = ran.err.strip().splitlines()
    assert problem.startswith(f"brandgate: {calendar}:10: encoding: byte 0xe9 at byte offset")
    assert "nothing submitted" in summary
    assert _draft_count(cli) == 0

    calendar.write_bytes(_calendar(12))  # the row fixed
    for key in ((), ("--key", "nov")):
        first = cli(*SUBMIT, *key, "--input", str(calendar), "--format", "json")
        assert first.status == 0, first.err
        again = cli(*SUBMIT, *key, "--input", str(calendar), "--format", "json")
        ids = [json.loads(line)["id"] for line in first.out.splitlines()]
        assert [json.loads(line)["id"] for line in again.out.splitlines()] == ids
        assert all(json.loads(line)["replayed"] for line in again.out.splitlines())
    assert _draft_count(cli) == 24  # twelve without --key, twelve with it: no run duplicated


def test_a_wrong_csv_header_names_the_expected_columns_once(cli: Cli, tmp_path: Path) -> None:
    calendar = tmp_path / "calendar.csv"
    calendar.write_text("title,body\nHello,Tested on wet trails.\n", encoding="utf-8")
    ran = cli(*SUBMIT, "--platform", "x", "--input", str(calendar))
    assert ran.status == 2
    line = _one_line(ran.err)
    assert line.startswith(f"brandgate: {calendar}:1: header: no 'text' column")
    assert "the columns are text (required), and optionally id, brand, platform" in line
    assert "row 2: row 2" not in line


def test_a_missing_platform_says_how_to_give_it(cli: Cli, check_cli: Cli) -> None:
    for ran in (
        cli(*SUBMIT, "Tested on wet trails."),
        check_cli("check", "--brand", BRAND, "Tested on wet trails."),
    ):
        assert ran.status == 2
        line = _one_line(ran.err)
        assert "platform: required: give --platform" in line and "one of x, " in line
        assert "None" not in line
