"""Fixtures for the CLI tests: a guideline folder, and `cli` running `brandgate` in-process with
real bytes on standard input (the way a shell pipe delivers them)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.engine.support import EN_GUIDELINES, write_guidelines

BRAND = "northwind"
AGENCY = "U02AGENCY1"  # EN_GUIDELINES lets anyone submit
APPROVER = "U01BRAND1"


@dataclass(frozen=True)
class Ran:
    status: int
    out: str
    err: str


Cli = Callable[..., Ran]


def run_cli(argv: list[str], stdin: bytes = b"") -> Ran:
    """`brandgate argv` in this process, stdin given as bytes, stdout/stderr captured as text
    (UTF-8, strict: printing a lone surrogate fails here as it would on a real terminal)."""
    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    wrappers = (
        io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"),
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    )
    sys.stdin, sys.stdout, sys.stderr = wrappers
    try:
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse usage errors
            status = int(exc.code or 0)
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        for wrapper in wrappers:
            wrapper.flush()
            wrapper.detach()  # so that collecting the wrapper does not close our buffers
    return Ran(status, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


@pytest.fixture(scope="session")
def guidelines_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli-guidelines")
    write_guidelines(directory, BRAND, EN_GUIDELINES)
    return directory


@pytest.fixture
def cli(db_url: str, guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli(*argv, stdin=b"...")` on a scratch database (SQLite, and PostgreSQL when set)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))

    def run(*argv: str, stdin: bytes = b"") -> Ran:
        return run_cli(list(argv), stdin)

    return run


@pytest.fixture
def check_cli(guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli` for commands that need no database (`check`)."""
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))

    def run(*argv: str, stdin: bytes = b"") -> Ran:
        return run_cli(list(argv), stdin)

    return run
