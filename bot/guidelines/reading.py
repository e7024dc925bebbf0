"""Reading guideline files: bytes to validated `Guidelines`, and which files a folder holds.

A file is refused whole, with a one-line reason, before YAML sees it when it is too large to
be a guideline file or is not UTF-8; then the YAML is parsed with line marks (`yamlmarks`)
and validated section by section (`sections`). Both `.yml` and `.yaml` are guideline files,
everywhere: a brand with one of each is refused, since which one is in force would be a guess.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from bot.guidelines.errors import GuidelineError, Problem
from bot.guidelines.model import Guidelines
from bot.guidelines.options import RuleTypes

SUFFIXES = (".yml", ".yaml")
BRAND_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: The largest guideline file read. The example brands are ~10 KB and a lexicon of 50,000
#: terms ~1 MB; past this a file is a mistake (or an attack), and parsing it would take long.
MAX_FILE_BYTES = 4 * 1024 * 1024


def load_guidelines(path: Path | str, rule_types: RuleTypes) -> Guidelines:
    """Read and validate one guideline file; raise GuidelineError listing every problem in it.

    `rule_types` maps each `type:` a rule may name to its schema (the engine's `RULE_TYPES`).
    """
    path = Path(path)
    return load_bytes(path, read_file(path), rule_types)


def read_file(path: Path) -> bytes:
    """The bytes of a guideline file; GuidelineError if it cannot be read or is too large."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise GuidelineError([Problem(path, 0, "", f"cannot read the file: {reason}")]) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise GuidelineError(
            [
                Problem(
                    path,
                    0,
                    "",
                    f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                    "a guideline file is a few kilobytes (split very large lexicons)",
                )
            ]
        )
    return raw


def load_bytes(path: Path, raw: bytes, rule_types: RuleTypes) -> Guidelines:
    """Validate the contents `raw` of the file `path` (named in every problem)."""
    # The parser and validators are imported when a file is validated: a cached file (see
    # store.py) does not need them, nor YAML, and `check` starts faster without them.
    from bot.guidelines.fields import Fields
    from bot.guidelines.sections import document
    from bot.guidelines.yamlmarks import parse

    problems: list[Problem] = []
    if not BRAND_ID_PATTERN.match(path.stem):
        problems.append(
            Problem(
                path,
                1,
                "",
                f"the file name '{path.stem}' is not a valid brand id; "
                "use lowercase letters, digits and '-', e.g. northwind-outdoor.yml",
            )
        )
    text = _decode(path, raw, problems)
    if text is None:
        raise GuidelineError(problems)
    root, yaml_problems = parse(text, path)
    problems.extend(yaml_problems)
    if root is None:
        raise GuidelineError(problems)
    fields = Fields(path)
    sections = document(fields, root, rule_types)
    problems.extend(fields.problems)
    if problems:
        raise GuidelineError(problems)
    return sections.build(brand_id=path.stem, sha256=hashlib.sha256(raw).hexdigest(), path=path)


def _decode(path: Path, raw: bytes, problems: list[Problem]) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(path, line, "", "the file is not valid UTF-8 text"))
        return None


def validate_paths(paths: Iterable[Path | str], rule_types: RuleTypes) -> list[Problem]:
    """Every problem in the given files and folders of guideline files (none: all valid)."""
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            files, stray = guideline_files(path)
            problems.extend(stray)
            if not files and not stray:
                wanted = " or ".join(f"*{suffix}" for suffix in SUFFIXES)
                problems.append(Problem(path, 0, "", f"no brand guideline files ({wanted}) here"))
        elif path.exists():
            files = [path]
        else:
            problems.append(Problem(path, 0, "", "no such file or folder"))
            continue
        for file in files:
            try:
                load_guidelines(file, rule_types)
            except GuidelineError as exc:
                problems.extend(exc.problems)
    return problems


def guideline_files(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The folder's guideline files, and a problem for each file that looks like one but would
    be ignored (misnamed) and for each brand with two files."""
    files: list[Path] = []
    stray: list[Problem] = []
    first_of: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix in SUFFIXES:
            files.append(path)
            if path.stem in first_of:
                stray.append(two_files(first_of[path.stem], path))
            else:
                first_of[path.stem] = path
        elif path.suffix.lower() in SUFFIXES:
            # brandgate would silently ignore it, and the brand would have no guidelines
            stray.append(
                Problem(
                    path,
                    0,
                    "",
                    f"guideline files end in '.yml' or '.yaml' (lowercase); "
                    f"rename it to {path.stem}{path.suffix.lower()}",
                )
            )
    return files, stray


def two_files(first: Path, second: Path) -> Problem:
    return Problem(
        second,
        0,
        "",
        f"brand '{second.stem}' has two guideline files, {first.name} and {second.name}; "
        "keep only one",
    )
