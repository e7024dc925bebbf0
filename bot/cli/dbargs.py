"""What the database-backed sub-commands share: the URL option, opening, errors to exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.audit.origin import acting_from, cli_origin
from bot.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    UsageError,
    error,
    guideline_store,
    settings,
)
from bot.workflow import (
    InvalidRequest,
    UnknownDraft,
    WorkflowError,
    WorkflowService,
)
from models.db import Database


def add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///var/brandgate.db)",
    )


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")


def database_url(args: argparse.Namespace) -> str:
    return getattr(args, "database_url", None) or settings().database_url


def shown_url(url: str) -> str:
    """The URL for messages: password hidden, and nothing at all if it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(DATABASE_URL is not a database URL)"


def _sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (plain path or `file:` URI); None for an in-memory database."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    if database in ("", ":memory:"):
        return None
    return Path(database).expanduser()


def _check_exists(url: URL, shown: str) -> None:
    if url.get_backend_name() != "sqlite":
        return
    path = _sqlite_file(url)
    if path is None or not path.is_file():
        raise UsageError(f"no database at {path or shown} (DATABASE_URL or --database-url)")


def _check_schema(db: Database) -> None:
    from models.migrate import current_revision, head_revision

    with db.read_engine.connect() as connection:
        revision = current_revision(connection)
    if revision is None:
        raise UsageError(f"no brandgate database at {db.safe_url} (it has no brandgate tables)")
    if revision != head_revision():
        raise UsageError(
            f"the database at {db.safe_url} is at an older schema ({revision}): "
            "run `brandgate db upgrade` first"
        )


def open_db(args: argparse.Namespace, *, upgrade: bool = True, read_only: bool = False) -> Database:
    """The database of $DATABASE_URL / --database-url. `read_only` (verify, export, show,
    match, list): never created, upgraded or written to; a missing one is a usage error."""
    url = database_url(args)
    shown = shown_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"DATABASE_URL is not a database URL: {shown}") from None
    if read_only:
        _check_exists(parsed, shown)
    try:
        db = Database(url, upgrade=upgrade and not read_only)
    except ImportError as exc:
        missing = exc.name or str(exc)
        raise UsageError(
            f"database {shown}: {parsed.drivername} needs the Python module {missing!r}, "
            "which is not installed (brandgate supports sqlite and postgresql+psycopg)"
        ) from None
    except OSError as exc:
        where = exc.filename or shown
        raise UsageError(
            f"database {shown}: cannot create the folder {where}: {exc.strerror}"
        ) from None
    if read_only:
        try:
            _check_schema(db)
        except BaseException:
            db.dispose()
            raise
    return db


def open_service(args: argparse.Namespace, *, read_only: bool = False) -> WorkflowService:
    return WorkflowService(open_db(args, read_only=read_only), guideline_store(args))


def exit_status(exc: WorkflowError) -> int:
    """Refusals (not allowed, already decided, blocked, wrong state) are 1; bad input is 2."""
    if isinstance(exc, InvalidRequest | UnknownDraft):
        return EXIT_USAGE
    return EXIT_REFUSED


def error_json(exc: Exception, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {**extra, "error": str(exc), "error_type": type(exc).__name__}
    for name in ("by", "decision"):
        if hasattr(exc, name):
            data[name] = getattr(exc, name)
    if hasattr(exc, "at"):
        from bot.audit.chain import format_time

        data["at"] = format_time(exc.at)
    if hasattr(exc, "findings"):
        data["findings"] = exc.findings
    return data


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Workflow refusals and database failures become one clear line and an exit status."""

    def wrapper(args: argparse.Namespace) -> int:
        # Every audit entry this command writes says it came from the CLI, run by whom as whom.
        as_user = getattr(args, "as_user", None) or getattr(args, "actor", None)
        try:
            with acting_from(cli_origin(as_user)):
                return run(args)
        except WorkflowError as exc:
            if getattr(args, "format", "text") == "json":
                print_json(error_json(exc, id=getattr(args, "draft_id", None)))
            error(str(exc))
            return exit_status(exc)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            error(f"database {shown_url(database_url(args))}: {reason}")
            return EXIT_USAGE

    return wrapper


__all__ = ["EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "guarded"]
