"""What every sub-command shares: settings, the guideline store, exit codes and errors."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:  # imported when used: the engine loads spaCy, which `report` does not need
    from bot.guidelines.loader import GuidelineStore
    from bot.guidelines.store import ArtefactCache

EXIT_OK = 0
EXIT_REFUSED = 1  # for `check`: some draft has an error-level finding
EXIT_USAGE = 2


class UsageError(Exception):
    """A usage or configuration problem: printed as one clear line, exit status 2."""


def settings() -> Settings:
    return Settings.from_env()


def guideline_store(args: argparse.Namespace, cache: ArtefactCache | None = None) -> GuidelineStore:
    """`cache`: where validated files are kept between runs (`check` passes its own)."""
    from bot.engine.rules import RULE_TYPES
    from bot.guidelines.loader import GuidelineStore

    directory = getattr(args, "guidelines_dir", None)
    return GuidelineStore(
        Path(directory) if directory else settings().guidelines_dir, RULE_TYPES, cache
    )


def add_guidelines_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guidelines-dir",
        metavar="DIR",
        help="folder of guideline files (default: $BRAND_GUIDELINES_DIR or ./brand_guidelines)",
    )


def use_colour(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def error(message: str) -> None:
    print(f"brandgate: {message}", file=sys.stderr)
