"""`brandgate pause BRAND --as USER --reason TEXT` and `brandgate resume BRAND --as USER`."""

from __future__ import annotations

import argparse

from bot.cli.common import add_guidelines_dir
from bot.cli.dbargs import add_database_url, guarded, open_service, print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Registers both `pause` and `resume` (main's table names this module for each)."""
    if "pause" in subparsers.choices:
        return
    _add_resume_parser(subparsers)
    p = subparsers.add_parser("pause", help="pause a brand for a crisis (any of its approvers)")
    p.add_argument("brand", metavar="BRAND")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--reason", required=True)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_pause))


def _add_resume_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("resume", help="resume a paused brand (any of its approvers)")
    p.add_argument("brand", metavar="BRAND")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_resume))


def run_pause(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        print_json(service.pause(args.brand, actor=args.as_user, reason=args.reason))
    finally:
        service.db.dispose()
    return 0


def run_resume(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        print_json(service.resume(args.brand, actor=args.as_user))
    finally:
        service.db.dispose()
    return 0
