"""Configuration: where `.env` is found, who wins, PORT, and the documented variables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from tests.cli.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = ("DATABASE_URL", "BRAND_GUIDELINES_DIR", "PORT", "SLACK_BOT_TOKEN")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment without brandgate's variables; load_dotenv's writes are undone after."""
    environ = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    monkeypatch.setattr(os, "environ", environ)


def test_dotenv_is_read_from_the_working_directory(
    clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-cwd.db\nPORT=4000\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env()
    assert settings.database_url == "sqlite:///from-cwd.db"
    assert settings.port == 4000


def test_dotenv_is_read_from_the_nearest_parent(
    clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-parent.db\n")
    deep = tmp_path / "campaigns" / "november"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert Settings.from_env().database_url == "sqlite:///from-parent.db"


def test_the_real_environment_wins_over_dotenv(
    clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-file.db\n")
    monkeypatch.chdir(tmp_path)
    os.environ["DATABASE_URL"] = "sqlite:///from-environment.db"
    assert Settings.from_env().database_url == "sqlite:///from-environment.db"


def test_no_dotenv_means_defaults(
    clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # (pytest's tmp_path has no .env above it)
    settings = Settings.from_env()
    assert settings.database_url == "sqlite:///var/brandgate.db"
    assert settings.port == 3000


@pytest.mark.parametrize("value, shown", [("abc", "'abc'"), ("", "empty"), ("70000", "'70000'")])
def test_a_bad_port_is_one_line_and_exit_two(
    clean_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    shown: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    os.environ.update(PORT=value, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret")
    ran = run_cli(["serve", "--http"])
    assert ran.status == 2
    assert (
        ran.err.strip() == f"brandgate: PORT must be a port number from 1 to 65535 (it is {shown})"
    )


def _readme_table_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)`", section, flags=re.MULTILINE))


def test_every_variable_brandgate_reads_is_documented() -> None:
    """Each variable bot/config.py reads is in the README's table and in .env.example."""
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:_get|os\.environ\.get)\("([A-Z_]+)"', source))
    assert {"PORT", "DATABASE_URL", "SLACK_BOT_TOKEN"} <= read
    assert read <= _readme_table_variables()
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert read <= set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))


def test_the_suite_says_once_why_postgresql_tests_did_not_run() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "tests/cli/test_database_errors.py",
            "-k",
            "empty or export",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout
    said = [line for line in completed.stdout.splitlines() if "TEST_DATABASE_URL" in line]
    assert said == [
        "2 PostgreSQL variants not run: set TEST_DATABASE_URL "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test; .ci/run sets it)"
    ]
