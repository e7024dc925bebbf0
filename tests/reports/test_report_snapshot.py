"""On PostgreSQL the report's aggregations run in parallel, in the snapshot of the main
transaction: the figures must be those of the serial run, and a write committed while the report
runs must not show in some of its numbers and not in others."""

from __future__ import annotations

from typing import Any

import pytest
from reporthistory import SINCE, UNTIL

from bot.reports import build_report, resolve_period
from bot.reports import service as report_service


def test_parallel_statements_share_the_main_snapshot(
    scripted: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    period = resolve_period(SINCE, UNTIL)
    serial = build_report(scripted.db, period=period, brand="acme", by="week")
    if scripted.db.dialect != "postgresql":
        assert serial.metrics.drafts > 0
        return

    snapshots: list[str | None] = []
    in_snapshot = report_service._Query._in_snapshot
    committed_meanwhile = False

    def spy(self: Any, statement: str, params: Any) -> list[Any]:
        nonlocal committed_meanwhile
        snapshots.append(self.snapshot)
        if not committed_meanwhile:
            # Another writer withdraws every draft while the report is under way.
            committed_meanwhile = True
            with scripted.db.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE drafts SET state = 'withdrawn'")
        return in_snapshot(self, statement, params)

    monkeypatch.setattr(report_service._Query, "_in_snapshot", spy)
    parallel = build_report(scripted.db, period=period, brand="acme", by="week")
    # three statements (counts, turnaround, findings) for the whole and three for the weeks
    assert len(snapshots) == 6 and len(set(snapshots)) == 1 and snapshots[0]
    assert parallel == serial
