"""A brand without `workspace:` has drafts in many Slack teams (issue 11): the CLI counts every
team's unless `--team T` is given. (Slack's /brandgate report is scoped to the asking team:
bot/slack/reporting.py passes its team to the same `build_report`.)"""

from __future__ import annotations

from typing import Any

import pytest
from reporthistory import SINCE, UNTIL
from sqlalchemy import text
from test_report import report

from bot.reports.period import resolve_period
from bot.reports.service import build_report


def _split_teams(scripted: Any) -> int:
    """One submitter's drafts go to team T1, the others' to T2; returns how many of the
    period's drafts are in T1."""
    period = resolve_period(SINCE, UNTIL)
    groups = build_report(scripted.db, period=period, brand="acme", by="submitter").groups
    first = groups[0]
    assert 0 < first.metrics.drafts < 20
    with scripted.db.engine.begin() as conn:
        conn.execute(text("UPDATE drafts SET team_id = 'T2'"))
        conn.execute(
            text("UPDATE drafts SET team_id = 'T1' WHERE submitter = :s"), {"s": first.key}
        )
    return first.metrics.drafts


def test_the_cli_counts_every_team_unless_told_one(
    capsys: pytest.CaptureFixture[str], scripted: Any
) -> None:
    in_t1 = _split_teams(scripted)
    everyone = report(capsys, scripted)["drafts"]
    assert everyone == 20
    assert report(capsys, scripted, "--team", "T1")["drafts"] == in_t1
    assert report(capsys, scripted, "--team", "T2")["drafts"] == everyone - in_t1
    assert report(capsys, scripted, "--team", "T9")["drafts"] == 0


def test_a_report_for_a_team_counts_only_its_drafts(scripted: Any) -> None:
    in_t1 = _split_teams(scripted)
    period = resolve_period(SINCE, UNTIL)
    for by in (None, "submitter", "approver"):
        whole = build_report(scripted.db, period=period, brand="acme", by=by)
        t1 = build_report(scripted.db, period=period, brand="acme", by=by, team="T1")
        assert (whole.metrics.drafts, t1.metrics.drafts) == (20, in_t1), by
