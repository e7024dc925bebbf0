"""Issue 15 item 5: two `serve --http` replicas behind one PostgreSQL, one SIGKILLed mid-run.

Real subprocesses (see tests/slack/replicas.py for what is driven and checked); PostgreSQL only,
since SQLite is one file on one host, not a database several replicas share.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.testing import scratch_database_url
from tests.conftest import PG_SKIP
from tests.slack.fake_slack import FakeSlack
from tests.slack.replicas import Report, run


def _run(
    fake: FakeSlack, tmp_path: Path, *, in_flight: bool, serve_args: tuple[str, ...] = ()
) -> Report:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip(PG_SKIP)
    with scratch_database_url(base, tmp_path) as url:
        return run(url, fake, tmp_path, drafts=8, in_flight=in_flight, serve_args=serve_args)


def test_two_replicas_one_killed_deliver_decide_and_fire_once(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    report = _run(fake_slack, tmp_path, in_flight=False)
    assert report.problems == [], report.summary()
    # Exactly once across the kill: a row the dead replica held is re-claimed when its lease
    # runs out and looked up in the conversation (by its metadata) before it is posted again.
    assert sum(report.reposted.values()) == 0, report.summary()
    assert report.decided == 4 and report.reminded == 4
    assert report.outbox_rows > 0 and report.posts > 0


def test_submissions_acked_by_a_replica_killed_at_once_are_not_lost(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    report = _run(fake_slack, tmp_path, in_flight=True)
    assert report.problems == [], report.summary()


def test_replicas_with_worker_processes_one_killed_deliver_decide_and_fire_once(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """`serve --http --worker-process`: acks hand their inbox rows to each replica's worker
    process; SIGKILL of a replica's HTTP process takes its worker down with it, and the other
    replica's worker redoes what was handed over once the lease runs out."""
    report = _run(fake_slack, tmp_path, in_flight=True, serve_args=("--worker-process",))
    assert report.problems == [], report.summary()
    assert sum(report.reposted.values()) == 0, report.summary()
    assert report.decided == 4 and report.reminded == 4
