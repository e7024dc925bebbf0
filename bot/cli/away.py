"""`brandgate away set --as USER --until DATE [--delegate USER] [--reason TEXT]`,
`brandgate away clear --as USER` and `brandgate away list`."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli.common import EXIT_OK, UsageError, add_guidelines_dir
from bot.cli.dbargs import add_database_url, add_format, guarded, open_service, print_json
from bot.workflow.away import parse_until
from bot.workflow.errors import InvalidRequest


def until_time(value: str) -> datetime:
    try:
        return parse_until(value)
    except InvalidRequest as exc:
        raise UsageError(str(exc)) from None


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
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_set))
    p = commands.add_parser("clear", help="back before the date")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_clear))
    p = commands.add_parser("list", help="who is away, until when, and their delegate")
    add_format(p)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_list))


def run_set(args: argparse.Namespace) -> int:
    until = until_time(args.until)
    service = open_service(args)
    try:
        print_json(
            service.away_set(args.as_user, until=until, delegate=args.delegate, reason=args.reason)
        )
    finally:
        service.db.dispose()
    return EXIT_OK


def run_clear(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        print_json(service.away_clear(args.as_user))
    finally:
        service.db.dispose()
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    service = open_service(args, read_only=True)
    try:
        rows = service.away_list()
    finally:
        service.db.dispose()
    if args.format == "json":
        print_json(rows)
        return EXIT_OK
    if not rows:
        print("nobody is away")
        return EXIT_OK
    print(f"{'user':<14} {'until':<26} {'delegate':<14} reason")
    for r in rows:
        print(f"{r['user']:<14} {r['until']:<26} {r['delegate'] or '-':<14} {r['reason'] or ''}")
    return EXIT_OK
