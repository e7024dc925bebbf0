"""`brandgate db upgrade`: bring the database schema to the latest migration."""

from __future__ import annotations

import argparse

from bot.cli.common import EXIT_OK
from bot.cli.dbargs import add_database_url, guarded, open_db


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database schema management")
    commands = parser.add_subparsers(dest="db_command", required=True)
    upgrade = commands.add_parser(
        "upgrade",
        help="apply pending migrations (also done automatically on first use)",
        description="Create or upgrade the schema of $DATABASE_URL (or --database-url).",
    )
    add_database_url(upgrade)
    upgrade.set_defaults(func=guarded(run_upgrade))


def run_upgrade(args: argparse.Namespace) -> int:
    db = open_db(args, upgrade=False)
    try:
        revision = db.upgrade()
        print(f"database {db.safe_url} is at revision {revision} (latest)")
    finally:
        db.dispose()
    return EXIT_OK
