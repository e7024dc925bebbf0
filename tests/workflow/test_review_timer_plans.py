"""Due work is found through an index, never by scanning every timer (issue 12, item 6).

The statements are the ones `timers run` and the serve loop issue (bot/workflow/clockwork.py);
the plan is asked from the database itself. On PostgreSQL a table this small would be read
sequentially whatever the indexes, so sequential scans are switched off for the question: the
answer then says whether the partial index can serve the query at all (its predicate must be
implied by the query's), which is what a table of 100,000 drafts relies on
(benchmarks/timers.py prints the plan at that size).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, func, select

from models import AwayPeriod
from models.db import Database
from models.timers import Timer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _plan(db: Database, stmt: Select) -> str:
    compiled = stmt.compile(dialect=db.engine.dialect)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            params = tuple(
                "2026-12-01 09:00:00.000000"
                if isinstance(compiled.params[name], datetime)
                else compiled.params[name]
                for name in compiled.positiontup or ()
            )
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", dict(compiled.params))
        return "\n".join(str(row[0]) for row in rows)


def test_due_timers_are_claimed_through_the_partial_index(db: Database) -> None:
    due = (
        select(Timer)
        .where(Timer.fired_at.is_(None), Timer.due_at <= NOW)
        .order_by(Timer.due_at, Timer.id)
        .limit(100)
    )
    plan = _plan(db, due)
    assert "ix_timers_pending_due" in plan, plan
    assert "SCAN timers\n" not in plan + "\n" and "Seq Scan" not in plan, plan


def test_the_next_due_time_is_read_from_the_indexes(db: Database) -> None:
    nearest = select(func.min(Timer.due_at)).where(Timer.fired_at.is_(None))
    plan = _plan(db, nearest)
    assert "ix_timers_pending_due" in plan, plan
    back = _plan(db, select(func.min(AwayPeriod.until)))
    assert "ix_away_periods_until" in back, back
