"""The folder of guideline files, loaded on demand and reloaded when a file changes."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from bot.guidelines.errors import GuidelineError, UnknownBrand
from bot.guidelines.model import Guidelines
from bot.guidelines.options import RuleTypes
from bot.guidelines.reading import (
    BRAND_ID_PATTERN,
    SUFFIXES,
    guideline_files,
    load_guidelines,
    two_files,
)


@dataclass(frozen=True)
class _Cached:
    key: tuple[int, int]
    guidelines: Guidelines


class GuidelineStore:
    """Every brand's guidelines, from `<brand-id>.yml` (or `.yaml`) files in one folder.

    `rule_types` is the registry of rule types the files may use (the engine's `RULE_TYPES`).
    """

    def __init__(self, directory: Path | str, rule_types: RuleTypes) -> None:
        self.directory = Path(directory)
        self.rule_types = rule_types
        self._cache: dict[Path, _Cached] = {}
        self._lock = threading.Lock()

    def path_of(self, brand_id: str) -> Path:
        """The brand's file (its `.yml` name when there is none yet)."""
        candidates = self._files_of(brand_id)
        return candidates[0] if candidates else self.directory / f"{brand_id}{SUFFIXES[0]}"

    def _files_of(self, brand_id: str) -> list[Path]:
        paths = (self.directory / f"{brand_id}{suffix}" for suffix in SUFFIXES)
        return sorted(path for path in paths if path.is_file())  # in the folder's listing order

    def brand_ids(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        files, _ = guideline_files(self.directory)
        return sorted({p.stem for p in files if BRAND_ID_PATTERN.match(p.stem)})

    def get(self, brand_id: str) -> Guidelines:
        """The brand's guidelines: UnknownBrand if there is no file, GuidelineError if invalid
        (or if the brand has both a `.yml` and a `.yaml` file)."""
        if not BRAND_ID_PATTERN.match(brand_id):
            raise UnknownBrand(brand_id, self.brand_ids())
        files = self._files_of(brand_id)
        if not files:
            raise UnknownBrand(brand_id, self.brand_ids())
        if len(files) > 1:
            raise GuidelineError([two_files(files[0], files[1])])
        return self._load(files[0])

    def all(self) -> list[Guidelines]:
        """Every brand, sorted by id; GuidelineError lists the problems of every invalid file."""
        if not self.directory.is_dir():
            return []
        files, problems = guideline_files(self.directory)
        loaded: list[Guidelines] = []
        for path in files:
            try:
                loaded.append(self._load(path))
            except GuidelineError as exc:
                problems.extend(exc.problems)
        if problems:
            raise GuidelineError(problems)
        return sorted(loaded, key=lambda g: g.brand_id)

    def _load(self, path: Path) -> Guidelines:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise UnknownBrand(path.stem, self.brand_ids()) from None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached.key == key:
            return cached.guidelines
        # Stat before reading: if the file changes meanwhile, the next call sees a newer key.
        guidelines = load_guidelines(path, self.rule_types)
        with self._lock:
            self._cache[path] = _Cached(key, guidelines)
        return guidelines
