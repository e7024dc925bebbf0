"""`brandgate guidelines validate|show`: check guideline files, describe one brand."""

from __future__ import annotations

import argparse

from bot.cli.common import EXIT_OK, EXIT_USAGE, add_guidelines_dir, guideline_store, settings
from bot.guidelines.loader import describe, validate_paths


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("guidelines", help="validate or show brand guideline files")
    commands = parser.add_subparsers(dest="guidelines_command", required=True)

    validate = commands.add_parser(
        "validate", help="validate guideline files (default: the whole guidelines folder)"
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    validate.set_defaults(func=run_validate)

    show = commands.add_parser("show", help="describe one brand's guidelines")
    show.add_argument("brand", metavar="ID")
    add_guidelines_dir(show)
    show.set_defaults(func=run_show)


def run_validate(args: argparse.Namespace) -> int:
    paths = args.paths or [settings().guidelines_dir]
    problems = validate_paths(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        return EXIT_USAGE
    print("OK")
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    print(describe(guideline_store(args).get(args.brand)))
    return EXIT_OK
