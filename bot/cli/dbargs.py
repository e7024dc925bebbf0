"""What the database-backed sub-commands share: the URL option, opening, errors to exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, error, guideline_store, settings
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


def open_db(args: argparse.Namespace, *, upgrade: bool = True) -> Database:
    return Database(database_url(args), upgrade=upgrade)


def open_service(args: argparse.Namespace) -> WorkflowService:
    return WorkflowService(open_db(args), guideline_store(args))


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
        try:
            return run(args)
        except WorkflowError as exc:
            if getattr(args, "format", "text") == "json":
                print_json(error_json(exc, id=getattr(args, "draft_id", None)))
            error(str(exc))
            return exit_status(exc)
        except SQLAlchemyError as exc:
            url = database_url(args)
            from sqlalchemy.engine import make_url

            try:
                shown = make_url(url).render_as_string(hide_password=True)
            except Exception:
                shown = "(unparseable DATABASE_URL)"
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            error(f"database {shown}: {reason}")
            return EXIT_USAGE

    return wrapper


__all__ = ["EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "guarded"]
