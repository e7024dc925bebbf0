"""The folder of guideline files, loaded on demand and reloaded when a file changes.

With a `cache` (the CLI's compile cache), a validated file is also kept between processes: a
large lexicon takes a tenth of a second to parse and validate, a fifth of a one-draft
`brandgate check`. An entry is used only for the same bytes (their sha256), path, code of this
package and of the rule types, brandgate and Python; otherwise the file is validated again.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.guidelines.errors import GuidelineError, UnknownBrand
from bot.guidelines.model import Guidelines
from bot.guidelines.options import RuleTypes
from bot.guidelines.reading import (
    BRAND_ID_PATTERN,
    SUFFIXES,
    guideline_files,
    load_bytes,
    read_file,
    two_files,
)


class ArtefactCache(Protocol):
    """Where validated files are kept between processes (`bot.engine.compile_cache`)."""

    def load(self, slot: str, key: dict[str, Any]) -> bytes | None: ...

    def store(self, slot: str, key: dict[str, Any], payload: bytes) -> bool: ...


@dataclass(frozen=True)
class _Cached:
    key: tuple[int, int]
    guidelines: Guidelines


class GuidelineStore:
    """Every brand's guidelines, from `<brand-id>.yml` (or `.yaml`) files in one folder.

    `rule_types` is the registry of rule types the files may use (the engine's `RULE_TYPES`).
    """

    def __init__(
        self, directory: Path | str, rule_types: RuleTypes, cache: ArtefactCache | None = None
    ) -> None:
        self.directory = Path(directory)
        self.rule_types = rule_types
        self.cache = cache
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
        raw = read_file(path)
        guidelines = self._validated(path, raw)
        with self._lock:
            self._cache[path] = _Cached(key, guidelines)
        return guidelines

    def _validated(self, path: Path, raw: bytes) -> Guidelines:
        if self.cache is None:
            return load_bytes(path, raw, self.rule_types)
        sha256 = hashlib.sha256(raw).hexdigest()
        key = {**_code_versions(self.rule_types), "path": str(path), "sha256": sha256}
        slot = f"{path.stem}.guidelines"
        payload = self.cache.load(slot, key)
        if payload is not None:
            # pickle, because Guidelines are objects of this package. It runs code when loading,
            # so it is read only from the cache's own folder (ours alone), only under the exact
            # key it was written with, and only when its sha256 matches (see compile_cache).
            try:
                cached = pickle.loads(payload)
            except Exception:  # any failure is a stale entry: validate again
                cached = None
            if isinstance(cached, Guidelines) and cached.sha256 == sha256:
                return cached
        guidelines = load_bytes(path, raw, self.rule_types)
        try:
            payload = pickle.dumps(guidelines, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an option that cannot be pickled: just not cached
            return guidelines
        self.cache.store(slot, key, payload)
        return guidelines


_versions: dict[int, tuple[RuleTypes, dict[str, str]]] = {}


def _code_versions(rule_types: RuleTypes) -> dict[str, str]:
    """Memoised `_versions_of` (registries are mappings, which `functools.cache` cannot key)."""
    known = _versions.get(id(rule_types))
    if known is None or known[0] is not rule_types:
        known = _versions[id(rule_types)] = (rule_types, _versions_of(rule_types))
    return known[1]


def _versions_of(rule_types: RuleTypes) -> dict[str, str]:
    """The code that turns a file into Guidelines: this package and the rule types' modules
    (their options and defaults), by content, since the version number does not change with
    every edit."""
    from bot import __version__

    digest = hashlib.sha256()
    here = Path(__file__).parent
    files = sorted(here.rglob("*.py"))
    for cls in rule_types.values():
        module = sys.modules.get(cls.__module__)
        source = getattr(module, "__file__", None)
        if source:
            files.append(Path(source))
    for file in files:
        digest.update(str(file.name).encode() + b"\0")
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(b"?")
    return {"brandgate": __version__, "code": digest.hexdigest(), "python": sys.version}
