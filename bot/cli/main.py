"""Entry point of the `brandgate` console script."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli.common import EXIT_USAGE, UsageError, error
from bot.config import ConfigError
from bot.guidelines.errors import GuidelineError, UnknownBrand

# Each module registers its sub-command(s) through `add_parser(subparsers)`.
COMMAND_MODULES = (
    "bot.cli.check",
    "bot.cli.guidelines",
    "bot.cli.drafts",
    "bot.cli.audit",
    "bot.cli.db",
    "bot.slack.cli",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        error(message)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="brandgate",
        description="Check agency-written social posts against brand guidelines, route them to "
        "in-house approvers and keep a tamper-evident log.",
    )
    parser.add_argument("--version", action="version", version=f"brandgate {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
