"""What a broken guideline file or an unknown brand looks like to the person who has to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a guideline file, located by line (1-based; 0 = the file as a whole)."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line > 0 else f"{self.path}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class GuidelineError(Exception):
    """A guideline file (or several) is invalid; `problems` lists everything found, by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sort_problems(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownBrand(LookupError):
    """No guideline file exists for the brand id; the message lists the brands that do."""

    def __init__(self, brand_id: str, known: Sequence[str] = ()) -> None:
        self.brand_id = brand_id
        self.known = list(known)
        super().__init__(self._message())

    def _message(self) -> str:
        shown = printable(self.brand_id)
        if not self.known:
            return f"unknown brand '{shown}': there are no brand guideline files"
        hint = did_you_mean(self.brand_id, self.known)
        return f"unknown brand '{shown}'{hint}; known brands: {', '.join(self.known)}"


def printable(value: str) -> str:
    """`value` as typed, but control characters (a newline in a brand id) escaped, so an error
    about it stays one line of the CLI's `brandgate: ...` output."""
    return value if value.isprintable() else value.encode("unicode_escape").decode("ascii")


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Files in the order given, then by line: the order in which a person fixes them."""
    problems = list(problems)
    first_seen: dict[Path, int] = {}
    for p in problems:
        first_seen.setdefault(p.path, len(first_seen))
    return sorted(problems, key=lambda p: (first_seen[p.path], p.line))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest choice, or '' when nothing is close enough."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
