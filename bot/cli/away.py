"""`brandgate away set --as USER --until DATE [--delegate USER] [--reason TEXT] [--team T]`,
`brandgate away clear --as USER [--team T]` and `brandgate away list [--team T]`.

Slack user ids are unique only within a team, so with many workspaces (SLACK_CLIENT_ID and the
other OAuth settings) `set` and `clear` need `--team`: whose U123 is away. In one workspace it is
optional (and absences set without it hold in the workspace, as before)."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli.common import EXIT_OK, UsageError, add_guidelines_dir, settings
from bot.cli.dbargs import add_database_url, add_format, guarded, open_service, print_json
from bot.workflow.away import parse_until
from bot.workflow.errors import InvalidRequest


def until_time(value: str) -> datetime:
    try:
        return parse_until(value)
    except InvalidRequest as exc:
        raise UsageError(str(exc)) from None


TEAM_HELP = "the user's Slack team (needed with many workspaces: user ids are per team)"


def team_of(args: argparse.Namespace) -> str | None:
    """`--team`, required when the app serves many workspaces."""
    team = (args.team or "").strip() or None
    if team is None and settings().oauth:
        raise UsageError(
            "many Slack workspaces (SLACK_CLIENT_ID is set): give --team T... "
            f"to say which workspace's {args.as_user} this is"
        )
    return team


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "away", help="approvers away: their seats pass on, no new stages until they return"
    )
    commands = parser.add_subparsers(dest="away_command", required=True)
    p = commands.add_parser("set", help="be away until a date; open seats pass to a delegate")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--until", required=True, metavar="DATE", help="a date or ISO-8601 time")
    p.add_argument("--delegate", metavar="USER", help="an approver of the same brands")
    p.add_argument("--reason")
    p.add_argument("--team", metavar="T", help=TEAM_HELP)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_set))
    p = commands.add_parser("clear", help="back before the date")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--team", metavar="T", help=TEAM_HELP)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_clear))
    p = commands.add_parser("list", help="who is away, until when, and their delegate")
    p.add_argument("--team", metavar="T", help="only the absences that hold in this Slack team")
    add_format(p)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_list))


def run_set(args: argparse.Namespace) -> int:
    until = until_time(args.until)
    team = team_of(args)
    service = open_service(args)
    try:
        print_json(
            service.away_set(
                args.as_user, until=until, delegate=args.delegate, reason=args.reason, team=team
            )
        )
    finally:
        service.db.dispose()
    return EXIT_OK


def run_clear(args: argparse.Namespace) -> int:
    team = team_of(args)
    service = open_service(args)
    try:
        print_json(service.away_clear(args.as_user, team=team))
    finally:
        service.db.dispose()
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    service = open_service(args, read_only=True)
    try:
        rows = service.away_list(team=(args.team or "").strip() or None)
    finally:
        service.db.dispose()
    if args.format == "json":
        print_json(rows)
        return EXIT_OK
    if not rows:
        print("nobody is away")
        return EXIT_OK
    teams = any(r["team"] for r in rows)  # the column only when some absence has a team
    head = f"{'team':<12} " if teams else ""
    print(f"{head}{'user':<14} {'until':<26} {'delegate':<14} reason")
    for r in rows:
        team = f"{r['team'] or '-':<12} " if teams else ""
        print(
            f"{team}{r['user']:<14} {r['until']:<26} {r['delegate'] or '-':<14} {r['reason'] or ''}"
        )
    return EXIT_OK
