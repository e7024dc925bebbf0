"""What a report needs to know of a brand's rules (id, type, level), read from its guideline file.

A report runs no check, so it reads the files with a plain YAML parser instead of the guideline
loader, which compiles every rule and so loads spaCy (over a second of start-up for a command
that should answer in one). A file the loader would refuse still names its rules here; `brandgate
guidelines validate` is where its problems are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.guidelines.errors import UnknownBrand

SUFFIX = ".yml"
BRAND_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # as bot.guidelines.loader.BRAND_ID_PATTERN


class CatalogueError(ValueError):
    """A guideline file that is not even YAML: one line naming it."""


@dataclass(frozen=True)
class RuleInfo:
    id: str
    type: str
    level: str


def brand_ids(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(
        p.stem
        for p in directory.iterdir()
        if p.is_file() and p.suffix == SUFFIX and BRAND_ID.match(p.stem)
    )


def _rules(path: Path) -> dict[str, RuleInfo]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CatalogueError(f"{path}: cannot be read as YAML: {first}") from None
    out: dict[str, RuleInfo] = {}
    rules = data.get("rules") if isinstance(data, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            out.setdefault(
                rule["id"],
                RuleInfo(rule["id"], str(rule.get("type", "")), str(rule.get("level", ""))),
            )
    return out


def catalogue(directory: Path, brand: str | None) -> dict[str, RuleInfo]:
    """Rule id -> (type, level) of `brand`, or of every brand (the first brand wins a shared id).

    An unknown brand raises UnknownBrand (one line, exit 2 in the CLI).
    """
    known = brand_ids(directory)
    if brand is not None:
        if brand not in known:
            raise UnknownBrand(brand, known)
        return _rules(directory / f"{brand}{SUFFIX}")
    out: dict[str, RuleInfo] = {}
    for brand_id in known:
        for rule_id, info in _rules(directory / f"{brand_id}{SUFFIX}").items():
            out.setdefault(rule_id, info)
    return out
