"""`brandgate outbox list [--failed]` and `brandgate outbox retry ID`: the messages waiting to be
delivered to Slack, the dead letter (messages given up, with why) and putting one back."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import EXIT_OK, EXIT_USAGE, error
from bot.cli.dbargs import add_database_url, add_format, guarded, open_db, print_json
from bot.workflow import outbox
from models import OutboxMessage


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("outbox", help="messages waiting for Slack; failed ones")
    commands = parser.add_subparsers(dest="outbox_command", required=True)

    p = commands.add_parser("list", help="undelivered messages, oldest first")
    p.add_argument("--failed", action="store_true", help="only the given-up ones (dead letter)")
    p.add_argument("--limit", type=int, default=100)
    add_database_url(p)
    add_format(p)
    p.set_defaults(func=guarded(run_list))

    p = commands.add_parser("retry", help="queue a failed message again, due now")
    p.add_argument("message_id", type=int, metavar="ID")
    add_database_url(p)
    add_format(p)
    p.set_defaults(func=guarded(run_retry))


def _state(row: OutboxMessage) -> str:
    if row.delivered_at is not None:
        return "delivered"
    return "pending" if row.next_attempt_at is not None else "failed"


def row_json(row: OutboxMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "state": _state(row),
        "kind": row.kind,
        "recipient": row.recipient,
        "draft": row.draft_id,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
    }


def run_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        rows = outbox.listing(db, failed_only=args.failed, limit=max(args.limit, 1))
    finally:
        db.dispose()
    if args.format == "json":
        for row in rows:
            print_json(row_json(row))
        return EXIT_OK
    if not rows:
        print("no failed messages" if args.failed else "nothing waiting")
        return EXIT_OK
    print(
        f"{'id':>6}  {'state':<8} {'kind':<15} {'recipient':<12} {'draft':>6} {'tries':>5}  error"
    )
    for row in rows:
        print(
            f"{row.id:>6}  {_state(row):<8} {row.kind:<15} {row.recipient:<12} "
            f"{row.draft_id or '':>6} {row.attempts:>5}  {row.last_error or ''}"
        )
    return EXIT_OK


def run_retry(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        queued = outbox.retry(db, args.message_id)
    finally:
        db.dispose()
    if not queued:
        error(f"outbox {args.message_id}: no failed message with this id")
        return EXIT_USAGE
    if args.format == "json":
        print_json({"id": args.message_id, "state": "pending"})
    else:
        print(f"outbox {args.message_id}: queued again; `brandgate serve` delivers it")
    return EXIT_OK
