"""A user id from one workspace never acts in another (issue 11, many workspaces): absences,
delegates and the weekly digest's switch are of a user *in a team*, and a brand without
`workspace:` sends each team a digest of its own drafts. Through the real app over HTTP
(signed requests) against the fake Slack, with two installed teams where the same user ids
(UBRAND1, UBRAND2, ...) are different people."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.slack import ids
from models import ReviewStage, StageApprover
from tests.slack.brands import BRAND1, BRAND2, LEGAL, SUBMITTER, write_brands
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.harness import Harness
from tests.slack.test_slack_oauth import NORTH, TEAM_A, TEAM_B, install
from tests.slack.test_slack_workspaces import SOUTH, home_text

EAST_APPROVER = "UEAST1"
# A brand of team B only, approved by BRAND1 and EAST_APPROVER of team B.
EAST = f"""\
brand: East Bay
language: en
version: "slack-test"
workspace: {TEAM_B}
rules: []
approvers:
  brand: [{BRAND1}, {EAST_APPROVER}]
routing:
  default: [brand]
submitters: ["*"]
"""


@pytest.fixture
def teams(fake_slack: FakeSlack, db_url: str, tmp_path: Path) -> Iterator[Harness]:
    brands = write_brands(tmp_path / "brands")
    (brands / "north.yml").write_text(NORTH, encoding="utf-8")
    (brands / "south.yml").write_text(SOUTH, encoding="utf-8")
    (brands / "east.yml").write_text(EAST, encoding="utf-8")
    harness = Harness(fake_slack, db_url, brands, oauth=True)
    install(harness, TEAM_A)
    install(harness, TEAM_B)
    yield harness
    harness.close()


def later(days: int = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def brandgate(h: Harness, text: str, user: str, team: str) -> str:
    """`/brandgate ...` in `team`: its private answer."""
    before = len(h.private_notes())
    resp = h.client.command(ids.CMD_BRANDGATE, text, user=user, team=team)
    assert resp.status == 200, resp
    h.settle()
    notes = h.private_notes()
    assert len(notes) == before + 1, notes
    return notes[-1]


def draft(h: Harness, team: str, text: str) -> int:
    resp = h.client.command(ids.CMD_DRAFT, text, user=SUBMITTER, team=team)
    assert resp.status == 200, resp
    h.deliver()
    return int(h.latest_draft(SUBMITTER)["id"])


def requests_in(h: Harness, user: str, team: str) -> list[Call]:
    return [c for c in h.review_requests(user) if c.team == team]


def active_seats(h: Harness, draft_id: int) -> set[str]:
    with h.runtime.db.reading() as session:
        return set(
            session.scalars(
                select(StageApprover.user_id)
                .join(ReviewStage, ReviewStage.id == StageApprover.stage_id)
                .where(ReviewStage.draft_id == draft_id, StageApprover.active.is_(True))
            )
        )


def test_away_in_one_team_only_there(teams: Harness) -> None:
    """BRAND1 of team A is away; BRAND1 of team B is someone else, and is asked as usual."""
    open_a = draft(teams, TEAM_A, "acme x Waiting in team A")
    open_b = draft(teams, TEAM_B, "acme x Waiting in team B")
    asked_b = len(requests_in(teams, BRAND1, TEAM_B))

    answer = brandgate(teams, f"away until {later()} holiday", BRAND1, TEAM_A)
    assert "You are away until" in answer
    teams.deliver()
    # the open seat of team A's draft passed on; team B's draft still waits for BRAND1 of B
    assert "delegated" in teams.audit_events(open_a)
    assert "delegated" not in teams.audit_events(open_b)
    assert BRAND1 not in active_seats(teams, open_a)
    assert BRAND1 in active_seats(teams, open_b)

    # new drafts: not routed to BRAND1 in team A, routed to BRAND1 in team B
    before_a = len(requests_in(teams, BRAND1, TEAM_A))
    draft(teams, TEAM_A, "acme x Fresh in team A")
    draft(teams, TEAM_B, "acme x Fresh in team B")
    assert len(requests_in(teams, BRAND1, TEAM_A)) == before_a
    assert len(requests_in(teams, BRAND1, TEAM_B)) == asked_b + 1
    assert requests_in(teams, BRAND2, TEAM_A)  # the rest of the group took team A's

    # each team sees its own: the list, the Home tab
    assert f"<@{BRAND1}> until" in brandgate(teams, "away list", BRAND2, TEAM_A)
    assert "Nobody is away" in brandgate(teams, "away list", BRAND2, TEAM_B)
    assert "You are away" in home_text(teams, BRAND1, TEAM_A)
    assert "You are away" not in home_text(teams, BRAND1, TEAM_B)
    # back in team B means nothing (BRAND1 of B was never away); in team A it ends the absence
    assert "is not away" in brandgate(teams, "away clear", BRAND1, TEAM_B)
    assert [r["team"] for r in teams.runtime.backend.away_list()] == [TEAM_A]
    assert "Welcome back" in brandgate(teams, "away clear", BRAND1, TEAM_A)
    assert teams.runtime.backend.away_list() == []


def test_the_same_user_id_away_in_both_teams_is_two_absences(teams: Harness) -> None:
    brandgate(teams, f"away until {later(3)} beach", BRAND1, TEAM_A)
    brandgate(teams, f"away until {later(5)} mountains", BRAND1, TEAM_B)
    rows = teams.runtime.backend.away_list()
    assert sorted((r["team"], r["reason"]) for r in rows) == [
        (TEAM_A, "beach"),
        (TEAM_B, "mountains"),
    ]
    brandgate(teams, "away clear", BRAND1, TEAM_B)
    assert [r["team"] for r in teams.runtime.backend.away_list()] == [TEAM_A]


def test_the_app_home_away_form_is_the_user_s_of_that_team(teams: Harness) -> None:
    teams.client.action(user=BRAND2, action_id=ids.ACTION_AWAY_OPEN, value="me", team=TEAM_B)
    teams.settle()
    view = teams.opened_view(callback_id=ids.VIEW_AWAY)
    values = {ids.BLOCK_AWAY_UNTIL: later(4), ids.BLOCK_AWAY_REASON: "conference"}
    resp = teams.client.view_submission(user=BRAND2, view=view, values=values, team=TEAM_B)
    assert resp.status == 200
    teams.deliver()
    [away] = teams.runtime.backend.away_list()
    assert (away["user"], away["team"], away["reason"]) == (BRAND2, TEAM_B, "conference")
    assert "You are away" not in home_text(teams, BRAND2, TEAM_A)
    # Back now from team A is not team B's person coming back
    teams.client.action(user=BRAND2, action_id=ids.ACTION_AWAY_BACK, value="me", team=TEAM_A)
    teams.settle()
    assert [r["team"] for r in teams.runtime.backend.away_list()] == [TEAM_B]
    teams.client.action(user=BRAND2, action_id=ids.ACTION_AWAY_BACK, value="me", team=TEAM_B)
    teams.settle()
    assert teams.runtime.backend.away_list() == []


def test_a_delegate_is_an_approver_of_a_brand_of_the_same_team(teams: Harness) -> None:
    """EAST_APPROVER approves east, which lives in team B: BRAND1 of team A cannot hand seats
    to them (the id means nobody of team A's brands); BRAND1 of team B can."""
    refused = brandgate(teams, f"away until {later()} <@{EAST_APPROVER}>", BRAND1, TEAM_A)
    assert "not an approver of brand" in refused and "east" not in refused.split("brand")[1][:40]
    assert teams.runtime.backend.away_list() == []
    open_b = draft(teams, TEAM_B, "east x Waiting in team B")
    answer = brandgate(teams, f"away until {later()} <@{EAST_APPROVER}>", BRAND1, TEAM_B)
    assert f"delegate <@{EAST_APPROVER}>" in answer
    teams.deliver()
    assert requests_in(teams, EAST_APPROVER, TEAM_B)
    assert "delegated" in teams.audit_events(open_b)
    # a delegate away in another team is not away here
    brandgate(teams, "away clear", BRAND1, TEAM_B)
    brandgate(teams, f"away until {later(2)}", LEGAL, TEAM_B)
    ok = brandgate(teams, f"away until {later()} <@{LEGAL}>", BRAND1, TEAM_A)
    assert f"delegate <@{LEGAL}>" in ok, ok
    refused = brandgate(teams, f"away until {later()} <@{LEGAL}>", BRAND2, TEAM_B)
    assert "is away too" in refused


def next_monday() -> datetime:
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(9, 30), tzinfo=UTC)


def digests_to(h: Harness, user: str) -> dict[tuple[str, str], str]:
    """(team, brand id) -> text of each weekly digest `user` got."""
    out = {}
    for c in h.dms(user):
        text = c.text or ""
        if text.startswith("Weekly brandgate digest for "):
            brand = text.split("(", 1)[1].split(")", 1)[0]
            assert (c.team, brand) not in out, "a digest sent twice"
            out[(c.team, brand)] = text
    return out


def test_each_team_gets_its_own_digest_and_its_own_switch(teams: Harness) -> None:
    for n in range(2):
        draft(teams, TEAM_A, f"acme x Team A post {n}")
    draft(teams, TEAM_B, "acme x Team B post")
    # BRAND2 of team A switches the digest off; BRAND2 of team B does not
    resp = teams.client.action(
        user=BRAND2, action_id=ids.ACTION_DIGEST_TOGGLE, value="off", team=TEAM_A
    )
    assert resp.status == 200
    teams.settle()
    assert '"Switch on"' in home_text(teams, BRAND2, TEAM_A)  # it is off there
    assert '"Switch off"' in home_text(teams, BRAND2, TEAM_B)

    desk, monday = teams.runtime.digest_desk(), next_monday()
    run = desk.send_digests(now=monday)
    assert desk.send_digests(now=monday).brands == 0  # once
    teams.clock.advance((monday - teams.clock()).total_seconds())  # queued for Monday
    teams.deliver()
    assert {r.team_id for r in teams.outbox() if r.kind == "report_digest"} == {TEAM_A, TEAM_B}

    brand1 = digests_to(teams, BRAND1)
    # acme and solo (no workspace:) in both teams; north in A only, south and east in B only
    assert set(brand1) == {
        (TEAM_A, "acme"),
        (TEAM_B, "acme"),
        (TEAM_A, "solo"),
        (TEAM_B, "solo"),
        (TEAM_A, "north"),
        (TEAM_B, "south"),
        (TEAM_B, "east"),
    }
    assert "Drafts submitted: 2" in brand1[(TEAM_A, "acme")]
    assert "Drafts submitted: 1" in brand1[(TEAM_B, "acme")]
    assert "this Slack workspace's drafts" in brand1[(TEAM_A, "acme")]
    assert set(digests_to(teams, BRAND2)) == {(TEAM_B, "acme")}  # off in team A only
    assert set(digests_to(teams, LEGAL)) == {(TEAM_A, "acme"), (TEAM_B, "acme")}
    assert set(digests_to(teams, EAST_APPROVER)) == {(TEAM_B, "east")}
    assert (run.brands, run.messages) == (5, len(brand1) + 1 + 2 + 1)
