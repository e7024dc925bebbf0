"""The README's command-line examples are true on a fresh `make demo` database (issue 10 item 17).

The demo runs on a scratch SQLite file; then every `$B ...` line of the README runs, in order,
and must succeed; and the commands the demo prints are the README's own lines.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot import demo
from tests.cli.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$B "):
                command = line[len("$B ") :]
                commands.append(re.split(r"\s+#|\s+>\s", command)[0].strip())
    return commands


def test_readme_commands_succeed_on_the_demo_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(ROOT / "brand_guidelines"))
    assert demo.run() == 0
    printed = capsys.readouterr().out
    tried = [
        line.strip()[len(demo.BIN) + 1 :]
        for line in printed.splitlines()
        if line.strip().startswith(demo.BIN)
    ]
    commands = readme_commands()
    assert tried and set(tried) <= set(commands), "the README must use the ids the demo prints"
    assert len(commands) >= 15
    for command in commands:
        ran = run_cli(shlex.split(command))
        assert ran.status == 0, f"README: $B {command}\n{ran.out}{ran.err}"
    assert (tmp_path / "audit.csv").read_text(encoding="utf-8").startswith("seq,created_at,")
