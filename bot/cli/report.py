"""`brandgate report`: the shared goals of brand and agency, measured (SPEC "Reports").

Kept light on purpose: it imports neither the workflow nor the guideline loader (both load
spaCy), so a report costs its queries, not a second of start-up; matplotlib only with --chart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.cli.common import EXIT_OK, EXIT_USAGE, UsageError, add_guidelines_dir, error, settings
from bot.reports import BY_KEYS, PeriodError, build_report, resolve_period
from bot.reports.catalogue import CatalogueError, catalogue
from bot.reports.render import to_csv, to_text
from models.db import Database

CHART_FORMATS = ("svg", "png")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "report",
        help="first-pass approval rate, revisions, turnaround, findings and rule precision",
    )
    p.add_argument("--brand", metavar="ID", help="one brand (default: every brand)")
    p.add_argument(
        "--team", metavar="T", help="only the drafts of this Slack team (default: every team)"
    )
    p.add_argument("--since", metavar="DATE", help="first day counted (default: 30 days back)")
    p.add_argument("--until", metavar="DATE", help="first day NOT counted (default: tomorrow)")
    p.add_argument("--by", choices=BY_KEYS, help="also give the metrics per value of this")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--chart", metavar="FILE", help="also draw the charts (FILE.svg or FILE.png)")
    add_guidelines_dir(p)
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///var/brandgate.db)",
    )
    p.set_defaults(func=run_report)


def _chart_format(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in CHART_FORMATS:
        raise UsageError(f"--chart: {filename!r} must end in .svg or .png")
    return suffix


def _check_database_exists(url: str) -> None:
    """A SQLite file that is not there is a typo, not an empty history: say so (exit 2) like
    the other reading commands, instead of creating a database and reporting zeros. Kept here
    (not bot.cli.dbargs) because that module imports the workflow, which loads spaCy."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError("DATABASE_URL is not a database URL") from None
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    if database in ("", ":memory:"):
        return
    path = Path(database).expanduser()
    if not path.is_file():
        raise UsageError(f"no database at {path} (DATABASE_URL or --database-url)")


def run_report(args: argparse.Namespace) -> int:
    try:
        period = resolve_period(args.since, args.until)
    except PeriodError as exc:
        raise UsageError(str(exc)) from None
    fmt = _chart_format(args.chart) if args.chart else None
    directory = Path(args.guidelines_dir) if args.guidelines_dir else settings().guidelines_dir
    try:
        rules = catalogue(directory, args.brand)  # an unknown --brand: UnknownBrand, exit 2
    except CatalogueError as exc:
        raise UsageError(str(exc)) from None
    url = args.database_url or settings().database_url
    _check_database_exists(url)
    try:
        # A report only reads: it never creates or migrates a database.
        db = Database(url, upgrade=False)
        try:
            report = build_report(
                db, period=period, brand=args.brand, by=args.by, rules=rules, team=args.team
            )
            weekly = report
            if fmt is not None and args.by != "week":
                weekly = build_report(
                    db, period=period, brand=args.brand, by="week", rules=rules, team=args.team
                )
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        error(f"database {shown}: {reason}")
        return EXIT_USAGE
    if fmt is not None:
        from bot.reports.chart import render_chart

        image = render_chart(weekly, "svg" if fmt == "svg" else "png")
        try:
            Path(args.chart).write_bytes(image)
        except OSError as exc:
            raise UsageError(f"--chart: cannot write {args.chart}: {exc.strerror}") from None
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    elif args.format == "csv":
        sys.stdout.write(to_csv(report))
    else:
        sys.stdout.write(to_text(report))
    return EXIT_OK
