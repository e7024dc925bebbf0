"""Every CLI reader over random bytes: never a traceback; exit 2 with a message for bad input.

In-process runs (`bot.cli.main.main` with bytes on standard input and strict UTF-8 output, so
that a lone surrogate reaching any output fails as it would on a terminal) explore many inputs;
a few real subprocesses then feed the standard-input paths through a real pipe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.conftest import AGENCY, BRAND, Ran, run_cli

FIELDS = ["id", "text", "brand", "platform", "kind", "sponsored", "context", "notes", "key"]
SCALARS = st.one_of(
    st.text(max_size=30), st.integers(), st.booleans(), st.none(), st.sampled_from(["x", BRAND])
)

#: a JSON-lines batch, almost right: fields of a draft with random values
json_lines = st.lists(
    st.dictionaries(st.sampled_from(FIELDS), SCALARS, max_size=6).map(json.dumps),
    max_size=4,
).map(lambda lines: "\n".join(lines).encode())


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from([*FIELDS, "title"]), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=4))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


@st.composite
def damaged(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """`base`, with random bytes spliced in somewhere (bytes that break UTF-8 included)."""
    data = draw(base)
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(max_size=4)) + data[at:]


random_input = st.one_of(st.binary(max_size=120), json_lines, damaged(json_lines))
random_csv = st.one_of(st.binary(max_size=120), csv_files(), damaged(csv_files()))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def assert_clean(ran: Ran, data: bytes, *, single_text: bool = False) -> None:
    """Exit 0, 1 or 2; exit 2 says why, on lines of its own; undecodable input is always 2."""
    assert "Traceback" not in ran.err, ran.err
    assert ran.status in (0, 1, 2), ran
    if ran.status == 2:
        lines = ran.err.strip().splitlines()
        assert lines and all(line.startswith("brandgate: ") for line in lines), ran.err
    if not _is_utf8(data) and (single_text or b"\n" not in data):
        assert ran.status == 2 and "not valid UTF-8" in ran.err, (data, ran)


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory, guidelines_dir: Path) -> Iterator[Path]:
    """One SQLite database for the whole module (examples only ever add drafts to it)."""
    folder = tmp_path_factory.mktemp("fuzz")
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "BRAND_GUIDELINES_DIR")}
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'fuzz.db'}"
    os.environ["BRAND_GUIDELINES_DIR"] = str(guidelines_dir)
    submitted = run_cli(
        [
            "drafts",
            "submit",
            "--as",
            AGENCY,
            "--brand",
            BRAND,
            "--platform",
            "x",
            "--format",
            "json",
            "Tested on wet trails.",
        ]
    )
    assert submitted.status == 0, submitted.err
    (folder / "draft-id").write_text(str(json.loads(submitted.out)["id"]))
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CHECK = ["check", "--brand", BRAND, "--platform", "x", "--format", "json"]


@FUZZ
@given(data=random_input)
def test_check_standard_input(environment: Path, data: bytes) -> None:
    assert_clean(run_cli([*CHECK, "-"], data), data, single_text=True)


@FUZZ
@given(data=random_input)
def test_check_input_from_a_pipe_and_from_a_file(environment: Path, data: bytes) -> None:
    assert_clean(run_cli([*CHECK, "--input", "-"], data), data)
    batch = environment / "batch.jsonl"
    batch.write_bytes(data)
    assert_clean(run_cli([*CHECK, "--input", str(batch)]), data)


@FUZZ
@given(data=random_csv)
def test_check_and_submit_a_csv_file(environment: Path, data: bytes) -> None:
    calendar = environment / "calendar.csv"
    calendar.write_bytes(data)
    assert_clean(run_cli([*CHECK, "--input", str(calendar)]), data)
    submit = ["drafts", "submit", "--as", AGENCY, "--platform", "x", "--input", str(calendar)]
    ran = run_cli(submit)
    assert_clean(ran, data)
    if not _is_utf8(data):  # a bad byte anywhere: nothing of the file is submitted
        assert ran.status == 2 and ran.out == ""


@FUZZ
@given(data=random_input)
def test_submit_a_json_lines_file(environment: Path, data: bytes) -> None:
    batch = environment / "batch.jsonl"
    batch.write_bytes(data)
    submit = ["drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--input", str(batch)]
    assert_clean(run_cli(submit), data)


@FUZZ
@given(data=random_input)
def test_texts_from_standard_input(environment: Path, data: bytes) -> None:
    draft = (environment / "draft-id").read_text()
    for argv in (
        ["drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x", "-"],
        ["drafts", "revise", draft, "--as", AGENCY, "-"],
        ["audit", "match", "-"],
    ):
        assert_clean(run_cli(argv, data), data, single_text=True)


@FUZZ
@given(arg=st.binary(min_size=1, max_size=40))
def test_command_line_arguments(environment: Path, arg: bytes) -> None:
    text = os.fsdecode(arg)  # how Python hands argv bytes to the program
    if "\x00" in text:
        return  # no process can be given a NUL in an argument
    for argv in ([*CHECK, text], ["audit", "match", text], ["drafts", "list", "--brand", text]):
        ran = run_cli(argv)
        assert_clean(ran, arg, single_text=True)


@pytest.mark.parametrize(
    "argv",
    [  # (check - and drafts submit - read standard input exactly as revise and match do)
        [*CHECK, "--input", "-"],
        ["drafts", "revise", "DRAFT", "--as", AGENCY, "-"],
        ["audit", "match", "-"],
    ],
    ids=lambda argv: " ".join(argv[:2]) + (" --input" if "--input" in argv else ""),
)
def test_standard_input_through_a_real_pipe(environment: Path, argv: list[str]) -> None:
    draft = (environment / "draft-id").read_text()
    data = b'{"text": "fine"}\n\x00\xff\xfe garbage \xc3\n\r\n'
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *[draft if a == "DRAFT" else a for a in argv]],
        input=data,
        capture_output=True,
        env=os.environ.copy(),
        check=False,
        timeout=120,
    )
    err = completed.stderr.decode("utf-8")
    assert completed.returncode == 2, err
    assert "Traceback" not in err and "byte 0xff at byte offset" in err
    assert all(line.startswith("brandgate: ") for line in err.strip().splitlines()), err


def test_an_unknown_brand_id_with_a_newline_is_reported_on_one_line() -> None:
    from bot.guidelines.errors import UnknownBrand

    message = str(UnknownBrand("acme\nfake", ["acme"]))
    assert "\n" not in message
    assert "unknown brand 'acme\\nfake'" in message
    assert str(UnknownBrand("acme-é", [])).startswith("unknown brand 'acme-é'")
