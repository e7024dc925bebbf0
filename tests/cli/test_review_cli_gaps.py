"""Gaps the review of issues 12-15 found by hand, now protected: a report never creates a
database nor dies on an unwritable chart file, `drafts show` shows the planned publication,
the SPEC's names of the portal's settings are read, and `check` imports no database or Slack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from tests.cli.conftest import AGENCY, BRAND, Cli, run_cli

ROOT = Path(__file__).resolve().parents[2]
CLEAN = "Tested on a two-week trek in October."


def test_report_on_a_missing_sqlite_file_says_so_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "typo" / "brandgate.db"
    ran = run_cli(["report", "--database-url", f"sqlite:///{typo}"])
    assert ran.status == 2
    assert ran.err.strip() == f"brandgate: no database at {typo} (DATABASE_URL or --database-url)"
    assert not typo.parent.exists()


def test_report_chart_that_cannot_be_written_is_one_line_exit_2(cli: Cli, tmp_path: Path) -> None:
    # a database with a history (submitting creates and migrates it)
    submitted = cli("drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x", CLEAN)
    assert submitted.status == 0, submitted
    target = tmp_path / "no-such-folder" / "report.svg"
    ran = cli("report", "--brand", BRAND, "--chart", str(target))
    assert ran.status == 2, ran
    assert ran.err.startswith(f"brandgate: --chart: cannot write {target}")
    assert "Traceback" not in ran.err and len(ran.err.strip().splitlines()) == 1


def test_drafts_show_and_submit_print_the_planned_publication(cli: Cli) -> None:
    ran = cli(
        "drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x",
        "--publish-at", "2030-01-01T09:00+01:00", "--format", "json", CLEAN,
    )  # fmt: skip
    assert ran.status == 0, ran
    draft = json.loads(ran.out.splitlines()[-1])["id"]
    shown = cli("drafts", "show", str(draft))
    assert "  publish at: 2030-01-01T08:00:00.000000Z" in shown.out.splitlines()
    plain = cli(
        "drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x", CLEAN + " Again."
    )
    assert "publish at" not in plain.out


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("BRANDGATE_PUBLIC_URL", "PORTAL_URL", "BRANDGATE_SECRET_KEY", "PORTAL_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env(dotenv=False)


def test_the_specs_names_of_the_portal_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    got = _settings(
        monkeypatch, BRANDGATE_PUBLIC_URL="https://bg.example", BRANDGATE_SECRET_KEY="k" * 32
    )
    assert (got.portal_url, got.portal_secret) == ("https://bg.example", "k" * 32)
    # the names earlier releases documented still work, and the SPEC's win over them
    old = _settings(monkeypatch, PORTAL_URL="https://old.example", PORTAL_SECRET="o" * 32)
    assert (old.portal_url, old.portal_secret) == ("https://old.example", "o" * 32)
    both = _settings(
        monkeypatch, BRANDGATE_PUBLIC_URL="https://new.example", PORTAL_URL="https://old.example"
    )
    assert both.portal_url == "https://new.example"
    assert "k" * 32 not in repr(got)  # a secret is never printed


def test_readme_and_env_example_name_the_specs_portal_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in ("BRANDGATE_PUBLIC_URL", "BRANDGATE_SECRET_KEY"):
        assert f"| `{name}` |" in readme
        assert f"\n{name}=" in example


def test_check_imports_no_database_slack_portal_or_charts(guidelines_dir: Path) -> None:
    code = (
        "import sys\n"
        "from bot.cli.main import main\n"
        f"status = main(['check', '--brand', {BRAND!r}, '--platform', 'x', {CLEAN!r}])\n"
        "sys.stdout.flush()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    env = {**os.environ, "BRAND_GUIDELINES_DIR": str(guidelines_dir), "BRANDGATE_CACHE_DIR": ""}
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    loaded = set(eval(ran.stderr.strip().splitlines()[-1]))  # the list printed above
    unneeded = {"sqlalchemy", "psycopg", "alembic", "slack_bolt", "slack_sdk", "flask"}
    assert not loaded & (unneeded | {"matplotlib", "models"})


def test_drafts_show_prints_the_review_deadline_and_reminder(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same brand with an SLA: a stage opened on submit gets a reminder and an escalation
    from tests.engine.support import EN_GUIDELINES, write_guidelines

    assert "\nsla:" not in EN_GUIDELINES
    sla = EN_GUIDELINES + "sla:\n  default: 4h\n  reminders: 1\n"
    write_guidelines(tmp_path, BRAND, sla)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(tmp_path))
    ran = cli("drafts", "submit", "--as", AGENCY, "--brand", BRAND, "--platform", "x", "--format",
              "json", CLEAN)  # fmt: skip
    assert ran.status == 0, ran
    draft = json.loads(ran.out.splitlines()[-1])
    shown = json.loads(cli("drafts", "show", str(draft["id"]), "--format", "json").out)
    assert shown["id"] == draft["id"] and shown["state"] == draft["state"]  # fields kept
    kinds = [t["kind"] for t in shown["timers"]]
    assert draft["state"] == "in_review" and {"reminder", "escalate"} <= set(kinds), shown
    text = cli("drafts", "show", str(draft["id"])).out
    for t in shown["timers"]:
        assert f"  {t['kind']} at {t['due_at']} (stage {t['stage']})" in text.splitlines()
