"""Who is what for each brand, read from the guideline files' people sections.

Read with a plain YAML parser, as `bot.reports.catalogue` reads rules: the portal runs no check,
and compiling every rule (spaCy) to learn three lists of user ids would cost seconds. A file is
re-read when its modification time or size changes, so an auditor removed from a file loses the
portal at their next request. A file that is not even YAML grants nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.guidelines.reading import BRAND_ID_PATTERN, SUFFIXES

logger = logging.getLogger("brandgate.portal.roles")


@dataclass(frozen=True)
class BrandPeople:
    brand: str
    name: str
    approvers: frozenset[str]
    auditors: frozenset[str]
    submitters: frozenset[str]  # "*" means anyone of the workspace


def _users(value: Any) -> frozenset[str]:
    items = value if isinstance(value, list) else []
    return frozenset(str(v) for v in items if isinstance(v, str))


def _people(brand: str, data: Any) -> BrandPeople:
    data = data if isinstance(data, dict) else {}
    groups = data.get("approvers")
    approvers: set[str] = set()
    for members in (groups if isinstance(groups, dict) else {}).values():
        approvers |= _users(members)
    return BrandPeople(
        brand=brand,
        name=str(data.get("brand") or brand),
        approvers=frozenset(approvers),
        auditors=_users(data.get("auditors")),
        submitters=_users(data.get("submitters")) if "submitters" in data else frozenset({"*"}),
    )


class Roles:
    """Every brand's people, from the `*.yml` files of one folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: dict[Path, tuple[tuple[int, int], BrandPeople | None]] = {}
        self._lock = threading.Lock()

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(
            p
            for p in self.directory.iterdir()
            if p.is_file() and p.suffix in SUFFIXES and BRAND_ID_PATTERN.match(p.stem)
        )

    def _read(self, path: Path) -> BrandPeople | None:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
        try:
            people: BrandPeople | None = _people(
                path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))
            )
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            why = type(exc).__name__
            logger.warning("%s: not readable as YAML (%s): it grants nobody", path, why)
            people = None
        with self._lock:
            self._cache[path] = (key, people)
        return people

    def brands(self) -> list[BrandPeople]:
        found: dict[str, BrandPeople] = {}
        for path in self._files():
            people = self._read(path)
            if people is not None:
                found.setdefault(people.brand, people)  # a.yml before a.yaml
        return [found[b] for b in sorted(found)]
