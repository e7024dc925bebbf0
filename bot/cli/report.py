"""`brandgate report`: the shared goals of brand and agency, measured (SPEC "Reports")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import EXIT_OK, UsageError, add_guidelines_dir, guideline_store
from bot.cli.dbargs import add_database_url, guarded, open_db, print_json
from bot.guidelines.errors import GuidelineError
from bot.guidelines.loader import GuidelineStore
from bot.guidelines.model import Guidelines
from bot.reports import (
    BY_KEYS,
    PeriodError,
    build_report,
    resolve_period,
    rule_catalogue,
)
from bot.reports.chart import FORMATS, chart_format, render_chart
from bot.reports.render import to_csv, to_text


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "report",
        help="first-pass approval rate, revisions, turnaround, findings and rule precision",
    )
    p.add_argument("--brand", metavar="ID", help="one brand (default: every brand)")
    p.add_argument("--since", metavar="DATE", help="first day counted (default: 30 days back)")
    p.add_argument("--until", metavar="DATE", help="first day NOT counted (default: tomorrow)")
    p.add_argument("--by", choices=BY_KEYS, help="also give the metrics per value of this")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--chart", metavar="FILE", help="also draw the charts (FILE.svg or FILE.png)")
    add_guidelines_dir(p)
    add_database_url(p)
    p.set_defaults(func=guarded(run_report))


def _loadable(store: GuidelineStore) -> list[Guidelines]:
    """Every brand whose file loads: a broken file of one brand must not hide the others'
    report (its rules are then known by id only)."""
    out = []
    for brand_id in store.brand_ids():
        try:
            out.append(store.get(brand_id))
        except GuidelineError:
            continue
    return out


def run_report(args: argparse.Namespace) -> int:
    try:
        period = resolve_period(args.since, args.until)
    except PeriodError as exc:
        raise UsageError(str(exc)) from None
    fmt = chart_format(args.chart) if args.chart else None
    if args.chart and fmt is None:
        raise UsageError(f"--chart: {args.chart!r} must end in one of: .{', .'.join(FORMATS)}")
    store = guideline_store(args)
    # An unknown --brand raises UnknownBrand: one line, exit 2.
    guidelines = [store.get(args.brand)] if args.brand is not None else _loadable(store)
    rules = rule_catalogue(guidelines)
    db = open_db(args)
    try:
        report = build_report(db, period=period, brand=args.brand, by=args.by, rules=rules)
        weekly = report
        if fmt is not None and args.by != "week":
            weekly = build_report(db, period=period, brand=args.brand, by="week", rules=rules)
    finally:
        db.dispose()
    if fmt is not None:
        Path(args.chart).write_bytes(render_chart(weekly, fmt))
    if args.format == "json":
        print_json(report.to_json())
    elif args.format == "csv":
        sys.stdout.write(to_csv(report))
    else:
        sys.stdout.write(to_text(report))
    return EXIT_OK
