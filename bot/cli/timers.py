"""`brandgate timers run [--now ISO-8601]`: fire every reminder, escalation, expiry and away
return due."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.cli.common import add_guidelines_dir
from bot.cli.dbargs import add_database_url, guarded, open_service, print_json
from bot.cli.draft_fields import publish_time
from bot.workflow import run_timers


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("timers", help="fire due reminders, escalations and expiries")
    commands = parser.add_subparsers(dest="timers_command", required=True)
    p = commands.add_parser(
        "run",
        help="do once everything due now (safe beside serve and other runners)",
        description='Prints {"reminded": n, "escalated": n, "expired": n}, with "returned": n '
        "when absences ended (brandgate away).",
    )
    p.add_argument(
        "--now", metavar="ISO-8601", help="run as of this moment, with a zone (default: the clock)"
    )
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    now = publish_time(args.now, "--now") if args.now else datetime.now(UTC)
    service = open_service(args)
    try:
        print_json(run_timers(service, now))
    finally:
        service.db.dispose()
    return 0
