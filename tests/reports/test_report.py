"""`brandgate report` over the scripted history of reporthistory.py, computed by hand.

The period is [2026-11-02, 2026-11-16): D0 (one second before) and D19 (at the end bound) are
out, DL (one second before the end, decided after it) is in; brand `other` never appears.
Acme drafts in the period (20):
  week 2026-11-02: D1 approved at 30 min; D2 blocked, overridden, rejected by legal 60 min after
  the override; D3 (linkedin, all-mode) changes requested, revised, approved by both 240 min
  after submission; D4 reply approved by the policy (never routed to people); D5 reply with a
  relevance finding approved as is at 10 min; D6 `cheap` edited away by the approver at 20 min;
  DS sponsored, pending (its routing fallback logs an `escalated` entry that is no SLA breach).
  week 2026-11-09: D7 withdrawn; D8 escalated (overdue) then expired; C0..C9 `cheap` approved
  as is at 15 min each; DL approved at 5 min.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from reporthistory import SINCE, UNTIL, WEEK1, WEEK2

from bot.cli.main import main
from bot.reports.render import CSV_COLUMNS, flat

CHEAP_ADVICE_11 = (
    "Approvers overruled 'cheap' on 10 of 11 decided drafts (precision 0.09): lower its level "
    "from warning to suggestion, or drop 'cheap' (10\u00d7) from its `swap`."
)
CHEAP_ADVICE_10 = CHEAP_ADVICE_11.replace("10 of 11", "10 of 10").replace("0.09", "0.00")


def rule(name: str, drafts: int, confirmed: int, advice: str | None = None) -> dict[str, Any]:
    overruled = drafts - confirmed
    return {
        "rule": name,
        "drafts": drafts,
        "confirmed": confirmed,
        "overruled": overruled,
        "precision": round(confirmed / drafts, 2),
        "advice": advice,
    }


def metrics(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "drafts": 0,
        "decided": 0,
        "approved": 0,
        "auto_approved": 0,
        "rejected": 0,
        "blocked": 0,
        "overridden": 0,
        "withdrawn": 0,
        "expired": 0,
        "first_pass_approval_rate": None,
        "revisions_per_draft": None,
        "turnaround_minutes": {"p50": None, "p90": None},
        "sla_breaches": 0,
        "authenticity": {"boilerplate": 0.0, "duplicate": 0.0, "relevance": 0.0},
        "rules": [],
    }
    base.update(kw)
    return base


TOTAL = metrics(
    drafts=20,
    decided=17,  # 16 approved (D1 D3 D4 D5 D6 C0-9 DL) + D2 rejected
    approved=16,
    auto_approved=1,  # D4
    rejected=1,
    blocked=1,  # D2
    overridden=1,
    withdrawn=1,  # D7
    expired=1,  # D8
    first_pass_approval_rate=0.82,  # D1 D4 D5 C0-9 DL = 14 of 17 (D3, D6 at revision 2)
    revisions_per_draft=1.12,  # 19 revisions / 17 decided drafts
    # 16 turnarounds: 5, 10, 15 x10, 20, 30, 60, 240 -> p50 rank 7.5 = 15, p90 rank 13.5 = 45
    turnaround_minutes={"p50": 15.0, "p90": 45.0},
    sla_breaches=1,  # D8; DS's routing fallback is not counted
    authenticity={"boilerplate": 0.0, "duplicate": 0.0, "relevance": 0.05},  # D5 of 20
    rules=[
        rule("cheap", 11, 1, CHEAP_ADVICE_11),  # D6 confirmed, C0-9 overruled
        rule("ignores-customer", 1, 0),  # D5 overruled; under 10 drafts: no advice
        rule("no-guarantees", 1, 1),  # D2 rejected
    ],
)

WEEKS = [
    metrics(
        key=WEEK1,
        drafts=7,
        decided=6,
        approved=5,
        auto_approved=1,
        rejected=1,
        blocked=1,
        overridden=1,
        first_pass_approval_rate=0.5,
        revisions_per_draft=1.33,
        # 10, 20, 30, 60, 240: p50 = 30, p90 at rank 3.6 = 60 + 0.6 * 180
        turnaround_minutes={"p50": 30.0, "p90": 168.0},
        authenticity={"boilerplate": 0.0, "duplicate": 0.0, "relevance": 0.14},
        rules=[rule("cheap", 1, 1), rule("ignores-customer", 1, 0), rule("no-guarantees", 1, 1)],
    ),
    metrics(
        key=WEEK2,
        drafts=13,
        decided=11,
        approved=11,
        withdrawn=1,
        expired=1,
        first_pass_approval_rate=1.0,
        revisions_per_draft=1.0,
        turnaround_minutes={"p50": 15.0, "p90": 15.0},
        sla_breaches=1,
        rules=[rule("cheap", 10, 0, CHEAP_ADVICE_10)],
    ),
]

SUBMITTERS = [
    metrics(
        key="UAGENCY1",
        drafts=6,
        decided=5,
        approved=4,
        rejected=1,
        blocked=1,
        overridden=1,
        expired=1,
        first_pass_approval_rate=0.6,
        revisions_per_draft=1.2,
        # 5, 10, 20, 30, 60: p90 at rank 3.6 = 30 + 0.6 * 30
        turnaround_minutes={"p50": 20.0, "p90": 48.0},
        sla_breaches=1,
        authenticity={"boilerplate": 0.0, "duplicate": 0.0, "relevance": 0.17},
        rules=[rule("cheap", 1, 1), rule("ignores-customer", 1, 0), rule("no-guarantees", 1, 1)],
    ),
    metrics(
        key="UAGENCY2",
        drafts=13,
        decided=12,
        approved=12,
        auto_approved=1,
        withdrawn=1,
        first_pass_approval_rate=0.92,
        revisions_per_draft=1.08,
        turnaround_minutes={"p50": 15.0, "p90": 15.0},
        rules=[rule("cheap", 10, 0, CHEAP_ADVICE_10)],
    ),
    metrics(key="UBRAND1", drafts=1),  # DS, pending: nothing decided, rates are null
]

APPROVERS = [
    metrics(
        key="UBRAND1",
        drafts=4,
        decided=4,
        approved=4,
        first_pass_approval_rate=0.5,
        revisions_per_draft=1.5,  # D1 D3 D6 DL
        # 5, 20, 30, 240: p50 rank 1.5 = 25, p90 rank 2.7 = 30 + 0.7 * 210
        turnaround_minutes={"p50": 25.0, "p90": 177.0},
        rules=[rule("cheap", 1, 1)],
    ),
    metrics(
        key="UBRAND2",
        drafts=12,
        decided=12,
        approved=12,
        first_pass_approval_rate=0.92,
        revisions_per_draft=1.08,
        turnaround_minutes={"p50": 15.0, "p90": 15.0},  # D3 D5 C0-9
        authenticity={"boilerplate": 0.0, "duplicate": 0.0, "relevance": 0.08},
        rules=[rule("cheap", 10, 0, CHEAP_ADVICE_10), rule("ignores-customer", 1, 0)],
    ),
    metrics(
        key="ULEGAL1",
        drafts=1,
        decided=1,
        rejected=1,
        blocked=1,
        overridden=1,
        first_pass_approval_rate=0.0,
        revisions_per_draft=1.0,
        turnaround_minutes={"p50": 60.0, "p90": 60.0},
        rules=[rule("no-guarantees", 1, 1)],
    ),
    metrics(
        key="policy",
        drafts=1,
        decided=1,
        approved=1,
        auto_approved=1,
        first_pass_approval_rate=1.0,
        revisions_per_draft=1.0,
    ),
]


def run(capsys: pytest.CaptureFixture[str], scripted: Any, *args: str) -> tuple[int, str, str]:
    code = main(
        [
            "report",
            "--database-url",
            scripted.url,
            "--guidelines-dir",
            str(scripted.guidelines_dir),
            *args,
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys: pytest.CaptureFixture[str], scripted: Any, *args: str) -> dict[str, Any]:
    code, out, err = run(
        capsys,
        scripted,
        "--brand",
        "acme",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--format",
        "json",
        *args,
    )
    assert code == 0, err
    return dict(json.loads(out))


def test_every_field_of_the_whole_report(capsys: pytest.CaptureFixture[str], scripted: Any) -> None:
    data = report(capsys, scripted)
    assert data == {
        "brand": "acme",
        "since": SINCE,
        "until": UNTIL,
        **TOTAL,
        "by": None,
        "groups": [],
    }


@pytest.mark.parametrize(
    ("by", "groups"),
    [("week", WEEKS), ("submitter", SUBMITTERS), ("approver", APPROVERS)],
)
def test_groups(
    capsys: pytest.CaptureFixture[str], scripted: Any, by: str, groups: list[dict[str, Any]]
) -> None:
    data = report(capsys, scripted, "--by", by)
    assert data["groups"] == groups
    # Grouping never changes the totals.
    assert {k: v for k, v in data.items() if k not in ("by", "groups")} == {
        "brand": "acme",
        "since": SINCE,
        "until": UNTIL,
        **TOTAL,
    }


def test_groups_by_platform_and_kind(capsys: pytest.CaptureFixture[str], scripted: Any) -> None:
    platforms = {g["key"]: g for g in report(capsys, scripted, "--by", "platform")["groups"]}
    assert sorted(platforms) == ["linkedin", "x"]
    assert platforms["linkedin"] == metrics(
        key="linkedin",
        drafts=1,
        decided=1,
        approved=1,
        first_pass_approval_rate=0.0,
        revisions_per_draft=2.0,
        turnaround_minutes={"p50": 240.0, "p90": 240.0},
    )  # D3
    assert platforms["x"]["drafts"] == 19 and platforms["x"]["decided"] == 16
    assert platforms["x"]["first_pass_approval_rate"] == 0.88  # 14 of 16
    kinds = {g["key"]: g for g in report(capsys, scripted, "--by", "kind")["groups"]}
    assert kinds["reply"] == metrics(
        key="reply",
        drafts=2,
        decided=2,
        approved=2,
        auto_approved=1,
        first_pass_approval_rate=1.0,
        revisions_per_draft=1.0,
        turnaround_minutes={"p50": 10.0, "p90": 10.0},  # D5 only: D4 never reached people
        authenticity={"boilerplate": 0.0, "duplicate": 0.0, "relevance": 0.5},
        rules=[rule("ignores-customer", 1, 0)],
    )
    assert kinds["post"]["drafts"] == 18 and kinds["post"]["turnaround_minutes"] == {
        "p50": 15.0,
        "p90": 48.0,  # 15 values: 5, 15 x10, 20, 30, 60, 240; rank 12.6 = 30 + 0.6 * 30
    }


def test_period_bounds(capsys: pytest.CaptureFixture[str], scripted: Any) -> None:
    # One second wider on each side brings in D0 (rejected) and D19 (pending).
    code, out, err = run(
        capsys,
        scripted,
        "--brand",
        "acme",
        "--since",
        "2026-11-01T23:59:59Z",
        "--until",
        "2026-11-16T00:00:01Z",
        "--format",
        "json",
    )
    assert code == 0, err
    wide = json.loads(out)
    assert (wide["drafts"], wide["decided"], wide["rejected"]) == (22, 18, 2)
    assert wide["since"] == "2026-11-01T23:59:59Z" and wide["until"] == "2026-11-16T00:00:01Z"
    # Only the second week.
    code, out, _ = run(
        capsys, scripted, "--brand", "acme", "--since", WEEK2, "--until", UNTIL, "--format", "json"
    )
    assert json.loads(out)["drafts"] == 13
    # `other` alone, and every brand together.
    code, out, _ = run(
        capsys, scripted, "--brand", "other", "--since", SINCE, "--until", UNTIL, "--format", "json"
    )
    assert json.loads(out)["drafts"] == 1
    code, out, _ = run(capsys, scripted, "--since", SINCE, "--until", UNTIL, "--format", "json")
    everyone = json.loads(out)
    assert everyone["brand"] is None and everyone["drafts"] == 21


def test_default_period_is_the_last_30_days(
    capsys: pytest.CaptureFixture[str], scripted: Any
) -> None:
    from bot.reports import resolve_period

    code, out, _ = run(capsys, scripted, "--brand", "acme", "--format", "json")
    assert code == 0
    data = json.loads(out)
    period = resolve_period(None, None)
    assert (data["since"], data["until"]) == (period.since_label, period.until_label)
    assert (period.until - period.since).days == 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brand", "acmee"], "unknown brand 'acmee'"),
        (["--since", "2026-13-01"], "--since: not a date"),
        (["--until", "yesterday"], "--until: not a date"),
        (["--since", UNTIL, "--until", SINCE], "must be before"),
        (["--chart", "out.gif"], "--chart"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], scripted: Any, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, scripted, *args)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_csv_agrees_with_json(capsys: pytest.CaptureFixture[str], scripted: Any) -> None:
    data = report(capsys, scripted, "--by", "week")
    code, out, _ = run(
        capsys,
        scripted,
        "--brand",
        "acme",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--by",
        "week",
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS

    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    scopes = [("total", "", data)] + [("group", g["key"], g) for g in data["groups"]]
    head = {"brand": "acme", "since": SINCE, "until": UNTIL, "by": "week"}
    expected = []
    for scope, key, m in scopes:
        metrics = {c: cell(v) for c, v in flat(m).items()}
        expected.append({**head, "scope": scope, "key": key, **metrics})
        for r in m["rules"]:
            expected.append(
                {
                    **head,
                    "scope": scope,
                    "key": key,
                    "rule": r["rule"],
                    "rule_drafts": str(r["drafts"]),
                    "confirmed": str(r["confirmed"]),
                    "overruled": str(r["overruled"]),
                    "precision": cell(r["precision"]),
                    "advice": cell(r["advice"]),
                }
            )
    assert [{k: v for k, v in row.items() if v != ""} for row in rows] == [
        {k: v for k, v in row.items() if v != ""} for row in expected
    ]
    assert rows[0]["turnaround_minutes_p90"] == "45.0" and rows[0]["drafts"] == "20"


def test_text_agrees_with_json(capsys: pytest.CaptureFixture[str], scripted: Any) -> None:
    code, out, _ = run(
        capsys, scripted, "--brand", "acme", "--since", SINCE, "--until", UNTIL, "--by", "week"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Report for acme, {SINCE} to {UNTIL} (until excluded)"
    table = {line.split("  ")[0].strip(): line.split() for line in lines if "  " in line}
    assert table["first-pass approval rate"][-3:] == ["0.82", "0.50", "1.00"]
    assert table["turnaround p90 (min)"][-3:] == ["45.00", "168.00", "15.00"]
    assert table["drafts"][-3:] == ["20", "7", "13"]
    assert table["SLA breaches (escalations)"][-3:] == ["1", "0", "1"]
    assert table["revisions per decided draft"][-3:] == ["1.12", "1.33", "1.00"]
    assert table["cheap"] == ["cheap", "11", "1", "10", "0.09"]
    assert f"  advice: {CHEAP_ADVICE_11}" in lines
    assert not any("advice" in line and "no-guarantees" in line for line in lines)


def test_empty_period(capsys: pytest.CaptureFixture[str], scripted: Any) -> None:
    code, out, _ = run(
        capsys,
        scripted,
        "--brand",
        "acme",
        "--since",
        "2020-01-01",
        "--until",
        "2020-02-01",
        "--format",
        "json",
        "--by",
        "week",
    )
    assert code == 0
    data = json.loads(out)
    assert data["drafts"] == 0 and data["groups"] == []
    assert data["first_pass_approval_rate"] is None
    assert data["authenticity"] == {"boilerplate": None, "duplicate": None, "relevance": None}


def test_the_report_vocabulary_agrees_with_the_workflow() -> None:
    """bot.reports.sql spells out states and names (to start fast): they must stay the same."""
    from bot.audit import events
    from bot.reports import sql
    from bot.workflow.context import POLICY_ACTOR
    from bot.workflow.states import ACCEPTED, State

    assert set(sql.ACCEPTED_STATES) == {s.value for s in ACCEPTED}
    spelt = (sql.REJECTED, sql.WITHDRAWN, sql.EXPIRED, sql.POLICY_ACTOR)
    expired = getattr(State, "EXPIRED", "expired")
    assert spelt == (State.REJECTED.value, State.WITHDRAWN.value, expired, POLICY_ACTOR)
    events_spelt = (sql.OVERRIDDEN_EVENT, sql.ESCALATED_EVENT)
    assert events_spelt == (events.OVERRIDDEN, events.ESCALATED)
