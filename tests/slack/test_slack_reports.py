"""`/brandgate report`, the weekly digest and its App Home switch, through the real app over
HTTP against the strict fake Slack (file uploads included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.slack import ids
from bot.slack.reporting import ReportDesk
from tests.slack.brands import AUDITOR, BRAND1, BRAND2, LEGAL, STRANGER, SUBMITTER
from tests.slack.fake_slack import Call
from tests.slack.harness import Harness

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _approved_draft(slack: Harness) -> None:
    slack.client.command(ids.CMD_DRAFT, "acme x Fresh trail tents are in.", user=SUBMITTER)
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    slack.click(BRAND1, ids.ACTION_APPROVE, int(draft["id"]), 1)
    slack.deliver()
    assert slack.draft(int(draft["id"])).state == "approved"


def _report(slack: Harness, text: str, user: str) -> Call:
    before = len([c for c in slack.fake.calls if c.method.startswith("/respond/")])
    resp = slack.client.command(ids.CMD_BRANDGATE, text, user=user)
    assert resp.status == 200
    assert resp.json()["response_type"] == "ephemeral"  # the ack says it is coming
    slack.settle()
    answers = [c for c in slack.fake.calls if c.method.startswith("/respond/")]
    assert len(answers) == before + 1
    assert answers[-1].ok and answers[-1].params["response_type"] == "ephemeral"
    return answers[-1]


def test_approver_gets_the_numbers_privately_and_the_chart_in_the_dm(slack: Harness) -> None:
    _approved_draft(slack)
    shown = _report(slack, "report acme", BRAND1).rendered()
    assert "acme: " in shown and "Drafts submitted: 1" in shown
    assert "decided 1 (approved 1" in shown and "First-pass approval rate: 100%" in shown
    assert "The chart is in your direct messages" in shown
    (chart,) = slack.fake.files.shared
    assert chart.channel == "DBRAND1" and chart.data.startswith(PNG_MAGIC)
    assert chart.filename.startswith("brandgate-report-acme-") and chart.alt_txt


def test_submitter_sees_only_their_own_numbers_and_no_chart(slack: Harness) -> None:
    _approved_draft(slack)
    mine = _report(slack, "report acme", SUBMITTER).rendered()
    assert f"drafts of {SUBMITTER}" in mine and "Drafts submitted: 1" in mine
    assert "Your own drafts only" in mine
    other = _report(slack, "report acme", "UAGENCY2").rendered()
    assert "Drafts submitted: 0" in other
    assert slack.fake.files.shared == []


def test_strangers_and_unknown_brands_are_refused(slack_sqlite: Harness) -> None:
    stranger = _report(slack_sqlite, "report acme", STRANGER).rendered()
    assert "Only the people of `acme` see its report." in stranger
    unknown = _report(slack_sqlite, "report nope", BRAND1).rendered()
    assert "Unknown brand `nope`." in unknown and "solo" not in unknown
    assert slack_sqlite.fake.files.shared == []


def test_without_a_brand_the_users_brands(slack_sqlite: Harness) -> None:
    # BRAND1 approves acme and solo; the auditor audits acme only.
    both = _report(slack_sqlite, "report", BRAND1).rendered()
    assert "acme: " in both and "solo: " in both
    audited = _report(slack_sqlite, "report", AUDITOR).rendered()
    assert "acme: " in audited and "solo: " not in audited
    assert len(slack_sqlite.fake.files.shared) == 3


def test_a_chart_slack_refuses_still_leaves_the_numbers(slack_sqlite: Harness) -> None:
    slack_sqlite.fake.channel_errors["UBRAND1"] = "is_archived"
    shown = _report(slack_sqlite, "report acme", BRAND1).rendered()
    assert "Drafts submitted: 0" in shown and "could not be posted" in shown


def _home(slack: Harness, user: str) -> dict[str, object]:
    resp = slack.client.event({"type": "app_home_opened", "user": user, "tab": "home"})
    assert resp.status == 200
    slack.settle()
    view = slack.fake.calls_to("views.publish")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _digest_button(view: dict[str, object]) -> dict[str, str] | None:
    for block in view["blocks"]:  # type: ignore[attr-defined]
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == ids.ACTION_DIGEST_TOGGLE:
            return {"value": accessory["value"], "text": block["text"]["text"]}
    return None


def test_home_switch_and_the_digest_delivered(slack: Harness) -> None:
    assert _digest_button(_home(slack, SUBMITTER)) is None  # not an approver: no switch
    button = _digest_button(_home(slack, BRAND2))
    assert button is not None and button["value"] == "off"
    assert "on: every Monday" in button["text"]

    resp = slack.client.action(user=BRAND2, action_id=ids.ACTION_DIGEST_TOGGLE, value="off")
    assert resp.status == 200
    slack.settle()
    published = slack.fake.calls_to("views.publish")[-1]
    assert published.params["user_id"] == BRAND2
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert _digest_button(view) == {"value": "on", "text": "*Weekly report digest* · off"}
    # Someone else clicking a stale button changes nothing for BRAND2 (only the clicker's own).
    slack.client.action(user=STRANGER, action_id=ids.ACTION_DIGEST_TOGGLE, value="on")
    slack.settle()

    desk = ReportDesk.of(slack.runtime.backend)
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert desk.send_digests(now=monday).brands == 2  # acme and solo (UTC: no business hours)
    assert desk.send_digests(now=monday).brands == 0
    slack.deliver()
    got = sorted(
        (str(c.params["channel"]), c.text.split(" (")[0])
        for c in slack.fake.calls_to("chat.postMessage")
        if "Weekly brandgate digest" in c.text
    )
    acme = "Weekly brandgate digest for Acme Outdoor"
    solo = "Weekly brandgate digest for Solo Studio"
    # BRAND2 switched it off; BRAND1 approves both brands.
    assert got == [(BRAND1, acme), (BRAND1, solo), (LEGAL, acme)]


def test_serve_runs_the_digest_ticker(slack_sqlite: Harness) -> None:
    (digest,) = [t for t in slack_sqlite.runtime.tickers if t.name == "brandgate-digest"]
    assert digest.interval == 300.0
    # Whatever today is, a second tick sends nothing the first did not.
    digest.tick()
    assert not digest.tick()
