"""Entry point of the `brandgate` console script."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli.common import EXIT_USAGE, UsageError, error
from bot.cli.records import check_argv
from bot.config import ConfigError
from bot.guidelines.errors import GuidelineError, UnknownBrand

# Each module registers its sub-command through `add_parser(subparsers)`. Only the module of
# the command being run is imported: `check` must not pay for SQLAlchemy or Slack at start-up.
COMMAND_MODULES = {
    "check": "bot.cli.check",
    "guidelines": "bot.cli.guidelines",
    "drafts": "bot.cli.drafts",
    "audit": "bot.cli.audit",
    "report": "bot.cli.report",
    "db": "bot.cli.db",
    "timers": "bot.cli.timers",
    "pause": "bot.cli.pause",
    "away": "bot.cli.away",
    "resume": "bot.cli.pause",
    "outbox": "bot.cli.outbox",
    "portal": "bot.cli.portal",
    "serve": "bot.slack.cli",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        error(message)
        raise SystemExit(EXIT_USAGE)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for `command` alone when it is known, else for every command (for help)."""
    parser = _Parser(
        prog="brandgate",
        description="Check agency-written social posts against brand guidelines, route them to "
        "in-house approvers and keep a tamper-evident log.",
    )
    parser.add_argument("--version", action="version", version=f"brandgate {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    wanted = [command] if command in COMMAND_MODULES else list(COMMAND_MODULES)
    for name in wanted:
        importlib.import_module(COMMAND_MODULES[name]).add_parser(subparsers)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        check_argv(argv)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    args = build_parser(_command_of(argv)).parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, ConfigError, UnknownBrand) as exc:
        error(str(exc))
        return EXIT_USAGE
    except GuidelineError as exc:
        error(f"invalid guidelines:\n{exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
