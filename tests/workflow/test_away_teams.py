"""Absences per Slack team (issue 11, many workspaces): user ids are unique only within a team,
so UBRAND1 away in T1 is not UBRAND1 of T2. Routing, escalation, seat moves, returns and
delegates follow the team of the draft and of the absence; an absence of no team (the CLI in
one workspace, rows from before the migration) holds in every team. The CLI's `--team`. On
SQLite and PostgreSQL, with a settable clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from timerhelpers import T0, TIMED
from wfhelpers import CLEAN, audit_events

from bot.cli.main import main
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import NotAllowed, WorkflowService, run_timers
from bot.workflow.errors import InvalidTransition
from models import AwayPeriod
from models.db import Database

DAY = timedelta(days=1)
T1, T2 = "T0NE", "T0THER"

# A brand of team T2 only: its approver UWEST1 approves nothing offered in T1.
WEST = f"""\
brand: West Test
language: en
rules: []
approvers:
  brand: [UWEST1, UBRAND1]
routing:
  default: [brand]
workspace: {T2}
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wf(db: Database, guidelines_dir: Path, clock: Clock) -> WorkflowService:
    (guidelines_dir / "west.yml").write_text(WEST, encoding="utf-8")
    (guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")
    return WorkflowService(db, GuidelineStore(guidelines_dir, RULE_TYPES), clock=clock)


def submit(wf: WorkflowService, team: str | None, brand: str = "acme", **kw: object) -> int:
    origin = {"team": team} if team else None
    return wf.submit(
        submitter="UAGENCY9" if brand == "timed" else "UAGENCY1",
        brand=brand,
        platform="x",
        text=CLEAN,
        origin=origin,
        **kw,  # type: ignore[arg-type]
    ).id


def approvers(wf: WorkflowService, draft: int) -> tuple[str, ...]:
    return wf.get(draft).route[0].approvers


def test_routing_skips_the_user_only_in_the_team_they_are_away_in(wf: WorkflowService) -> None:
    wf.away_set("UBRAND1", until=T0 + 2 * DAY, team=T1)
    assert approvers(wf, submit(wf, T1)) == ("UBRAND2",)
    assert approvers(wf, submit(wf, T2)) == ("UBRAND1", "UBRAND2")
    # a draft of no team: nothing says which team's UBRAND1 the file means, so not them
    assert approvers(wf, submit(wf, None)) == ("UBRAND2",)


def test_an_absence_of_no_team_holds_in_every_team(wf: WorkflowService) -> None:
    wf.away_set("UBRAND1", until=T0 + 2 * DAY)  # the CLI in one workspace
    assert approvers(wf, submit(wf, T1)) == ("UBRAND2",)
    assert approvers(wf, submit(wf, T2)) == ("UBRAND2",)
    [row] = wf.away_list()
    assert row["team"] is None
    assert wf.away_of("UBRAND1", team=T2) is not None


def test_seats_move_only_on_drafts_of_the_absence_s_team(wf: WorkflowService, db: Database) -> None:
    in_t1, in_t2 = submit(wf, T1), submit(wf, T2)
    result = wf.away_set("UBRAND1", until=T0 + DAY, delegate="ULEGAL1", team=T1)
    assert [m["draft"] for m in result["moved"]] == [in_t1]
    assert approvers(wf, in_t1) == ("UBRAND2", "ULEGAL1")
    assert approvers(wf, in_t2) == ("UBRAND1", "UBRAND2")
    assert [e.event for e in audit_events(db, in_t2)].count("delegated") == 0
    assert result["team"] == T1


def test_escalation_passes_over_who_is_away_in_the_draft_s_team(wf: WorkflowService) -> None:
    in_t1, in_t2 = submit(wf, T1, "timed"), submit(wf, T2, "timed")
    wf.away_set("UBACKUP1", until=T0 + 5 * DAY, team=T1)
    assert run_timers(wf, T0 + 25 * timedelta(hours=1))["escalated"] == 2
    assert "UBACKUP1" not in approvers(wf, in_t1) and "UAGENCY1" in approvers(wf, in_t1)
    assert "UBACKUP1" in approvers(wf, in_t2)


def test_the_same_user_id_away_in_two_teams_returns_from_each_once(
    wf: WorkflowService, db: Database, clock: Clock
) -> None:
    wf.away_set("UBRAND1", until=T0 + DAY, reason="T1 trip", team=T1)
    wf.away_set("UBRAND1", until=T0 + 3 * DAY, reason="T2 trip", team=T2)
    assert [(r["team"], r["reason"]) for r in wf.away_list()] == [
        (T1, "T1 trip"),
        (T2, "T2 trip"),
    ]
    assert [r["team"] for r in wf.away_list(team=T2)] == [T2]
    counts = run_timers(wf, T0 + 2 * DAY)
    assert counts.get("returned") == 1
    assert [r["team"] for r in wf.away_list()] == [T2]
    assert run_timers(wf, T0 + 2 * DAY).get("returned", 0) == 0
    clock.now = T0 + 2 * DAY
    assert approvers(wf, submit(wf, T1)) == ("UBRAND1", "UBRAND2")
    assert approvers(wf, submit(wf, T2)) == ("UBRAND2",)
    backs = [json.loads(e.payload) for e in audit_events(db) if e.event == "back"]
    assert [(b["team"], b["how"]) for b in backs] == [(T1, "returned")] * len(backs)


def test_clear_in_one_team_leaves_the_other(wf: WorkflowService) -> None:
    wf.away_set("UBRAND1", until=T0 + DAY, team=T1)
    with pytest.raises(InvalidTransition, match=f"not away in workspace {T2}"):
        wf.away_clear("UBRAND1", team=T2)
    assert wf.away_clear("UBRAND1", team=T1)["team"] == T1
    assert wf.away_list() == []


def test_a_team_s_absence_supersedes_the_user_s_absence_of_no_team(
    wf: WorkflowService, db: Database
) -> None:
    # a row from before the migration (team "")
    with db.engine.begin() as conn:
        conn.execute(insert(AwayPeriod).values(user_id="UBRAND1", until=T0 + DAY, since=T0))
    wf.away_set("UBRAND1", until=T0 + 2 * DAY, team=T1)
    assert [r["team"] for r in wf.away_list()] == [T1]
    assert approvers(wf, submit(wf, T2)) == ("UBRAND1", "UBRAND2")


def test_a_delegate_of_another_team_s_brand_is_refused(wf: WorkflowService) -> None:
    """UWEST1 approves west, offered in T2 only: in T1 the id is nobody's approver."""
    with pytest.raises(NotAllowed, match="not an approver of brand acme"):
        wf.away_set("UBRAND1", until=T0 + DAY, delegate="UWEST1", team=T1)
    assert wf.away_list() == []
    done = wf.away_set("UBRAND1", until=T0 + DAY, delegate="UWEST1", team=T2)
    assert done["delegate"] == "UWEST1"


def test_a_delegate_away_in_the_same_team_is_refused_not_one_away_elsewhere(
    wf: WorkflowService,
) -> None:
    wf.away_set("ULEGAL1", until=T0 + DAY, team=T2)
    wf.away_set("UBRAND1", until=T0 + DAY, delegate="ULEGAL1", team=T1)
    with pytest.raises(NotAllowed, match="away too"):
        wf.away_set("UBRAND2", until=T0 + DAY, delegate="ULEGAL1", team=T2)


def test_cli_team(
    db_url: str, guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    until = (datetime.now(UTC) + 3 * DAY).date().isoformat()
    # one workspace: --team optional, as before
    assert main(["away", "set", "--as", "UBRAND2", "--until", until]) == 0
    assert json.loads(capsys.readouterr().out)["team"] is None
    # many workspaces: which team's UBRAND1 must be said
    monkeypatch.setenv("SLACK_CLIENT_ID", "123.456")
    assert main(["away", "set", "--as", "UBRAND1", "--until", until]) == 2
    assert "--team" in capsys.readouterr().err
    assert main(["away", "clear", "--as", "UBRAND1"]) == 2
    assert "--team" in capsys.readouterr().err
    assert main(["away", "set", "--as", "UBRAND1", "--until", until, "--team", T1]) == 0
    assert json.loads(capsys.readouterr().out)["team"] == T1
    assert main(["away", "list", "--format", "json", "--team", T2]) == 0
    assert [r["user"] for r in json.loads(capsys.readouterr().out)] == ["UBRAND2"]
    assert main(["away", "list"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].startswith("team") and T1 in table
    assert main(["away", "clear", "--as", "UBRAND1", "--team", T2]) == 1
    assert f"not away in workspace {T2}" in capsys.readouterr().err
    assert main(["away", "clear", "--as", "UBRAND1", "--team", T1]) == 0
    assert json.loads(capsys.readouterr().out)["how"] == "cleared"
