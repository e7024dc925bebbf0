"""`brandgate report` starts light: Core SQLAlchemy and its queries, nothing it does not use.

Start-up is most of a report's time on a small history and a third of it on a million drafts
(benchmarks/report.py). These tests pin what the command imports, in a fresh interpreter, so
that a convenient import (the ORM models, the workflow, spaCy, matplotlib) cannot creep back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from reporthistory import SINCE, UNTIL, WEEK1, WEEK2

import models

ROOT = Path(__file__).resolve().parents[2]
#: what a report without --chart has no use for
HEAVY = (
    "sqlalchemy.orm",
    "spacy",
    "bot.workflow",
    "bot.engine",
    "bot.slack",
    "slack_sdk",
    "slack_bolt",
    "matplotlib",
    "models.drafts",
    "models.audit",
)

_PROBE = """
import json, sys
from bot.cli.main import main
code = main(sys.argv[1:])
sys.stdout.flush()
heavy = sorted(m for m in json.loads({heavy!r}) if m in sys.modules)
print(json.dumps({{"exit": code, "heavy": heavy}}))
"""


def _run(*argv: str) -> tuple[Any, dict[str, Any]]:
    probe = _PROBE.format(heavy=json.dumps(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report_line, probe_line = done.stdout.strip().splitlines()[-2:]
    return json.loads(report_line), json.loads(probe_line)


def test_a_report_imports_no_orm_workflow_engine_slack_or_matplotlib(scripted: Any) -> None:
    args = ("report", "--brand", "acme", "--since", SINCE, "--until", UNTIL, "--format", "json")
    where = ("--database-url", scripted.url, "--guidelines-dir", str(scripted.guidelines_dir))
    data, probe = _run(*args, *where, "--by", "week")
    assert probe == {"exit": 0, "heavy": []}
    assert data["brand"] == "acme" and data["drafts"] == 20  # the scripted history, read
    assert [g["key"] for g in data["groups"]] == [WEEK1, WEEK2]


def test_models_load_lazily_but_wholly() -> None:
    """`models.db` alone loads no mapped class; any name of `models` loads every one of them, so
    the metadata (Alembic, create_all) knows every table as before."""
    probe = (
        "import sys, models.db, models.head\n"
        "assert 'sqlalchemy.orm' not in sys.modules and 'models.drafts' not in sys.modules\n"
        "from models import Base\n"
        "import models.timers, models.portal, models.slack_installations\n"
        "print(len(Base.metadata.tables))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(models.Base.metadata.tables) > 15
    assert sorted(models.__all__) == sorted(models._EXPORTS)
