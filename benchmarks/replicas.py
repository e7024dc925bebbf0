"""Scale-out: two `brandgate serve --http` replicas behind one PostgreSQL, one SIGKILLed mid-run.

    .venv/bin/python benchmarks/replicas.py [--drafts 60] [--pg URL]

Whole processes (tests/slack/replicas.py does the driving and the checks): drafts are submitted
to both replicas, replica 0 is killed with SIGKILL half-way and restarted on the same port, half
the drafts are approved by a click sent to both replicas at once, and two `timers run` processes
fire the reminders of the rest together. Printed: the run's time and ack p99, outbox rows and
posts counted by the fake Slack, decisions and reminders, the audit chain, and whether every
message was delivered once, every timer fired once, and no decision was lost or doubled.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from models.testing import scratch_database_url  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.replicas import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=60)
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL URL (default $TEST_DATABASE_URL)")
    args = parser.parse_args()
    base = args.pg or os.environ.get("TEST_DATABASE_URL")
    if not base:
        print("needs PostgreSQL: pass --pg URL or set TEST_DATABASE_URL")
        return 2
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs", flush=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSlack() as fake,
        scratch_database_url(base, Path(tmp)) as url,
    ):
        report = run(url, fake, Path(tmp), drafts=args.drafts)
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
