"""The weekly digest with many workspaces (issue 11): a brand without `workspace:` sends each
installed team a digest of that team's drafts only, to the approvers who did not switch it off
in that team; a brand with `workspace: T` is sent as before, delivered in T; one workspace
(`teams` None) is unchanged. A switch of no team (from before the migration) holds in every
team. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from test_digest import PLAIN, ROME, brands

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.reports.digest import KIND, digest_enabled, send_digests, set_digest
from bot.workflow import WorkflowService
from models import DigestOptOut, OutboxMessage
from models.db import Database

T1, T2 = "T0NE", "T0THER"
# Monday 2026-11-30, 09:30 UTC: the week reported is 2026-11-23 .. 2026-11-29
MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
NORTH = PLAIN.replace("brand: Plain Co", "brand: North Co") + f"workspace: {T1}\n"


def add_drafts(db: Database, tmp_path: Path, brand: str, team: str | None, n: int) -> None:
    """`n` drafts submitted from Slack team `team` (None: the CLI) in the week reported."""
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    service = WorkflowService(db, GuidelineStore(tmp_path / "brands", RULE_TYPES), clock=lambda: at)
    for i in range(n):
        service.submit(
            submitter="UAGENCY1",
            brand=brand,
            platform="x",
            text=f"Post number {i} of {team}",
            origin={"team": team} if team else None,
        )


def sent(db: Database) -> dict[tuple[str | None, str, str], str]:
    """(team, brand, recipient) -> text of each digest queued."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(OutboxMessage.team_id, OutboxMessage.recipient, OutboxMessage.payload).where(
                OutboxMessage.kind == KIND
            )
        ).all()
    return {(r.team_id, str(r.payload["brand"]), r.recipient): r.payload["text"] for r in rows}


def test_a_brand_without_workspace_sends_each_team_its_own_figures(
    db: Database, tmp_path: Path
) -> None:
    gs = brands(tmp_path, plain=PLAIN, north=NORTH)
    add_drafts(db, tmp_path, "plain", T1, 3)
    add_drafts(db, tmp_path, "plain", T2, 1)
    add_drafts(db, tmp_path, "plain", None, 2)  # from the CLI: no team's
    add_drafts(db, tmp_path, "north", T1, 2)
    run = send_digests(db, gs, now=MONDAY, teams=[T1, T2])
    assert (run.brands, run.messages) == (2, 3)
    got = sent(db)
    assert set(got) == {
        (T1, "plain", "UPLAIN1"),
        (T2, "plain", "UPLAIN1"),
        (T1, "north", "UPLAIN1"),
    }
    assert "Drafts submitted: 3" in got[(T1, "plain", "UPLAIN1")]
    assert "Drafts submitted: 1" in got[(T2, "plain", "UPLAIN1")]
    assert "this Slack workspace's drafts" in got[(T2, "plain", "UPLAIN1")]
    # workspace: unchanged figures (all its drafts), delivered in its team
    north = got[(T1, "north", "UPLAIN1")]
    assert "Drafts submitted: 2" in north and "this Slack workspace" not in north
    assert send_digests(db, gs, now=MONDAY, teams=[T1, T2]).brands == 0  # once


def test_one_workspace_is_unchanged(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, plain=PLAIN)
    add_drafts(db, tmp_path, "plain", T1, 3)
    add_drafts(db, tmp_path, "plain", None, 2)
    set_digest(db, "UPLAIN1", enabled=False, team=T1)  # a switch from Slack, in the one team
    assert not digest_enabled(db, "UPLAIN1")
    set_digest(db, "UPLAIN1", enabled=True, team=T1)
    assert send_digests(db, gs, now=MONDAY).messages == 1
    with db.reading() as session:
        (row,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND))
    assert row.team_id is None and row.dedupe_key == f"{KIND}:plain:2026-11-30:UPLAIN1"
    assert "Drafts submitted: 5" in row.payload["text"]  # every draft, as before
    set_digest(db, "UPLAIN1", enabled=False, team=T1)
    assert send_digests(db, gs, now=datetime(2026, 12, 7, 9, 30, tzinfo=UTC)).messages == 0


def test_an_opt_out_in_one_team_silences_only_that_team(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, rome=ROME)
    set_digest(db, "UROME2", enabled=False, team=T1)
    assert not digest_enabled(db, "UROME2", T1) and digest_enabled(db, "UROME2", T2)
    send_digests(db, gs, now=MONDAY, teams=[T1, T2])
    assert sorted((t, r) for t, _, r in sent(db)) == [
        (T1, "UROME1"),
        (T1, "UROME3"),
        (T2, "UROME1"),
        (T2, "UROME2"),
        (T2, "UROME3"),
    ]


def test_a_switch_of_no_team_holds_everywhere_until_switched_in_a_team(
    db: Database, tmp_path: Path
) -> None:
    with db.engine.begin() as conn:  # as the migration leaves a row written before it
        conn.execute(insert(DigestOptOut).values(user_id="UPLAIN1", since=MONDAY))
    assert not digest_enabled(db, "UPLAIN1", T1) and not digest_enabled(db, "UPLAIN1", T2)
    set_digest(db, "UPLAIN1", enabled=True, team=T2)
    assert digest_enabled(db, "UPLAIN1", T2) and digest_enabled(db, "UPLAIN1", T1)
    set_digest(db, "UPLAIN1", enabled=False, team=T2)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, team_id FROM report_digest_optouts")).all()
    assert [tuple(r) for r in rows] == [("UPLAIN1", T2)]
    gs = brands(tmp_path, plain=PLAIN)
    send_digests(db, gs, now=MONDAY, teams=[T1, T2])
    assert set(sent(db)) == {(T1, "plain", "UPLAIN1")}


def test_no_team_installed_sends_nothing_and_claims_nothing(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, plain=PLAIN)
    assert send_digests(db, gs, now=MONDAY, teams=[]).brands == 0
    assert send_digests(db, gs, now=MONDAY, teams=[T1]).messages == 1  # installed later that day
