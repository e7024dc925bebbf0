"""`brandgate check` and `brandgate guidelines`: contract fields, exit codes, batch order."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.check import _batch_size
from bot.cli.main import main
from bot.engine.checker import BATCH_SIZE
from bot.engine.rules import RULE_TYPES
from tests.engine.support import EN_GUIDELINES, write_guidelines

CONTRACT_FIELDS = {
    "id",
    "brand",
    "platform",
    "kind",
    "verdict",
    "findings",
    "route",
    "guidelines_sha256",
}
FINDING_FIELDS = {"rule", "level", "category", "start", "end", "text", "message", "suggestion"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def base(guidelines_dir: Path, *extra: str) -> list[str]:
    return ["check", "--guidelines-dir", str(guidelines_dir), *extra]


def test_json_result_has_the_contract_fields(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path
) -> None:
    text = "We guarantee dry feet."
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x", "--format", "json")
    code, out, _ = run(capsys, *args, text)
    assert code == 1
    result = json.loads(out)
    assert set(result) >= CONTRACT_FIELDS
    assert (result["brand"], result["platform"], result["kind"]) == ("northwind", "x", "post")
    assert result["verdict"] == "block"
    finding = result["findings"][0]
    assert set(finding) >= FINDING_FIELDS
    assert text[finding["start"] : finding["end"]] == finding["text"] == "guarantee"
    assert result["route"] == [
        {"stage": 1, "group": "legal", "mode": "any", "approvers": ["U01LEGAL1"]},
        {"stage": 2, "group": "brand", "mode": "any", "approvers": ["U01BRAND1", "U01BRAND2"]},
    ]
    assert len(result["guidelines_sha256"]) == 64


def test_clean_draft_exits_zero_and_warnings_do_not_fail(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path
) -> None:
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x", "--format", "json")
    code, out, _ = run(capsys, *args, "Our TrailLite boots, tested on wet trails.")
    assert code == 0 and json.loads(out)["verdict"] == "pass"
    code, out, _ = run(capsys, *args, "Cheap boots for wet trails.")
    assert code == 0 and json.loads(out)["verdict"] == "review"


def test_as_user_is_left_out_of_the_route(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path
) -> None:
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x", "--format", "json")
    _code, out, _ = run(capsys, *args, "--as", "U01BRAND1", "Cheap boots.")
    assert json.loads(out)["route"][0]["approvers"] == ["U01BRAND2"]


def test_reads_standard_input(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"It cures blisters.")))
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x", "--format", "json")
    code, out, _ = run(capsys, *args, "-")
    assert code == 1 and json.loads(out)["findings"][0]["text"] == "cures"


def test_batch_keeps_input_order_and_line_fields_override_flags(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path, tmp_path: Path
) -> None:
    lines = [
        {"id": "a", "text": "Clean and tested."},
        {"id": "b", "text": "We guarantee it.", "platform": "instagram"},
        {"id": "c", "text": "Grazie, lo garantiamo.", "brand": "aurora"},
        {"id": "d", "text": "Thanks!", "kind": "reply"},
    ]
    batch = tmp_path / "drafts.jsonl"
    batch.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x", "--format", "json")
    code, out, _ = run(capsys, *args, "--input", str(batch))
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == ["a", "b", "c", "d"]
    assert [r["platform"] for r in results] == ["x", "instagram", "x", "x"]
    assert [r["brand"] for r in results] == ["northwind", "northwind", "aurora", "northwind"]
    assert [r["verdict"] for r in results] == ["pass", "block", "block", "pass"]
    assert results[3]["auto_approved_by"] == "policy.auto_approve[0]" and results[3]["route"] == []
    assert code == 1


def test_batch_with_a_bad_line_reports_it_in_place_and_exits_two(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "drafts.jsonl"
    batch.write_text(
        '{"id": "ok", "text": "Fine."}\nnot json\n{"id": "empty", "text": "  "}\n'
        '{"id": "who", "text": "x", "brand": "nobody"}\n{"id": "last", "text": "Fine too."}\n',
        encoding="utf-8",
    )
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x", "--format", "json")
    code, out, err = run(capsys, *args, "--input", str(batch))
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == ["ok", "line-2", "empty", "who", "last"]
    assert "not valid JSON" in results[1]["error"]
    assert "empty" in results[2]["error"]
    assert "unknown brand 'nobody'" in results[3]["error"]
    assert results[4]["verdict"] == "pass"
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--brand", "nobody", "--platform", "x", "hi"], "unknown brand 'nobody'"),
        (["--brand", "northwind", "--platform", "x", ""], "the draft is empty"),
        (["--platform", "x", "hi"], "brand"),
        (["--brand", "northwind", "--platform", "x", "x" * 100_001], "at most 100000"),
    ],
)
def test_usage_errors_exit_two_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path, argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *base(guidelines_dir, *argv))
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_platform_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(base(guidelines_dir, "--brand", "northwind", "--platform", "myspace", "hi"))
    assert exited.value.code == 2
    assert "myspace" in capsys.readouterr().err


def test_invalid_guidelines_exit_two_naming_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_guidelines(tmp_path, "broken", EN_GUIDELINES.replace("level: error", "level: eror", 1))
    code, _, err = run(capsys, *base(tmp_path, "--brand", "broken", "--platform", "x", "hi"))
    assert code == 2
    assert "broken.yml:" in err and "eror" in err


def test_text_format_lists_position_level_rule_and_suggestion(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path
) -> None:
    args = base(guidelines_dir, "--brand", "northwind", "--platform", "x")
    code, out, _ = run(capsys, *args, "Hello!\nCheap boots, guaranteed.")
    assert code == 1
    assert "2:1" in out and "preferred-terms" in out and "-> Affordable" in out
    assert "2:14" in out and "no-guarantees" in out
    assert "verdict: block" in out and "\033[" not in out  # no colour when not a terminal


def test_guidelines_validate_and_show(
    capsys: pytest.CaptureFixture[str], guidelines_dir: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "guidelines", "validate", str(guidelines_dir))
    assert code == 0 and "OK" in out
    bad = write_guidelines(tmp_path, "bad", EN_GUIDELINES + "colour: blue\n")
    code, out, _ = run(capsys, "guidelines", "validate", str(bad))
    assert code == 2 and f"{bad}:" in out and "colour" in out
    code, out, _ = run(
        capsys, "guidelines", "show", "northwind", "--guidelines-dir", str(guidelines_dir)
    )
    assert code == 0 and "Northwind Outdoor" in out and "no-guarantees" in out


def test_console_script_runs_in_a_fresh_process(guidelines_dir: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli.main",
            *base(guidelines_dir, "--brand", "northwind"),
            "--platform",
            "x",
            "--format",
            "json",
            "Risk free!",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["findings"][0]["rule"] == "no-guarantees"


def test_batches_from_files_one_at_a_time_from_a_pipe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _batch_size(str(tmp_path / "drafts.jsonl")) == BATCH_SIZE
    reading, writing = os.pipe()
    try:
        with os.fdopen(reading, encoding="utf-8") as pipe:
            monkeypatch.setattr("sys.stdin", pipe)
            assert _batch_size("-") == 1
    finally:
        os.close(writing)
    regular = tmp_path / "stdin.jsonl"
    regular.write_text("{}\n", encoding="utf-8")
    with regular.open(encoding="utf-8") as redirected:
        monkeypatch.setattr("sys.stdin", redirected)
        assert _batch_size("-") == BATCH_SIZE
    monkeypatch.setattr("sys.stdin", io.StringIO("{}\n"))  # no file descriptor at all
    assert _batch_size("-") == 1


def test_each_item_is_answered_before_the_next_is_read_in_batches_of_one(
    guidelines_dir: Path,
) -> None:
    """From a pipe (batches of one), outcome N is yielded before item N+1 is asked for."""
    from bot.cli.check import Item, check_items
    from bot.guidelines.loader import GuidelineStore

    read: list[str] = []

    def items() -> Iterator[Item]:
        for n in range(3):
            read.append(f"d{n}")
            fields = {"text": "Tested on wet trails.", "brand": "northwind", "platform": "x"}
            yield Item(f"d{n}", fields, f"-:{n + 1}")

    answered = []
    for outcome in check_items(
        GuidelineStore(guidelines_dir, RULE_TYPES), items(), None, batch_size=1
    ):
        answered.append((outcome.item.id, list(read)))
    assert answered == [("d0", ["d0"]), ("d1", ["d0", "d1"]), ("d2", ["d0", "d1", "d2"])]
