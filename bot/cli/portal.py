"""`brandgate portal link --as USER`: print a single-use sign-in link to the portal (operators,
tests). The link works once, for 10 minutes; the portal itself is served by `serve --http`."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import EXIT_OK, EXIT_USAGE, UsageError, error, settings
from bot.portal.links import LinkError, issue_link
from models import utcnow
from models.db import Database


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("portal", help="the web portal: sign-in links")
    sub = p.add_subparsers(dest="portal_command", required=True)
    link = sub.add_parser(
        "link", help="print a single-use sign-in link (valid 10 minutes) for a Slack user"
    )
    link.add_argument("--as", dest="user", required=True, metavar="USER", help="Slack user id")
    link.add_argument(
        "--base-url",
        metavar="URL",
        help="the portal's address (default: $BRANDGATE_PUBLIC_URL or $PORTAL_URL, "
        "else http://localhost:$PORT)",
    )
    link.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///var/brandgate.db)",
    )
    link.set_defaults(func=run_link)


def run_link(args: argparse.Namespace) -> int:
    config = settings()
    base = args.base_url or config.public_url
    db = Database(args.database_url or config.database_url)
    try:
        url = issue_link(db, args.user, base_url=base, now=utcnow())
    except LinkError as exc:
        raise UsageError(str(exc)) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        error(f"database {db.safe_url}: {reason}")
        return EXIT_USAGE
    finally:
        db.dispose()
    sys.stdout.write(url + "\n")
    return EXIT_OK
